"""The quote API's SQLite database: catalogue, pricing rules and quotes.

One connection per thread (waitress serves requests on a pool of threads; a sqlite3 connection
belongs to the thread that made it). The journal is WAL with `synchronous=FULL`: a commit returns
only after its WAL frame is fsynced, so a quote whose 201 has been sent survives SIGKILL of the
process and also a power cut. (NORMAL with WAL would survive SIGKILL too, since the frame is in
the OS page cache before commit returns, but could lose the last commits to a power cut; a quote
system should not trade acknowledged orders for a few hundred microseconds.)
"""

from __future__ import annotations

import re
import sqlite3
import threading
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

from quote_api.pricing import PricedQuote, VolumeTier, cents_to_amount, price_quote

QUOTE_VALIDITY_DAYS = 30
QUOTE_NUMBER_OFFSET = 1000
_QUOTE_NUMBER = re.compile(r"Q-(\d{4,12})")

ALICE = "5d9c2f1a-7e3b-4a6c-9d8e-0f1a2b3c4d01"
BOB = "5d9c2f1a-7e3b-4a6c-9d8e-0f1a2b3c4d02"
PAT = "5d9c2f1a-7e3b-4a6c-9d8e-0f1a2b3c4d03"

SEED_PRODUCTS = [
    ("CPQ-BASIC", "CPQ Basic licence (per user, yearly)", Decimal("240.00"), "USD"),
    ("CPQ-PRO", "CPQ Professional licence (per user, yearly)", Decimal("660.00"), "USD"),
    ("CPQ-ENT", "CPQ Enterprise licence (per user, yearly)", Decimal("1200.00"), "USD"),
    ("ONBOARD-DAY", "Onboarding workshop (per day)", Decimal("1450.00"), "USD"),
    ("SUPPORT-PREM", "Premium support (per user, yearly)", Decimal("96.50"), "USD"),
    ("API-CALLS-1M", "API call bundle (one million calls)", Decimal("399.99"), "USD"),
    ("TRAINING-SEAT", "Instructor-led training (per seat)", Decimal("325.00"), "USD"),
]
SEED_TIERS = [(10, Decimal("5")), (50, Decimal("10")), (250, Decimal("15")), (1000, Decimal("20"))]
SEED_ACCOUNTS = [
    (ALICE, "Contoso", Decimal("7.5")),
    (BOB, "Fabrikam", Decimal("3")),
    (PAT, "Contoso", Decimal("7.5")),
]
# (contact, product, quantity, days before seeding, status): dated relative to the first start,
# so a fresh demo never shows quotes whose validity ran out long ago.
SEED_QUOTES = [
    (ALICE, "CPQ-PRO", 25, 21, "Sent"),
    (ALICE, "ONBOARD-DAY", 3, 9, "Draft"),
    (ALICE, "SUPPORT-PREM", 60, 2, "Draft"),
    (BOB, "CPQ-BASIC", 120, 27, "Accepted"),
    (BOB, "API-CALLS-1M", 4, 5, "Draft"),
    (PAT, "CPQ-ENT", 1000, 1, "Draft"),
]

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS products (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    unit_price_cents INTEGER NOT NULL CHECK (unit_price_cents >= 0),
    currency TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS volume_tiers (
    min_quantity INTEGER PRIMARY KEY CHECK (min_quantity >= 1),
    percent TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS account_discounts (
    contact_id TEXT PRIMARY KEY,
    account_name TEXT NOT NULL,
    percent TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS quotes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    contact_id TEXT NOT NULL,
    product_id TEXT NOT NULL REFERENCES products(id),
    quantity INTEGER NOT NULL,
    unit_price_cents INTEGER NOT NULL,
    currency TEXT NOT NULL,
    subtotal_cents INTEGER NOT NULL,
    volume_discount_percent TEXT NOT NULL,
    volume_discount_cents INTEGER NOT NULL,
    account_discount_percent TEXT NOT NULL,
    account_discount_cents INTEGER NOT NULL,
    total_cents INTEGER NOT NULL,
    status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    valid_until TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS quotes_by_contact ON quotes (contact_id, id);
"""


class UnknownProduct(LookupError):
    """The product id is not in the catalogue."""


def _to_cents(amount: Decimal | float | int | str) -> int:
    cents = Decimal(str(amount)) * 100
    if cents != cents.to_integral_value() or cents < 0:
        raise ValueError("price must be a non-negative amount with at most two decimals")
    return int(cents)


def quote_number(row_id: int) -> str:
    """The customer-facing number of the quote stored under `row_id` (1 -> Q-1001)."""
    return f"Q-{QUOTE_NUMBER_OFFSET + row_id}"


def quote_row_id(number: str) -> int | None:
    """The row id behind a quote number, or None when it is not one of ours."""
    match = _QUOTE_NUMBER.fullmatch(number)
    if not match:
        return None
    row_id = int(match.group(1)) - QUOTE_NUMBER_OFFSET
    return row_id if row_id >= 1 else None


class Store:
    """The quote database at `path`, created and seeded on first use."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._ensure_schema()

    def connection(self) -> sqlite3.Connection:
        """This thread's connection, opened on first use."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            # Autocommit mode; writes take BEGIN IMMEDIATE so concurrent writers queue, not fail.
            conn = sqlite3.connect(self.path, timeout=10.0, isolation_level=None)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA busy_timeout=10000")
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("PRAGMA foreign_keys=ON")
            self._local.conn = conn
        return conn

    def close(self) -> None:
        """Close this thread's connection, if it has one."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    def _write(self) -> _Transaction:
        return _Transaction(self.connection())

    def _ensure_schema(self) -> None:
        conn = self.connection()
        with self._write():
            for statement in SCHEMA.split(";"):
                if statement.strip():
                    conn.execute(statement)
            seeded = conn.execute("SELECT value FROM meta WHERE key = 'seeded'").fetchone()
            if seeded is None:
                self._seed(conn)
                conn.execute("INSERT INTO meta (key, value) VALUES ('seeded', '1')")

    def _seed(self, conn: sqlite3.Connection) -> None:
        for product_id, name, price, currency in SEED_PRODUCTS:
            conn.execute(
                "INSERT OR IGNORE INTO products (id, name, unit_price_cents, currency)"
                " VALUES (?, ?, ?, ?)",
                (product_id, name, _to_cents(price), currency),
            )
        for min_quantity, percent in SEED_TIERS:
            conn.execute(
                "INSERT OR IGNORE INTO volume_tiers (min_quantity, percent) VALUES (?, ?)",
                (min_quantity, str(percent)),
            )
        for contact_id, account, percent in SEED_ACCOUNTS:
            conn.execute(
                "INSERT OR IGNORE INTO account_discounts (contact_id, account_name, percent)"
                " VALUES (?, ?, ?)",
                (contact_id, account, str(percent)),
            )
        seeded_at = datetime.now(timezone.utc).replace(hour=9, minute=30, second=0, microsecond=0)
        for contact_id, product_id, quantity, days_before, status in SEED_QUOTES:
            created_at = seeded_at - timedelta(days=days_before)
            self._insert_quote(conn, contact_id, product_id, quantity, created_at, status)

    # Catalogue and rules

    def add_product(
        self, product_id: str, name: str, unit_price: Decimal | float | int | str, currency: str
    ) -> dict[str, Any]:
        """Add (or replace) a catalogue product; `unit_price` in currency units, e.g. "12.50"."""
        with self._write() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO products (id, name, unit_price_cents, currency)"
                " VALUES (?, ?, ?, ?)",
                (product_id, name, _to_cents(unit_price), currency),
            )
        product = self.get_product(product_id)
        assert product is not None
        return product

    def list_products(self) -> list[dict[str, Any]]:
        """The catalogue, ordered by id."""
        rows = self.connection().execute("SELECT * FROM products ORDER BY id").fetchall()
        return [_product_dict(row) for row in rows]

    def get_product(self, product_id: str) -> dict[str, Any] | None:
        """One product, or None."""
        row = (
            self.connection()
            .execute("SELECT * FROM products WHERE id = ?", (product_id,))
            .fetchone()
        )
        return _product_dict(row) if row else None

    def volume_tiers(self, conn: sqlite3.Connection | None = None) -> list[VolumeTier]:
        """The volume discount tiers, lowest first."""
        rows = (conn or self.connection()).execute(
            "SELECT min_quantity, percent FROM volume_tiers ORDER BY min_quantity"
        )
        return [VolumeTier(row["min_quantity"], Decimal(row["percent"])) for row in rows]

    def account_discount(self, contact_id: str, conn: sqlite3.Connection | None = None) -> Decimal:
        """The contact's account discount percent (0 without an account agreement)."""
        row = (
            (conn or self.connection())
            .execute("SELECT percent FROM account_discounts WHERE contact_id = ?", (contact_id,))
            .fetchone()
        )
        return Decimal(row["percent"]) if row else Decimal(0)

    # Quotes

    def create_quote(self, contact_id: str, product_id: str, quantity: int) -> dict[str, Any]:
        """Price and store a Draft quote; committed (and fsynced) before this returns."""
        with self._write() as conn:
            row_id = self._insert_quote(
                conn, contact_id, product_id, quantity, datetime.now(timezone.utc), "Draft"
            )
        quote = self._get_by_row_id(row_id)
        assert quote is not None
        return quote

    def _insert_quote(
        self,
        conn: sqlite3.Connection,
        contact_id: str,
        product_id: str,
        quantity: int,
        created_at: datetime,
        status: str,
    ) -> int:
        product = conn.execute(
            "SELECT unit_price_cents, currency FROM products WHERE id = ?", (product_id,)
        ).fetchone()
        if product is None:
            raise UnknownProduct(product_id)
        priced: PricedQuote = price_quote(
            product["unit_price_cents"],
            quantity,
            self.volume_tiers(conn),
            self.account_discount(contact_id, conn),
        )
        valid_until: date = created_at.date() + timedelta(days=QUOTE_VALIDITY_DAYS)
        cursor = conn.execute(
            "INSERT INTO quotes (contact_id, product_id, quantity, unit_price_cents, currency,"
            " subtotal_cents, volume_discount_percent, volume_discount_cents,"
            " account_discount_percent, account_discount_cents, total_cents, status,"
            " created_at, valid_until) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                contact_id,
                product_id,
                quantity,
                priced.unit_price_cents,
                product["currency"],
                priced.subtotal_cents,
                str(priced.volume_discount_percent),
                priced.volume_discount_cents,
                str(priced.account_discount_percent),
                priced.account_discount_cents,
                priced.total_cents,
                status,
                created_at.isoformat(timespec="seconds"),
                valid_until.isoformat(),
            ),
        )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    def list_quotes(self, contact_id: str) -> list[dict[str, Any]]:
        """The contact's quotes, oldest first."""
        rows = self.connection().execute(
            _QUOTE_SELECT + " WHERE q.contact_id = ? ORDER BY q.id", (contact_id,)
        )
        return [_quote_dict(row) for row in rows]

    def get_quote(self, contact_id: str, number: str) -> dict[str, Any] | None:
        """One of the contact's quotes by number; None for an unknown or another contact's one."""
        row_id = quote_row_id(number)
        if row_id is None:
            return None
        row = (
            self.connection()
            .execute(_QUOTE_SELECT + " WHERE q.id = ? AND q.contact_id = ?", (row_id, contact_id))
            .fetchone()
        )
        return _quote_dict(row) if row else None

    def _get_by_row_id(self, row_id: int) -> dict[str, Any] | None:
        row = self.connection().execute(_QUOTE_SELECT + " WHERE q.id = ?", (row_id,)).fetchone()
        return _quote_dict(row) if row else None


_QUOTE_SELECT = (
    "SELECT q.*, p.name AS product_name FROM quotes q JOIN products p ON p.id = q.product_id"
)


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT, rolled back on any exception."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def __enter__(self) -> sqlite3.Connection:
        self.conn.execute("BEGIN IMMEDIATE")
        return self.conn

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is None:
            self.conn.execute("COMMIT")
        else:
            self.conn.execute("ROLLBACK")


def _product_dict(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "name": row["name"],
        "unit_price": cents_to_amount(row["unit_price_cents"]),
        "currency": row["currency"],
    }


def _quote_dict(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "number": quote_number(row["id"]),
        "product_id": row["product_id"],
        "product": row["product_name"],
        "quantity": row["quantity"],
        "unit_price": cents_to_amount(row["unit_price_cents"]),
        "subtotal": cents_to_amount(row["subtotal_cents"]),
        "volume_discount_percent": float(row["volume_discount_percent"]),
        "volume_discount": cents_to_amount(row["volume_discount_cents"]),
        "account_discount_percent": float(row["account_discount_percent"]),
        "account_discount": cents_to_amount(row["account_discount_cents"]),
        "total": cents_to_amount(row["total_cents"]),
        "currency": row["currency"],
        "status": row["status"],
        "created_at": row["created_at"],
        "valid_until": row["valid_until"],
    }
