"""Run the whole demo: the portal simulator and the quote API side by side, until Ctrl-C.

``python -m portal_sim demo`` (or ``make demo``) starts ``portal-sim serve`` and
``quote-api serve`` as child processes on the default origins, waits until both answer
``/healthz``, prints where they are and who can sign in, opens the browser at the quote page
(unless ``CI`` or ``NO_BROWSER`` is set) and stops both on Ctrl-C or SIGTERM.
``--portal-port`` and ``--api-port`` move it off 8000 and 8001 when those are taken.
Both run with ``--inspector``, so the pages show the flow inspector; ``--presenter`` (or
``make demo PRESENTER=1``) starts it in presenter mode.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import webbrowser
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

PORTAL_PORT = 8000
API_PORT = 8001
START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0

DEMO_ACCOUNTS = [
    ("alice@contoso.com", "Alice Adams", "a customer with her own quotes"),
    ("bob@fabrikam.com", "Bob Brown", "another customer, with his own quotes"),
    ("admin@contoso.com", "Pat Admin", "web role Administrators: site settings"),
]
DEMO_PASSWORD = "Pass@word1"  # noqa: S105 - the published password of the demo accounts


class DemoError(Exception):
    """Something that stops the demo, with a message for the person running it."""


class Stop(Exception):
    """Raised at a safe point once Ctrl-C or SIGTERM has asked the demo to stop."""


class StopRequest:
    """Set by the Ctrl-C and SIGTERM handlers; the runner checks it between steps.

    The handlers only set a flag, so no signal, however many arrive, can interrupt the
    clean-up half way and leave a service running.
    """

    def __init__(self) -> None:
        self.requested = False

    def check(self) -> None:
        """Raise Stop when a stop was asked for."""
        if self.requested:
            raise Stop


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    """True when something already listens on (or holds) ``host:port``."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        if os.name != "nt":
            # As the servers do: a port left in TIME_WAIT by a previous run is free to use.
            # (On Windows this option would let us bind over a live listener, so not there.)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return True
    return False


def start_child(module: str, args: list[str]) -> subprocess.Popen:
    """Start ``python -m <module> serve <args>`` in its own process group, sharing our terminal."""
    options: dict = {}
    if os.name == "nt":
        # Our console's Ctrl-C should reach only us; we stop the children ourselves, in order.
        options["creationflags"] = subprocess.CREATE_NEW_PROCESS_GROUP
    else:
        options["start_new_session"] = True
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([sys.executable, "-m", module, "serve", *args], env=env, **options)  # noqa: S603 - our own interpreter and module, no shell


def wait_healthy(
    name: str,
    origin: str,
    process: subprocess.Popen,
    timeout: float,
    stop: StopRequest | None = None,
) -> None:
    """Poll ``<origin>/healthz`` until it answers 200; fail if the process exits first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise DemoError(f"{name} exited with code {process.returncode} before it was ready.")
        try:
            with urllib.request.urlopen(f"{origin}/healthz", timeout=1) as answer:  # noqa: S310 - a fixed loopback http URL
                if answer.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        if stop is not None:
            stop.check()
        time.sleep(0.1)
    raise DemoError(f"{name} did not answer {origin}/healthz within {timeout:.0f} seconds.")


def stop_child(process: subprocess.Popen) -> None:
    """Stop one child: politely first, then for sure."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(STOP_TIMEOUT)


def banner(portal_origin: str, api_origin: str) -> str:
    """What is running, where, and who can sign in."""
    width = max(len(email) for email, _, _ in DEMO_ACCOUNTS)
    lines = [
        "",
        "Power Pages implicit grant harness is running.",
        "",
        f"  Quote page       {portal_origin}/quote/",
        f"  Portal (sim)     {portal_origin}",
        f"  Quote API        {api_origin}   (OpenAPI: {api_origin}/openapi.json)",
        "",
        "The flow inspector under each page lists every hop as it happens.",
        "",
        f"Demo accounts, password {DEMO_PASSWORD} for all:",
    ]
    lines += [f"  {email:<{width}}  {name}, {role}" for email, name, role in DEMO_ACCOUNTS]
    lines += ["", "Press Ctrl-C to stop both.", ""]
    return "\n".join(lines)


