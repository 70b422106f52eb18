"""`python -m bench.profile startup|issuance|api`: where the time goes when a target is missed.

- ``startup``: pyinstrument over each service's ``create_app`` in this process, on a fresh data
  folder (what the ready-time figure pays for after the imports).
- ``issuance`` and ``api``: the real service process under the bench's load (authorize for a
  signed-in contact, or ``GET /api/quotes`` with a valid token) while py-spy samples it; prints
  the functions with the largest share of samples, inclusive and self.

py-spy attaches to a running process, which some machines forbid (it needs ptrace); the command
says so when it cannot.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

from bench.loadgen import LoadSpec, run_load
from bench.stack import Stack
from tests.reliability.portal_client import ALICE, authorize_url, cookie_header, sign_in
from tests.reliability.services import bearer

# Frames every waitress worker has; they would top every list and say nothing.
ALWAYS_THERE = {
    "Thread._bootstrap",
    "Thread._bootstrap_inner",
    "Thread.run",
    "ThreadedTaskDispatcher.handler_thread",
    "_run_module_as_main",
    "_run_code",
    "<module>",
}


def frame_name(frame: str) -> str:
    """`function (path/to/file.py:123)` as `function (file.py)`, so lines of one function merge."""
    name, _, where = frame.partition(" (")
    return f"{name} ({where.rsplit(':', 1)[0].rsplit('/', 1)[-1]})" if where else name


def profile_startup() -> str:
    """pyinstrument's text report of both factories on an empty data folder."""
    from pyinstrument import Profiler

    from portal_sim import create_app as create_portal
    from quote_api.app import create_app as create_api

    root = Path(tempfile.mkdtemp(prefix="bench-profile-"))
    try:
        profiler = Profiler(interval=0.0005)
        with profiler:
            create_portal({"DATA_DIR": str(root / "portal"), "ADMIN_KEY": "profile"})
            create_api({"DB_PATH": str(root / "quotes.db")})
        return profiler.output_text(unicode=False, color=False)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def summarise(raw: str, top: int = 25) -> str:
    """Inclusive and self shares of py-spy's collapsed stacks (`-f raw`)."""
    inclusive: Counter = Counter()
    own: Counter = Counter()
    total = 0
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        samples = int(count)
        total += samples
        frames = [frame_name(frame) for frame in stack.split(";")]
        for frame in set(frames):
            inclusive[frame] += samples
        own[frames[-1]] += samples
    if not total:
        return "no samples"

    def rows(counter: Counter) -> list[str]:
        kept = [
            (frame, n)
            for frame, n in counter.most_common()
            if frame.split(" (")[0] not in ALWAYS_THERE
        ]
        return [f"{n / total * 100:5.1f}%  {frame}" for frame, n in kept[:top]]

    return "\n".join(
        [f"{total} samples", "", "inclusive:", *rows(inclusive), "", "self:", *rows(own)]
    )


def profile_under_load(target: str, seconds: float) -> str:
    """Sample the portal (issuance) or the quote API (api) with py-spy while wrk loads it."""
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(spy).exists():
        return "py-spy is not installed (pip install py-spy)"
    stack = Stack.create().start()
    try:
        session = sign_in(stack.portal.origin, *ALICE)
        if target == "issuance":
            service = stack.portal
            spec = LoadSpec(
                url=authorize_url(stack.portal.origin),
                headers={"Cookie": cookie_header(session)},
                unique_nonce=True,
                expect="location-token",
                duration=seconds + 2,
            )
        else:
            service = stack.api
            token = stack.pair.token_for(ALICE)
            spec = LoadSpec(
                url=f"{stack.api.origin}/api/quotes", headers=bearer(token), duration=seconds + 2
            )
        output = stack.pair.root / "py-spy.txt"
        assert service.process is not None
        recorder = subprocess.Popen(
            [
                spy,
                "record",
                "--pid",
                str(service.process.pid),
                "--duration",
                str(round(seconds)),
                "--rate",
                "200",
                "--format",
                "raw",
                "--output",
                str(output),
                "--nonblocking",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        result = run_load(spec)
        _, errors = recorder.communicate(timeout=seconds + 30)
        if recorder.returncode != 0 or not output.exists():
            return f"py-spy could not sample the process: {errors.strip()[:400]}"
        header = f"{target}: {result.rate:.0f} good answers/s during sampling ({result.generator})"
        return header + "\n" + summarise(output.read_text(encoding="utf-8"))
    finally:
        stack.cleanup()


def main(argv: list[str] | None = None) -> int:
    """Print one profile."""
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__)
    parser.add_argument("target", choices=["startup", "issuance", "api"])
    parser.add_argument("--seconds", type=float, default=6.0, help="sampling time under load")
    args = parser.parse_args(argv)
    if args.target == "startup":
        print(profile_startup())
    else:
        print(profile_under_load(args.target, args.seconds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
