"""No loss: SIGKILL the quote API mid-load; after a restart every 201'd quote is there."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from decimal import Decimal

import pytest
import requests

from tests.reliability.portal_client import ALICE, BOB
from tests.reliability.services import Pair, bearer, make_pair
from tests.reliability.traffic import Traffic, product_ids, run_traffic

pytestmark = pytest.mark.reliability

CENT = Decimal("0.01")


@pytest.fixture
def crash_pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    """A pair of its own: this test kills the API."""
    services = make_pair(tmp_path_factory.mktemp("crash"))
    with services.running():
        yield services


def amount(value: float | int | str) -> Decimal:
    """A money amount as the API prints it, to the cent."""
    return Decimal(str(value)).quantize(CENT)


def assert_complete(quote: dict) -> None:
    """Every figure of a stored quote is there and they add up."""
    for name in ("number", "product", "quantity", "unit_price", "subtotal", "total", "currency"):
        assert quote.get(name) not in (None, ""), f"{quote.get('number')} lacks {name}"
    assert amount(quote["unit_price"]) * quote["quantity"] == amount(quote["subtotal"])
    discounts = amount(quote["volume_discount"]) + amount(quote["account_discount"])
    assert amount(quote["subtotal"]) - discounts == amount(quote["total"])


def test_sigkill_mid_load_loses_no_acknowledged_quote_and_leaves_none_half_written(
    crash_pair: Pair,
) -> None:
    tokens = [crash_pair.token_for(ALICE), crash_pair.token_for(BOB)]
    origin = crash_pair.api.origin
    products = product_ids(origin, tokens[0])
    stop = threading.Event()
    traffic = Traffic()
    runner = threading.Thread(
        target=run_traffic,
        args=(origin, tokens, products),
        kwargs={"clients": 16, "seconds": 8, "stop": stop, "traffic": traffic},
    )
    runner.start()
    # Kill once quotes are being written steadily, so some are in flight when it dies.
    deadline = time.monotonic() + 5
    while len(traffic.created) < 40 and time.monotonic() < deadline:
        stop.wait(0.02)
    crash_pair.api.kill()
    stop.set()
    runner.join(30)
    assert len(traffic.created) >= 40, "quotes were not being created before the kill"

    crash_pair.api.start()

    with sqlite3.connect(crash_pair.db_path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    listed = [
        {
            quote["number"]: quote
            for quote in requests.get(
                f"{origin}/api/quotes", headers=bearer(token), timeout=10
            ).json()["quotes"]
        }
        for token in tokens
    ]
    for owner, created in traffic.created:
        stored = listed[owner].get(created["number"])
        assert stored is not None, f"{created['number']} got a 201 but is gone after the crash"
        for name in ("product_id", "quantity", "total", "currency"):
            assert stored[name] == created[name]
    for quotes in listed:
        for quote in quotes.values():
            assert_complete(quote)