def should_open_browser(no_browser: bool) -> bool:
    """Open a browser only for a person: not in CI, not when asked not to."""
    return not (no_browser or os.environ.get("CI") or os.environ.get("NO_BROWSER"))


@contextmanager
def stop_on_signals() -> Iterator[StopRequest]:
    """Turn Ctrl-C and SIGTERM into a stop request while the demo runs (main thread only)."""
    request = StopRequest()

    def handler(signum: int, frame: FrameType | None) -> None:
        request.requested = True

    names = ("SIGINT", "SIGTERM", "SIGBREAK")
    previous = {}
    try:
        for signum in [getattr(signal, name) for name in names if hasattr(signal, name)]:
            previous[signum] = signal.signal(signum, handler)
    except ValueError:
        pass  # not the main thread: signals cannot be handled here
    try:
        yield request
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)


def run(
    no_browser: bool,
    portal_port: int = PORTAL_PORT,
    api_port: int = API_PORT,
    stop: StopRequest | None = None,
    presenter: bool = False,
) -> int:
    """Start both services, show the banner, and wait until stopped or one of them dies."""
    busy = [str(port) for port in (portal_port, api_port) if port_in_use(port)]
    if busy:
        which = f"Ports {' and '.join(busy)} are" if len(busy) > 1 else f"Port {busy[0]} is"
        raise DemoError(
            f"{which} already in use on 127.0.0.1. Another demo or another program is "
            "listening there: stop it (for example the other demo, with Ctrl-C in its "
            "terminal) and run the demo again."
        )
    portal_origin = f"http://localhost:{portal_port}"
    api_origin = f"http://127.0.0.1:{api_port}"
    children: list[tuple[str, subprocess.Popen]] = []
    try:
        # The portal first: the quote API reads the portal's public key when it starts.
        portal_args = ["--port", str(portal_port), "--api-url", api_origin, "--inspector"]
        if presenter:
            portal_args.append("--presenter")
        portal = start_child("portal_sim", portal_args)
        children.append(("portal-sim", portal))
        wait_healthy("portal-sim", portal_origin, portal, START_TIMEOUT, stop)
        api = start_child(
            "quote_api", ["--port", str(api_port), "--portal-url", portal_origin, "--inspector"]
        )
        children.append(("quote-api", api))
        wait_healthy("quote-api", api_origin, api, START_TIMEOUT, stop)

        print(banner(portal_origin, api_origin), flush=True)
        if should_open_browser(no_browser):
            webbrowser.open(f"{portal_origin}/quote/")

        while True:
            for name, process in children:
                if process.poll() is not None:
                    raise DemoError(
                        f"{name} stopped unexpectedly (exit code {process.returncode})."
                    )
            if stop is not None:
                stop.check()
            time.sleep(0.5)
    finally:
        # Reverse order: the API goes first, so it never runs without its portal.
        for _, process in reversed(children):
            stop_child(process)


def main(argv: list[str]) -> int:
    """Run the demo until Ctrl-C or SIGTERM; 0 on a clean stop, 1 when it could not run."""
    parser = argparse.ArgumentParser(
        prog="portal-sim demo", description="Run the portal simulator and the quote API together."
    )
    parser.add_argument(
        "--no-browser", action="store_true", help="do not open a browser (also: CI or NO_BROWSER)"
    )
    parser.add_argument(
        "--portal-port", type=int, default=PORTAL_PORT, help="portal port (default 8000)"
    )
    parser.add_argument(
        "--api-port", type=int, default=API_PORT, help="quote API port (default 8001)"
    )
    parser.add_argument(
        "--presenter",
        action="store_true",
        help="presenter mode: pause before each hop, large type, tokens masked until clicked",
    )
    args = parser.parse_args(argv)
    try:
        with stop_on_signals() as stop:
            return run(args.no_browser, args.portal_port, args.api_port, stop, args.presenter)
    except (KeyboardInterrupt, Stop):
        print("\nStopped the portal simulator and the quote API.", flush=True)
        return 0
    except DemoError as exc:
        print(f"demo: {exc}", file=sys.stderr, flush=True)
        return 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
