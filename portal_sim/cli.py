"""The `portal-sim` command: serve the simulated portal, or run the demo."""

from __future__ import annotations

import argparse
import atexit
import logging
import logging.handlers
import queue
import socket
import sys
from collections.abc import Sequence

from .scenario import ScenarioError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="portal-sim", description="A local simulated Power Pages site."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the portal under waitress")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    serve.add_argument("--api-url", default="http://127.0.0.1:8001", help="the quote API's origin")
    serve.add_argument("--settings", metavar="FILE", help="scenario file laid over the demo's")
    serve.add_argument("--data-dir", default=None, help="keys and certificates (.data/portal)")
    serve.add_argument("--admin-key", default=None, help="admin API key (generated if unset)")
    serve.add_argument("--threads", type=int, default=8, help="waitress worker threads (default 8)")
    serve.add_argument(
        "--settings-cache-seconds",
        type=float,
        default=None,
        help="simulate the product's site-settings cache delay",
    )
    serve.add_argument(
        "--inspector",
        action="store_true",
        help="show the flow inspector panel on the pages (the quote API needs it too)",
    )
    serve.add_argument(
        "--presenter",
        action="store_true",
        help="start the inspector in presenter mode: pause before each hop, large type",
    )
    commands.add_parser("demo", help="start the portal and the quote API together", add_help=False)
    return parser


def _ipv6_loopback_free(port: int) -> bool:
    """Whether ::1 can be bound, so `localhost` works where it resolves to IPv6 first."""
    if not socket.has_ipv6:
        return False
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as probe:
            probe.bind(("::1", port))
    except OSError:
        return False
    return True


def serve(args: argparse.Namespace) -> int:
    """Run the portal under waitress until interrupted."""
    from waitress import create_server

    from . import create_app

    if not 0 < args.port < 65536:
        print("portal-sim: --port must be between 1 and 65535", file=sys.stderr)
        return 2
    if not 0 < args.threads <= 64:
        print("portal-sim: --threads must be between 1 and 64", file=sys.stderr)
        return 2
    config: dict[str, object] = {
        "PUBLIC_ORIGIN": f"http://localhost:{args.port}",
        "API_URL": args.api_url,
    }
    if args.settings:
        config["SETTINGS_FILE"] = args.settings
    if args.data_dir:
        config["DATA_DIR"] = args.data_dir
    if args.admin_key:
        config["ADMIN_KEY"] = args.admin_key
    if args.settings_cache_seconds is not None:
        config["SETTINGS_CACHE_SECONDS"] = args.settings_cache_seconds
    if args.inspector or args.presenter:
        config["INSPECTOR"] = True
    if args.presenter:
        config["PRESENTER"] = True
    try:
        app = create_app(config)
    except ScenarioError as error:
        print(f"portal-sim: {error}", file=sys.stderr)
        return 2

    # Parsing a key takes tens of milliseconds; pay it now rather than on the first token.
    app.extensions["portal_sim"].signing_key()

    listen = [f"{args.host}:{args.port}"]
    if args.host == "127.0.0.1" and _ipv6_loopback_free(args.port):
        listen.append(f"[::1]:{args.port}")
    try:
        server = create_server(
            app, listen=" ".join(listen), threads=args.threads, ident="portal-sim"
        )
    except OSError as error:
        print(f"portal-sim: cannot listen on port {args.port}: {error.strerror}", file=sys.stderr)
        return 1
    if app.config.get("ADMIN_KEY_GENERATED"):
        print(f"Admin key: {app.config['ADMIN_KEY']}", flush=True)
    print(f"Portal simulator listening on http://localhost:{args.port}", flush=True)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `portal-sim`."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments and arguments[0] == "demo":
        from portal_sim.demo import main as demo_main

        return demo_main(arguments[1:])
    args = _parser().parse_args(arguments)
    configure_logging("%(asctime)s %(levelname)s %(name)s: %(message)s")
    return serve(args)


def configure_logging(line_format: str) -> None:
    """Log to stderr from a thread of its own, so request threads never wait on the console."""
    # Writing under the handler's lock from 8 request threads cost the portal a fifth of its
    # token rate; a queue hands each record over without waiting.
    records: queue.SimpleQueue[logging.LogRecord] = queue.SimpleQueue()
    console = logging.StreamHandler()
    console.setFormatter(logging.Formatter(line_format))
    listener = logging.handlers.QueueListener(records, console)
    listener.start()
    atexit.register(listener.stop)
    hand_over = logging.handlers.QueueHandler(records)
    # The record is formatted once, by the console handler; this one only merges the arguments.
    hand_over.setFormatter(logging.Formatter("%(message)s"))
    logging.basicConfig(level=logging.INFO, handlers=[hand_over])
    # waitress warns once per queued request when its threads are busy: thousands of lines a
    # second under load, which would drown the step lines.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
