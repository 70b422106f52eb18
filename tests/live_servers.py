"""Start the real `portal-sim serve` and `quote-api serve` processes for tests and benchmarks."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_health(
    url: str,
    timeout: float = 20.0,
    process: subprocess.Popen | None = None,
    interval: float = 0.05,
) -> None:
    """Poll `url` every `interval` s until it answers 200; fail early if the process died."""
    deadline = time.monotonic() + timeout
    last_error = "no answer"
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode} before {url} answered")
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError) as exc:
            last_error = str(exc)
        time.sleep(interval)
    raise TimeoutError(f"{url} did not answer 200 within {timeout} s: {last_error}")


@dataclass
class Service:
    """One running service process, its origin and its log file."""

    name: str
    args: list[str]
    origin: str
    log_path: Path
    env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen | None = None

    def start(self, timeout: float = 20.0, poll_interval: float = 0.05) -> Service:
        """Start the process and wait until `/healthz` answers (polled every `poll_interval` s)."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        env = {**os.environ, "PYTHONUNBUFFERED": "1", **self.env}
        self.process = subprocess.Popen(
            [sys.executable, "-m", *self.args],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
        )
        log.close()
        try:
            wait_for_health(f"{self.origin}/healthz", timeout, self.process, poll_interval)
        except Exception:
            self.stop()
            raise RuntimeError(f"{self.name} did not start; its log:\n{self.log()}") from None
        return self

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 10.0) -> None:
        """Stop the process (SIGTERM by default, SIGKILL for crash tests) and reap it."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(sig)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout)

    def kill(self) -> None:
        """SIGKILL, as a crash would."""
        self.stop(signal.SIGKILL if hasattr(signal, "SIGKILL") else signal.SIGTERM)

    def log(self) -> str:
        """Everything the process printed so far."""
        return (
            self.log_path.read_text(encoding="utf-8", errors="replace")
            if self.log_path.exists()
            else ""
        )


def portal_service(
    data_dir: Path,
    port: int,
    api_url: str,
    admin_key: str,
    extra_args: Sequence[str] = (),
) -> Service:
    """A `portal-sim serve` process on `http://localhost:<port>` (not started yet)."""
    args = [
        "portal_sim",
        "serve",
        "--port",
        str(port),
        "--api-url",
        api_url,
        "--data-dir",
        str(data_dir),
        # One argument, so a key that starts with "-" is not taken for an option.
        f"--admin-key={admin_key}",
        *extra_args,
    ]
    return Service("portal-sim", args, f"http://localhost:{port}", data_dir / "portal.log")


def quote_api_service(
    db_path: Path,
    port: int,
    portal_url: str,
    client_id: str = "quote-demo-client",
    extra_args: Sequence[str] = (),
) -> Service:
    """A `quote-api serve` process on `http://127.0.0.1:<port>` (not started yet)."""
    args = [
        "quote_api",
        "serve",
        "--port",
        str(port),
        "--portal-url",
        portal_url,
        "--client-id",
        client_id,
        "--db",
        str(db_path),
        *extra_args,
    ]
    return Service("quote-api", args, f"http://127.0.0.1:{port}", db_path.parent / "quote-api.log")


@dataclass
class PairLayout:
    """A portal and a quote API that trust each other, laid out on free ports (not started)."""

    portal: Service
    api: Service
    admin_key: str = field(repr=False)
    db_path: Path


def lay_out_pair(
    root: Path,
    *,
    flags: Sequence[str] = (),
    api_client_id: str = "quote-demo-client",
    api_portal_url: str | None = None,
    api_env: dict[str, str] | None = None,
) -> PairLayout:
    """Portal data under `root/portal`, the API's database under `root/quote-api`."""
    root = Path(root)
    portal_port, api_port = free_port(), free_port()
    admin_key = secrets.token_hex(24)
    portal = portal_service(
        root / "portal", portal_port, f"http://127.0.0.1:{api_port}", admin_key, flags
    )
    db_path = root / "quote-api" / "quotes.db"
    db_path.parent.mkdir(parents=True, exist_ok=True)
    api = quote_api_service(
        db_path, api_port, api_portal_url or portal.origin, api_client_id, extra_args=flags
    )
    api.env.update(api_env or {})
    return PairLayout(portal, api, admin_key, db_path)
