"""What the browser tests share: the running services, the demo data and the sign-in form."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from playwright.sync_api import Page, expect

from quote_api.storage import Store
from tests.live_servers import Service, lay_out_pair

REPO = Path(__file__).resolve().parents[2]
PASSWORD = "Pass@word1"
ALICE_ID = "5d9c2f1a-7e3b-4a6c-9d8e-0f1a2b3c4d01"
BOB_ID = "5d9c2f1a-7e3b-4a6c-9d8e-0f1a2b3c4d02"

MARKUP_NAME = "<img src=x onerror=alert(1)>"
MARKUP_PRODUCT = "MARKUP-PROBE"
MALLORY = {
    "id": "5d9c2f1a-7e3b-4a6c-9d8e-0f1a2b3c4d99",
    "email": "mallory@contoso.com",
    "password": PASSWORD,
    "given_name": "Mallory",
    "family_name": "Markup",
}


@dataclass
class Harness:
    """The running services of a test session and how to reach them."""

    portal: Service
    api: Service
    admin_key: str
    db_path: Path

    @property
    def portal_url(self) -> str:
        """The portal's public origin, e.g. http://localhost:54321."""
        return self.portal.origin

    @property
    def api_url(self) -> str:
        """The quote API's origin, e.g. http://127.0.0.1:54322."""
        return self.api.origin

    def admin(self, method: str, path: str, json: Any = None) -> requests.Response:
        """Call the portal admin API with this session's admin key."""
        return requests.request(
            method,
            f"{self.portal_url}/_admin/api{path}",
            json=json,
            headers={"X-Admin-Key": self.admin_key},
            timeout=10,
        )

    def quotes_of(self, contact_id: str) -> list[dict[str, Any]]:
        """The contact's quotes, read straight from the API's database."""
        store = Store(self.db_path)
        try:
            return store.list_quotes(contact_id)
        finally:
            store.close()


def start_pair(
    root: Path,
    prepare_db: bool = False,
    api_client_id: str = "quote-demo-client",
    api_portal_url: str | None = None,
    inspector: bool = False,
) -> Harness:
    """Start a portal and a quote API that trust each other; stop the portal if the API fails."""
    pair = lay_out_pair(
        root,
        flags=["--inspector"] if inspector else [],
        api_client_id=api_client_id,
        api_portal_url=api_portal_url,
    )
    if prepare_db:
        store = Store(pair.db_path)
        try:
            store.add_product(MARKUP_PRODUCT, MARKUP_NAME, "10.00", "USD")
            store.create_quote(MALLORY["id"], MARKUP_PRODUCT, 1)
        finally:
            store.close()

    # The portal first: the quote API reads the portal's public key when it starts.
    pair.portal.start()
    try:
        pair.api.start()
    except Exception:
        pair.portal.stop()
        raise
    return Harness(pair.portal, pair.api, pair.admin_key, pair.db_path)


class SignIn:
    """Signs a contact in through the portal's own sign-in form."""

    def __init__(self, page: Page, base_url: str) -> None:
        self.page = page
        self.base_url = base_url

    def fill_form(self, email: str, password: str = PASSWORD) -> None:
        """Fill and send the sign-in form the page is showing."""
        self.page.get_by_label("Email").fill(email)
        self.page.get_by_label("Password").fill(password)
        self.page.get_by_role("button", name="Sign in").click()

    def __call__(self, email: str, password: str = PASSWORD) -> None:
        """Open the sign-in page, sign in, and wait until the portal has let the user in."""
        self.page.goto(f"{self.base_url}/SignIn?returnUrl=/quote/")
        self.fill_form(email, password)
        expect(self.page).to_have_url(f"{self.base_url}/quote/")
