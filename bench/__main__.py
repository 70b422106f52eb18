"""`python -m bench`: run every benchmark, print the table, write bench/results.json."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.api_rate import measure_api
from bench.browser import measure_click_to_quote
from bench.issuance import measure_issuance
from bench.keyfetch import count_key_fetches
from bench.loadgen import generator_name
from bench.peer import PeerInstall, PeerProcess, install_peer, node_tools_missing, start_peer
from bench.ready import measure_ready
from bench.report import build_rows, render_table
from bench.stack import Stack

RESULTS = Path(__file__).parent / "results.json"


def _load_average() -> list[float] | None:
    """The 1, 5 and 15 minute load averages, where the platform has them."""
    try:
        return [round(value, 2) for value in os.getloadavg()]
    except (AttributeError, OSError):
        return None


def say(message: str) -> None:
    """One progress line on stderr, so stdout holds only the table."""
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def run_section(name: str, results: dict[str, Any], work: Callable[[], Any]) -> None:
    """Run one benchmark; a failure is recorded and the others still run."""
    say(f"{name} ...")
    try:
        results[name] = work()
    except Exception as exc:  # one broken section must not hide the rest
        say(f"{name} failed: {exc}")
        results.setdefault("failures", {})[name] = "".join(
            traceback.format_exception_only(type(exc), exc)
        ).strip()


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The bench's few knobs; the defaults are the ones the targets are stated for."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--duration", type=float, default=3.0, help="seconds per load run")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds per load figure")
    parser.add_argument("--connections", type=int, default=16, help="concurrent connections")
    parser.add_argument("--ready-runs", type=int, default=5, help="starts per service")
    parser.add_argument("--browser-runs", type=int, default=10, help="click-to-quote rounds")
    parser.add_argument("--skip-browser", action="store_true", help="leave out click-to-quote")
    parser.add_argument("--output", type=Path, default=RESULTS, help="where results.json goes")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks in order and report; 1 if a benchmark could not run at all."""
    args = parse_args(argv)
    results: dict[str, Any] = {
        "started_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "machine": {
            "platform": platform.platform(),
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            # Other work on the machine moves every figure; the ratios are what to compare.
            "load_average_at_start": _load_average(),
        },
        "load_generator": generator_name(),
        "connections": args.connections,
        "duration_s": args.duration,
        "rounds": args.rounds,
    }
    say(f"load generator: {results['load_generator']}")

    peer_install: PeerInstall | None = None
    peer_process: PeerProcess | None = None
    missing = node_tools_missing()
    if missing:
        results["peer"] = {"skipped": missing}
    else:
        say("installing oauth2-mock-server into a temporary folder ...")
        try:
            peer_install = install_peer()
            results["peer"] = {"package": "oauth2-mock-server", "version": peer_install.version}
        except (RuntimeError, OSError) as exc:
            results["peer"] = {"skipped": str(exc)}
    if "skipped" in results["peer"]:
        say(f"peer skipped: {results['peer']['skipped']}")

    stack = Stack.create()
    try:
        stack.start()
        run_section(
            "ready",
            results,
            lambda: measure_ready(stack.portal.origin, peer_install, args.ready_runs),
        )
        if peer_install is not None:
            peer_process, _ = start_peer(peer_install)
        run_section(
            "issuance",
            results,
            lambda: measure_issuance(
                stack,
                peer_process.origin if peer_process else None,
                args.connections,
                args.duration,
                args.rounds,
            ),
        )
        run_section(
            "api",
            results,
            lambda: measure_api(stack, args.connections, args.duration, args.rounds),
        )
        if args.skip_browser:
            results["browser"] = {"skipped": "--skip-browser"}
        else:
            run_section(
                "browser",
                results,
                lambda: measure_click_to_quote(stack, args.browser_runs),
            )
        run_section("key_fetches", results, lambda: count_key_fetches(stack))
    finally:
        if peer_process is not None:
            peer_process.stop()
        if peer_install is not None:
            peer_install.cleanup()
        stack.cleanup()

    results["machine"]["load_average_at_end"] = _load_average()
    rows = build_rows(results)
    results["table"] = [row.to_json() for row in rows]
    args.output.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"Load generator: {results['load_generator']}; ", end="")
    print(
        f"{args.connections} connections, {args.rounds} interleaved rounds of "
        f"{args.duration:g} s per load figure (median round shown)."
    )
    print(render_table(rows))
    machine = results["machine"]
    print(
        f"Machine: {machine['cpus']} CPUs, Python {machine['python']}, load average "
        f"{machine['load_average_at_start']} at start, {machine['load_average_at_end']} at end."
    )
    for section in ("issuance", "api"):
        for name, figures in results.get(section, {}).items():
            if isinstance(figures, dict) and (
                figures.get("bad_total") or figures.get("socket_errors_total")
            ):
                print(
                    f"{section}/{name}: {figures['bad_total']} answers failed the check and "
                    f"{figures['socket_errors_total']} socket errors (not counted in the rate)"
                )
    for name, reason in results.get("failures", {}).items():
        print(f"{name}: could not run: {reason}")
    say(f"results written to {args.output}")
    return 1 if results.get("failures") else 0


if __name__ == "__main__":
    sys.exit(main())
