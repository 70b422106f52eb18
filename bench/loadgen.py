"""HTTP load generation: wrk when it is installed, a small asyncio client otherwise.

Both run a fixed number of keep-alive connections for a fixed time, check every answer against
the same expectation (a status, a token in a redirect, a JWT body) and report the same figures,
so a table can put a wrk figure and a fallback figure side by side only by mistake: the result
says which generator measured it.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from urllib.parse import urlsplit

WRK_SCRIPT = Path(__file__).parent / "wrk" / "measure.lua"
JWT_PATTERN = re.compile(rb"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$")


@dataclass
class LoadSpec:
    """What to send, how hard, and what a good answer looks like."""

    url: str
    method: str = "GET"
    headers: dict[str, str] = field(default_factory=dict)
    # "{n}" in the body is replaced by a per-request counter, so no two bodies are equal.
    body: str | None = None
    # Append "&nonce=<unique>" to the query so no two requests could share a cached token.
    unique_nonce: bool = False
    expect: str = "status:200"
    # When given, each thread or connection cycles through its own share as bearer tokens.
    bearer_tokens: list[str] | None = None
    connections: int = 16
    duration: float = 5.0
    threads: int = 2


@dataclass
class LoadResult:
    """Figures from one load run; `rate` counts only answers that met the expectation."""

    generator: str
    requests: int
    good: int
    bad: int
    socket_errors: int
    duration_s: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float

    @property
    def rate(self) -> float:
        """Good answers per second."""
        return self.good / self.duration_s if self.duration_s else 0.0

    def to_json(self) -> dict:
        """The figures as a JSON-ready dict, the rate included."""
        return {**asdict(self), "rate": round(self.rate, 1)}


def wrk_available() -> bool:
    """True when wrk is on PATH and not switched off with BENCH_LOADGEN=python."""
    return os.environ.get("BENCH_LOADGEN", "") != "python" and shutil.which("wrk") is not None


def generator_name() -> str:
    """The name and version of the generator `run_load` will use."""
    if not wrk_available():
        return "python asyncio (wrk not found)"
    first = subprocess.run(
        ["wrk", "--version"], capture_output=True, text=True, check=False
    ).stdout.splitlines()
    return first[0].split(" Copyright")[0].strip() if first else "wrk"


def run_load(spec: LoadSpec) -> LoadResult:
    """Run `spec` with wrk when available, the asyncio generator otherwise."""
    return run_wrk(spec) if wrk_available() else run_asyncio(spec)


def run_wrk(spec: LoadSpec) -> LoadResult:
    """Run `spec` under wrk with the checking Lua script and parse its JSON line."""
    if spec.bearer_tokens:
        with tempfile.NamedTemporaryFile("w", suffix=".tokens", delete=False) as handle:
            handle.write("\n".join(spec.bearer_tokens) + "\n")
        try:
            threads = min(spec.threads, spec.connections)
            return _run_wrk(spec, {"BENCH_TOKENS": handle.name, "BENCH_THREADS": str(threads)})
        finally:
            os.unlink(handle.name)
    return _run_wrk(spec, {})


def _run_wrk(spec: LoadSpec, extra_env: dict[str, str]) -> LoadResult:
    env = {
        **os.environ,
        **extra_env,
        "BENCH_METHOD": spec.method,
        "BENCH_EXPECT": spec.expect,
        "BENCH_UNIQUE": "1" if spec.unique_nonce else "0",
    }
    if spec.body is not None:
        env["BENCH_BODY"] = spec.body
    args = [
        "wrk",
        f"-t{min(spec.threads, spec.connections)}",
        f"-c{spec.connections}",
        f"-d{max(1, round(spec.duration))}s",
        "--timeout",
        "5s",
        "-s",
        str(WRK_SCRIPT),
    ]
    for name, value in spec.headers.items():
        args += ["-H", f"{name}: {value}"]
    args.append(spec.url)
    done = subprocess.run(
        args, capture_output=True, text=True, env=env, timeout=spec.duration + 60, check=False
    )
    line = next(
        (row for row in done.stdout.splitlines() if row.startswith("BENCH_RESULT ")),
        None,
    )
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr.strip()[:400]}")
    data = json.loads(line.removeprefix("BENCH_RESULT "))
    socket_errors = sum(
        data[key] for key in ("connect_errors", "read_errors", "write_errors", "timeouts")
    )
    return LoadResult(
        generator="wrk",
        requests=data["requests"],
        good=data["good"],
        bad=data["bad"],
        socket_errors=socket_errors,
        duration_s=data["duration_us"] / 1e6,
        p50_ms=data["p50_us"] / 1000,
        p90_ms=data["p90_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        max_ms=data["max_us"] / 1000,
    )


def answer_is_good(expect: str, status: int, headers: dict[str, str], body: bytes) -> bool:
    """The same checks the wrk script makes, for the asyncio generator."""
    if expect.startswith("status:"):
        return status == int(expect.split(":", 1)[1])
    if expect == "location-token":
        return status == 302 and "#token=" in headers.get("location", "")
    if expect == "body-jwt":
        return status == 200 and JWT_PATTERN.match(body.strip()) is not None
    if expect == "json-token":
        return status == 200 and b'"access_token":"' in body
    raise ValueError(f"unknown expectation {expect!r}")


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, dict[str, str], bytes]:
    """Read one HTTP/1.1 response: status, lower-cased headers, body."""
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("connection closed")
    status = int(status_line.split()[1])
    headers: dict[str, str] = {}
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b"\n", b""):
            break
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    if headers.get("transfer-encoding", "").lower() == "chunked":
        chunks = []
        while True:
            size = int((await reader.readline()).split(b";")[0], 16)
            if size == 0:
                await reader.readline()
                break
            chunks.append(await reader.readexactly(size))
            await reader.readline()
        return status, headers, b"".join(chunks)
    length = int(headers.get("content-length", "0"))
    return status, headers, await reader.readexactly(length) if length else b""


class _Tally:
    """Counts shared by every asyncio client of one run."""

    def __init__(self) -> None:
        self.good = 0
        self.bad = 0
        self.socket_errors = 0
        self.latencies: list[float] = []


async def _client(spec: LoadSpec, number: int, deadline: float, tally: _Tally) -> None:
    """One keep-alive connection sending requests back to back until the deadline."""
    parts = urlsplit(spec.url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    base_path = parts.path + (f"?{parts.query}" if parts.query else "")
    host_header = parts.netloc
    # Each connection cycles through its own share of the tokens, so none is sent twice in a row
    # by two connections and a cache of verified tokens keeps missing.
    own_tokens = (spec.bearer_tokens or [])[number :: spec.connections]
    reader = writer = None
    counter = 0
    while time.monotonic() < deadline:
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection(host, port)
            counter += 1
            path = base_path + (f"&nonce=c{number}n{counter}" if spec.unique_nonce else "")
            body = (
                spec.body.replace("{n}", str(number * 100_000_000 + counter)).encode()
                if spec.body is not None
                else b""
            )
            head = [f"{spec.method} {path} HTTP/1.1", f"Host: {host_header}"]
            head += [f"{name}: {value}" for name, value in spec.headers.items()]
            if own_tokens:
                head.append(f"Authorization: Bearer {own_tokens[counter % len(own_tokens)]}")
            if body or spec.method in ("POST", "PUT", "PATCH"):
                head.append(f"Content-Length: {len(body)}")
            started = time.perf_counter()
            writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)
            await writer.drain()
            status, headers, payload = await _read_response(reader)
            tally.latencies.append(time.perf_counter() - started)
            if answer_is_good(spec.expect, status, headers, payload):
                tally.good += 1
            else:
                tally.bad += 1
            if headers.get("connection", "").lower() == "close":
                writer.close()
                reader = writer = None
        except (OSError, ConnectionError, asyncio.IncompleteReadError, ValueError, IndexError):
            tally.socket_errors += 1
            if writer is not None:
                writer.close()
            reader = writer = None
            await asyncio.sleep(0.01)
    if writer is not None:
        writer.close()


def _percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of `values` (seconds), in milliseconds."""
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))
    return ordered[index] * 1000


