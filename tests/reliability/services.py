"""A portal and a quote API that trust each other, on free loopback ports: tests and bench."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import requests

from tests.live_servers import Service, lay_out_pair
from tests.reliability.portal_client import fetch_token, sign_in

# The line quote_api.keys logs for every fetch of the portal's public key.
T = TypeVar("T")

KEY_FETCH_LINE = re.compile(r"quote_api\.keys public key fetch \d+ (succeeded|failed)")


def bearer(token: str) -> dict[str, str]:
    """The Authorization header for `token`."""
    return {"Authorization": f"Bearer {token}"}


class Token(str):
    """A token that shows only its first characters in a repr (pytest prints fixture values)."""

    def __repr__(self) -> str:
        return f"<token {self[:10]}...>"


@dataclass
class Pair:
    """A portal and a quote API that trust each other, with their data under `root`."""

    portal: Service
    api: Service
    admin_key: str = field(repr=False)
    root: Path = field(default_factory=Path)

    def admin(self, method: str, path: str, **kwargs: object) -> requests.Response:
        """Call the portal's admin API."""
        return requests.request(
            method,
            f"{self.portal.origin}/_admin/api{path}",
            headers={"X-Admin-Key": self.admin_key},
            timeout=10,
            **kwargs,
        )

    def token_for(self, contact: tuple[str, str]) -> str:
        """Sign `contact` in on the portal and return one fresh token."""
        return Token(fetch_token(sign_in(self.portal.origin, *contact), self.portal.origin))

    def key_fetches(self) -> int:
        """How often the quote API has fetched the portal's key so far, from its log."""
        return len(KEY_FETCH_LINE.findall(self.api.log()))

    def stop(self) -> None:
        """Stop both processes."""
        self.api.stop()
        self.portal.stop()

    @contextmanager
    def running(self) -> Iterator[Pair]:
        """Start the portal, then the API; stop both on the way out, also if a start fails."""
        try:
            self.portal.start()
            self.api.start()
            yield self
        finally:
            self.stop()

    @property
    def db_path(self) -> Path:
        """The quote API's SQLite file."""
        return self.root / "quote-api" / "quotes.db"


def make_pair(root: Path, api_env: dict[str, str] | None = None) -> Pair:
    """Lay out a pair on free ports (nothing started yet)."""
    layout = lay_out_pair(root, api_env=api_env)
    return Pair(layout.portal, layout.api, layout.admin_key, Path(root))


def in_fresh_thread(work: Callable[[], T]) -> T:
    """Run `work` in a new thread and hand back its result or its exception.

    After the browser tests, this process has run Playwright's greenlets in the main thread, and
    Python 3.11's `ast` module (which schemathesis and hypothesis use) can then fail there with
    "AST constructor recursion depth mismatch"; a new thread starts with a clean state.
    """
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = work()
        except BaseException as exc:  # handed to the caller, re-raised there
            outcome["error"] = exc

    worker = threading.Thread(target=run)
    worker.start()
    worker.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]
