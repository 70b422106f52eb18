"""The peer: npm's oauth2-mock-server, the stand-in a user would most likely pick instead.

It is installed with `npm install` into a temporary folder for each bench run (nothing is kept
in the repository) and started on a free loopback port. Without node and npm the peer figures
are reported as skipped.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from tests.live_servers import free_port, wait_for_health

PACKAGE = "oauth2-mock-server"
READY_PATH = "/.well-known/openid-configuration"


def node_tools_missing() -> str | None:
    """Why the peer cannot run here, or None when node and npm are both present."""
    missing = [tool for tool in ("node", "npm") if shutil.which(tool) is None]
    return f"{' and '.join(missing)} not installed" if missing else None


@dataclass
class PeerInstall:
    """oauth2-mock-server installed in a temporary folder."""

    folder: Path
    version: str

    @property
    def entry(self) -> Path:
        """The CLI script inside node_modules."""
        return self.folder / "node_modules" / ".bin" / PACKAGE

    def cleanup(self) -> None:
        """Remove the temporary folder."""
        shutil.rmtree(self.folder, ignore_errors=True)


def install_peer() -> PeerInstall:
    """`npm install oauth2-mock-server` into a fresh temporary folder."""
    folder = Path(tempfile.mkdtemp(prefix="bench-peer-"))
    npm = shutil.which("npm") or "npm"
    done = subprocess.run(
        [npm, "install", "--no-audit", "--no-fund", "--loglevel=error", PACKAGE],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if done.returncode != 0:
        shutil.rmtree(folder, ignore_errors=True)
        raise RuntimeError(f"npm install {PACKAGE} failed: {done.stderr.strip()[:400]}")
    manifest = folder / "node_modules" / PACKAGE / "package.json"
    version = "unknown"
    if manifest.exists():
        version = json.loads(manifest.read_text(encoding="utf-8")).get("version", version)
    return PeerInstall(folder, version)


@dataclass
class PeerProcess:
    """A running oauth2-mock-server on loopback."""

    process: subprocess.Popen
    origin: str

    def stop(self) -> None:
        """Stop the peer and reap it."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


def start_peer(install: PeerInstall, poll_interval: float = 0.05) -> tuple[PeerProcess, float]:
    """Start the peer on a free port; return it and the seconds until it answered 200."""
    port = free_port()
    node = shutil.which("node") or "node"
    started = time.perf_counter()
    process = subprocess.Popen(
        [node, str(install.entry), "-a", "127.0.0.1", "-p", str(port)],
        cwd=install.folder,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    origin = f"http://127.0.0.1:{port}"
    peer = PeerProcess(process, origin)
    try:
        wait_for_health(f"{origin}{READY_PATH}", 30.0, process, poll_interval)
    except Exception:
        peer.stop()
        raise
    return peer, time.perf_counter() - started