def run_asyncio(spec: LoadSpec) -> LoadResult:
    """Run `spec` with asyncio keep-alive clients in this process."""

    async def main() -> tuple[_Tally, float]:
        tally = _Tally()
        started = time.monotonic()
        deadline = started + spec.duration
        await asyncio.gather(
            *(_client(spec, number, deadline, tally) for number in range(spec.connections))
        )
        return tally, time.monotonic() - started

    # A fresh thread has no event loop of its own, even when the caller's thread runs one (as
    # Playwright's sync API does in the browser tests' process).
    outcome: dict[str, tuple[_Tally, float]] = {}
    worker = threading.Thread(target=lambda: outcome.update(value=asyncio.run(main())))
    worker.start()
    worker.join()
    if "value" not in outcome:
        raise RuntimeError("the asyncio load generator stopped without a result")
    tally, elapsed = outcome["value"]
    latencies = tally.latencies
    return LoadResult(
        generator="python asyncio",
        requests=tally.good + tally.bad,
        good=tally.good,
        bad=tally.bad,
        socket_errors=tally.socket_errors,
        duration_s=elapsed,
        p50_ms=_percentile(latencies, 0.50),
        p90_ms=_percentile(latencies, 0.90),
        p99_ms=_percentile(latencies, 0.99),
        max_ms=max(latencies, default=0.0) * 1000,
    )


def run_side_by_side(specs: dict[str, LoadSpec], rounds: int = 3, warmup: float = 1.0) -> dict:
    """Run every spec `rounds` times, interleaved, after a short warm-up of each.

    Interleaving spreads a noisy neighbour's bursts over all the figures compared; each figure
    is the round with the median rate, and every round's rate is kept next to it.
    """
    for spec in specs.values():
        run_load(replace(spec, duration=warmup))
    measured: dict[str, list[LoadResult]] = {name: [] for name in specs}
    for _ in range(rounds):
        for name, spec in specs.items():
            measured[name].append(run_load(spec))
    summary = {}
    for name, runs in measured.items():
        ordered = sorted(runs, key=lambda result: result.rate)
        chosen = ordered[len(ordered) // 2]
        summary[name] = {
            **chosen.to_json(),
            "rounds": len(runs),
            "round_rates": [round(result.rate, 1) for result in runs],
            "bad_total": sum(result.bad for result in runs),
            "socket_errors_total": sum(result.socket_errors for result in runs),
        }
    return summary
