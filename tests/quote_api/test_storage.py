"""Storage: seeded once, demo contacts in step with the portal, unique numbers under concurrency."""

from __future__ import annotations

import re
import sqlite3
import threading
from pathlib import Path

import pytest

from quote_api.storage import SEED_QUOTES, Store, UnknownProduct, quote_number, quote_row_id
from tests.quote_api.conftest import ALICE, BOB, PAT

INTERFACES = Path(__file__).resolve().parents[2] / "docs" / "interfaces.md"


def test_seed_has_a_catalogue_and_quotes_for_each_demo_contact(tmp_path: Path) -> None:
    store = Store(tmp_path / "q.db")
    assert len(store.list_products()) >= 6
    for contact in (ALICE, BOB, PAT):
        assert store.list_quotes(contact), contact
    assert store.list_quotes(ALICE)[0]["number"] == "Q-1001"


def test_the_demo_contact_ids_match_the_portals(tmp_path: Path) -> None:
    documented = set(re.findall(r"`(5d9c2f1a-[0-9a-f-]{27})`", INTERFACES.read_text()))
    seeded = {contact for contact, *_ in SEED_QUOTES}
    assert seeded == documented == {ALICE, BOB, PAT}


def test_seeding_is_idempotent(tmp_path: Path) -> None:
    path = tmp_path / "q.db"
    first = Store(path)
    before = first.list_quotes(ALICE)
    first.close()
    second = Store(path)
    assert second.list_quotes(ALICE) == before
    assert len(second.list_products()) == len(first.list_products())


def test_the_database_uses_wal_and_full_sync(tmp_path: Path) -> None:
    store = Store(tmp_path / "q.db")
    conn = store.connection()
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL


def test_add_product_then_quote_it(tmp_path: Path) -> None:
    store = Store(tmp_path / "q.db")
    product = store.add_product("WIDGET", "Widget", "12.50", "EUR")
    assert product == {"id": "WIDGET", "name": "Widget", "unit_price": 12.5, "currency": "EUR"}
    quote = store.create_quote("c0ffee00-0000-4000-8000-000000000000", "WIDGET", 4)
    assert quote["total"] == 50.0 and quote["currency"] == "EUR" and quote["status"] == "Draft"
    assert store.list_quotes("c0ffee00-0000-4000-8000-000000000000") == [quote]


def test_a_price_with_fractions_of_a_cent_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        Store(tmp_path / "q.db").add_product("X", "X", "0.001", "USD")


def test_quoting_an_unknown_product_stores_nothing(tmp_path: Path) -> None:
    store = Store(tmp_path / "q.db")
    before = store.list_quotes(ALICE)
    with pytest.raises(UnknownProduct):
        store.create_quote(ALICE, "NO-SUCH", 1)
    assert store.list_quotes(ALICE) == before


def test_quote_numbers_are_unique_under_concurrent_creation(tmp_path: Path) -> None:
    path = tmp_path / "q.db"
    store = Store(path)
    numbers: list[str] = []
    lock = threading.Lock()

    def create_many() -> None:
        made = [store.create_quote(BOB, "CPQ-BASIC", 1)["number"] for _ in range(25)]
        with lock:
            numbers.extend(made)

    threads = [threading.Thread(target=create_many) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(numbers) == len(set(numbers)) == 200
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM quotes").fetchone()[0] == 200 + len(SEED_QUOTES)


def test_two_stores_on_one_file_share_the_numbering(tmp_path: Path) -> None:
    path = tmp_path / "q.db"
    a, b = Store(path), Store(path)
    first = a.create_quote(ALICE, "CPQ-PRO", 1)["number"]
    second = b.create_quote(ALICE, "CPQ-PRO", 1)["number"]
    assert quote_row_id(second) == quote_row_id(first) + 1


def test_quote_numbers_round_trip() -> None:
    assert quote_number(1) == "Q-1001"
    assert quote_row_id("Q-1001") == 1
    for not_ours in ("Q-1000", "Q-0999", "Q-12", "q-1001", "Q-1001 ", "X-1001", "Q-" + "9" * 13):
        assert quote_row_id(not_ours) is None


def test_the_database_folder_is_created(tmp_path: Path) -> None:
    Store(tmp_path / "deep" / "er" / "q.db")
    assert (tmp_path / "deep" / "er" / "q.db").exists()
