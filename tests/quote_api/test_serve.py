"""The real `quote-api serve` process under waitress, against a stand-in portal."""

from __future__ import annotations

import os
import re
import selectors
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from quote_api.storage import Store
from tests.quote_api.conftest import BOB, Minter, StandInPortal

LISTENING = re.compile(r"Quote API listening on (http://127\.0\.0\.1:(\d+))")


def _stop(process: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    if process.poll() is None:
        process.send_signal(sig)
    process.wait(timeout=10)
    if process.stdout is not None:
        process.stdout.close()


def _start(portal: StandInPortal, db: Path) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "quote_api", "serve", "--port", "0",
         "--portal-url", portal.url, "--db", str(db)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip
    assert process.stdout is not None
    deadline = time.monotonic() + 20
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        while time.monotonic() < deadline:
            if selector.select(timeout=deadline - time.monotonic()):
                line = process.stdout.readline()
                match = LISTENING.search(line)
                if match:
                    return process, match.group(1)
                if not line:
                    break
    _stop(process, signal.SIGKILL)
    raise AssertionError("quote-api serve did not report that it was listening")


@pytest.fixture
def served(
    stand_in_portal: StandInPortal, tmp_path: Path
) -> Iterator[tuple[subprocess.Popen, str, Path]]:
    """A running `quote-api serve` and its database file."""
    db = tmp_path / "data" / "quotes.db"
    process, origin = _start(stand_in_portal, db)
    yield process, origin, db
    _stop(process)


def test_the_real_process_serves_and_refuses(
    served: tuple[subprocess.Popen, str, Path], stand_in_portal: StandInPortal, minter: Minter
) -> None:
    _, origin, _ = served
    assert requests.get(f"{origin}/healthz", timeout=5).json() == {"status": "ok"}
    refused = requests.get(f"{origin}/api/quotes", timeout=5)
    assert refused.status_code == 401
    assert refused.headers["WWW-Authenticate"] == 'Bearer realm="quote-api"'
    token = minter.token(BOB, iss=f"127.0.0.1:{stand_in_portal.port}")
    quotes = requests.get(
        f"{origin}/api/quotes", headers={"Authorization": f"Bearer {token}"}, timeout=5
    )
    assert quotes.status_code == 200
    assert len(quotes.json()["quotes"]) >= 2


def test_a_huge_authorization_header_never_gets_a_500(
    served: tuple[subprocess.Popen, str, Path],
) -> None:
    _, origin, _ = served
    for size in (9_000, 200_000):
        response = requests.get(
            f"{origin}/api/quotes", headers={"Authorization": "Bearer " + "A" * size}, timeout=5
        )
        assert response.status_code in {401, 431}
        if response.status_code == 401:
            assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_an_acknowledged_quote_survives_kill_9(
    served: tuple[subprocess.Popen, str, Path], stand_in_portal: StandInPortal, minter: Minter
) -> None:
    process, origin, db = served
    token = minter.token(BOB, iss=f"127.0.0.1:{stand_in_portal.port}")
    created = requests.post(
        f"{origin}/api/quotes",
        json={"product_id": "ONBOARD-DAY", "quantity": 7},
        headers={"Authorization": f"Bearer {token}"},
        timeout=5,
    )
    assert created.status_code == 201
    _stop(process, signal.SIGKILL)
    assert process.returncode == -signal.SIGKILL
    store = Store(db)
    numbers = {quote["number"] for quote in store.list_quotes(BOB)}
    store.close()
    assert created.json()["number"] in numbers

    restarted, origin = _start(stand_in_portal, db)
    try:
        again = requests.get(
            f"{origin}{created.headers['Location']}",
            headers={"Authorization": f"Bearer {token}"},
            timeout=5,
        )
        assert again.status_code == 200
        assert again.json() == created.json()
    finally:
        _stop(restarted)


def test_data_prepared_with_the_store_is_served(
    stand_in_portal: StandInPortal, minter: Minter, tmp_path: Path
) -> None:
    db = tmp_path / "prepared.db"
    store = Store(db)
    store.add_product("GADGET", "Gadget", "9.99", "EUR")
    prepared = store.create_quote(BOB, "GADGET", 3)
    store.close()
    process, origin = _start(stand_in_portal, db)
    try:
        token = minter.token(BOB, iss=f"127.0.0.1:{stand_in_portal.port}")
        response = requests.get(
            f"{origin}/api/quotes/{prepared['number']}",
            headers={"Authorization": f"Bearer {token}"},
            timeout=5,
        )
        assert response.json()["product"] == "Gadget"
    finally:
        _stop(process)


def test_a_bad_portal_url_is_refused_at_start(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "quote_api", "serve", "--portal-url", "localhost:8000",
         "--db", str(tmp_path / "q.db")],
        capture_output=True,
        text=True,
        timeout=30,
    )  # fmt: skip
    assert result.returncode == 2
    assert "portal URL" in result.stderr


def test_concurrent_quotes_through_waitress_get_unique_numbers(
    served: tuple[subprocess.Popen, str, Path], stand_in_portal: StandInPortal, minter: Minter
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    _, origin, db = served
    token = minter.token(BOB, iss=f"127.0.0.1:{stand_in_portal.port}")

    def create(_: int) -> tuple[int, str]:
        response = requests.post(
            f"{origin}/api/quotes",
            json={"product_id": "CPQ-BASIC", "quantity": 1},
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )
        return response.status_code, response.json()["number"]

    with ThreadPoolExecutor(max_workers=12) as pool:
        results = list(pool.map(create, range(60)))
    assert {status for status, _ in results} == {201}
    numbers = [number for _, number in results]
    assert len(set(numbers)) == 60
    store = Store(db)
    stored = {quote["number"] for quote in store.list_quotes(BOB)}
    store.close()
    assert set(numbers) <= stored
