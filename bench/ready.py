"""Ready time: process start to the first 200 from the health route, each service and the peer."""

from __future__ import annotations

import shutil
import statistics
import tempfile
import time
from pathlib import Path

from bench.peer import PeerInstall, start_peer
from tests.live_servers import Service, free_port, portal_service, quote_api_service

# Fine enough to separate services that start in a few hundred milliseconds.
POLL_INTERVAL = 0.005


def _timed_start(service: Service) -> float:
    """Seconds from process start to the first 200, then stop it."""
    started = time.perf_counter()
    service.start(poll_interval=POLL_INTERVAL)
    elapsed = time.perf_counter() - started
    service.stop()
    return elapsed


def measure_ready(portal_origin: str, peer: PeerInstall | None, runs: int = 5) -> dict:
    """Median ready times over `runs` starts, interleaved so noise hits all alike.

    "fresh" starts on an empty data folder (keys made, database created and seeded: what a CI
    run or a new clone sees); "restart" on the folder a previous start left behind.
    """
    root = Path(tempfile.mkdtemp(prefix="bench-ready-"))
    samples: dict[str, list[float]] = {
        "portal_fresh": [],
        "portal_restart": [],
        "api_fresh": [],
        "api_restart": [],
        "peer": [],
    }
    try:
        for run in range(runs):
            portal_dir = root / f"portal-{run}"
            api_db = root / f"api-{run}" / "quotes.db"
            api_db.parent.mkdir(parents=True)
            for key, data in (("portal_fresh", portal_dir), ("portal_restart", portal_dir)):
                service = portal_service(data, free_port(), "http://127.0.0.1:1", "bench-ready")
                samples[key].append(_timed_start(service))
            for key in ("api_fresh", "api_restart"):
                service = quote_api_service(api_db, free_port(), portal_origin)
                samples[key].append(_timed_start(service))
            if peer is not None:
                process, elapsed = start_peer(peer, POLL_INTERVAL)
                process.stop()
                samples["peer"].append(elapsed)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return {
        key: {
            "median_s": round(statistics.median(values), 4),
            "samples_s": [round(value, 4) for value in values],
        }
        for key, values in samples.items()
        if values
    }
