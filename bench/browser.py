"""Click-to-quote in headless Chromium, next to the floor: one static page, one CORS fetch."""

from __future__ import annotations

import statistics
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from bench.stack import Stack
from portal_sim.browser import launch_options
from tests.live_servers import free_port
from tests.reliability.portal_client import ALICE

DONE_SCRIPT = """() => {
  const result = document.querySelector('#quote-result');
  const error = document.querySelector('#flow-error');
  return (result && result.querySelector('table, p')) || (error && !error.hidden);
}"""

FLOOR_PAGE = b"""<!doctype html>
<html><head><meta charset="utf-8"><title>floor</title></head>
<body><div id="result"></div>
<script>
fetch(location.protocol + "//127.0.0.1:" + location.port + "/data.json")
  .then((answer) => answer.json())
  .then((data) => { document.getElementById("result").textContent = data.message; });
</script></body></html>
"""


class _FloorHandler(BaseHTTPRequestHandler):
    """Serves the floor page on localhost and its JSON, with CORS, on 127.0.0.1."""

    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        """The page, or the JSON the page fetches cross-origin."""
        if self.path.startswith("/data.json"):
            body = b'{"message": "floor reached"}'
            kind = "application/json"
        else:
            body = FLOOR_PAGE
            kind = "text/html; charset=utf-8"
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header(
            "Access-Control-Allow-Origin", f"http://localhost:{self.server.server_port}"
        )
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: the bench prints one table."""


def _median_ms(values: list[float]) -> float:
    return round(statistics.median(values) * 1000, 1)


def measure_click_to_quote(stack: Stack, runs: int = 10) -> dict[str, Any]:
    """Median click-to-quote for a signed-in contact, and the floor, in the same browser."""
    from playwright.sync_api import sync_playwright

    floor = ThreadingHTTPServer(("127.0.0.1", free_port()), _FloorHandler)
    floor.daemon_threads = True
    threading.Thread(target=floor.serve_forever, daemon=True).start()
    floor_url = f"http://localhost:{floor.server_port}/floor.html"
    clicks: list[float] = []
    floors: list[float] = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(**launch_options(headless=True))
            context = browser.new_context()
            page = context.new_page()
            page.goto(f"{stack.portal.origin}/SignIn?returnUrl=/quote/")
            page.get_by_label("Email").fill(ALICE[0])
            page.get_by_label("Password").fill(ALICE[1])
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url("**/quote/")
            # One unmeasured round each, so both sides run with warm caches and connections.
            for measured in [False] + [True] * runs:
                page.goto(f"{stack.portal.origin}/quote/")
                button = page.get_by_role("button", name="Give me a Quote!")
                button.wait_for()
                started = time.perf_counter()
                button.click()
                page.wait_for_function(DONE_SCRIPT, timeout=15000)
                elapsed = time.perf_counter() - started
                if page.locator("#flow-error").is_visible():
                    raise RuntimeError(
                        f"click-to-quote failed: {page.locator('#flow-error').inner_text()}"
                    )
                if measured:
                    clicks.append(elapsed)

                started = time.perf_counter()
                page.goto(floor_url)
                page.wait_for_function(
                    "() => document.getElementById('result').textContent !== ''", timeout=15000
                )
                elapsed = time.perf_counter() - started
                if measured:
                    floors.append(elapsed)
            version = browser.version
            browser.close()
    finally:
        floor.shutdown()
        floor.server_close()
    return {
        "browser": f"Chromium {version}",
        "click_to_quote_ms": _median_ms(clicks),
        "floor_ms": _median_ms(floors),
        "click_samples_ms": [round(value * 1000, 1) for value in clicks],
        "floor_samples_ms": [round(value * 1000, 1) for value in floors],
    }
