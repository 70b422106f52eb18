"""`quote-api serve`: the quote API under waitress."""

from __future__ import annotations

import argparse
import atexit
import logging
import logging.handlers
import queue
import sys
from collections.abc import Sequence
from typing import Any

from waitress import create_server

from quote_api.app import create_app


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface."""
    parser = argparse.ArgumentParser(prog="quote-api", description="The quote (CPQ) API.")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the API under waitress")
    serve.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8001, help="port (default 8001; 0 = any free)")
    serve.add_argument("--portal-url", help="the portal's origin (default http://localhost:8000)")
    serve.add_argument("--client-id", help="the registered client id (default quote-demo-client)")
    serve.add_argument("--db", help="SQLite file (default .data/quote-api/quotes.db)")
    serve.add_argument(
        "--accept-empty-audience",
        action="store_true",
        default=None,
        help='also accept tokens with aud "" (fetched without a client id), like the sample',
    )
    serve.add_argument(
        "--inspector",
        action="store_true",
        default=None,
        help="keep the last 200 validation outcomes for the portal's flow inspector",
    )
    serve.add_argument("--threads", type=int, default=8, help="waitress worker threads")
    return parser


def _config_from(args: argparse.Namespace) -> dict[str, Any]:
    # Only what was given on the command line overrides the environment.
    given = {
        "PORTAL_URL": args.portal_url,
        "CLIENT_ID": args.client_id,
        "DB_PATH": args.db,
        "ACCEPT_EMPTY_AUDIENCE": args.accept_empty_audience,
        "INSPECTOR": args.inspector,
    }
    return {name: value for name, value in given.items() if value is not None}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = build_parser().parse_args(argv)
    configure_logging("%(asctime)s %(name)s %(message)s")
    try:
        app = create_app(_config_from(args))
    except ValueError as exc:
        print(f"quote-api: {exc}", file=sys.stderr)
        return 2
    server = create_server(app, host=args.host, port=args.port, threads=args.threads)
    port = server.effective_port  # type: ignore[union-attr]
    print(f"Quote API listening on http://{args.host}:{port}", flush=True)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
    return 0


def configure_logging(line_format: str) -> None:
    """Log to stderr from a thread of its own, so request threads never wait on the console."""
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
    # waitress warns once per queued request when its threads are busy; under load those lines
    # would drown the one-line-per-request log.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
