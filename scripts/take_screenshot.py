"""Take the README's screenshot of the quote page: Alice's quotes after the token endpoint flow.

Starts its own portal and quote API on free ports (in a temporary folder), drives the same
Chromium the browser tests use, and writes ``docs/quote-page.png``. Run it after changing the
quote page: ``.venv/bin/python scripts/take_screenshot.py``.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from playwright.sync_api import expect, sync_playwright  # noqa: E402 - after the path setup

from portal_sim.browser import launch_options  # noqa: E402
from tests.e2e.support import SignIn, start_pair  # noqa: E402

OUTPUT = REPO / "docs" / "quote-page.png"


def main() -> int:
    """Run the flow once and save the screenshot; 0 when written."""
    with tempfile.TemporaryDirectory() as folder:
        pair = start_pair(Path(folder))
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(**launch_options())
                page = browser.new_page(viewport={"width": 1100, "height": 900})
                page.goto(f"{pair.portal_url}/SignIn?returnUrl=/quote/")
                SignIn(page, pair.portal_url).fill_form("alice@contoso.com")
                page.get_by_role("button", name="Get a quote with the token endpoint").click()
                expect(page.locator("#quote-result").get_by_role("table")).to_be_visible()
                OUTPUT.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(OUTPUT), full_page=True)
                browser.close()
        finally:
            pair.api.stop()
            pair.portal.stop()
    print(f"wrote {OUTPUT.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
