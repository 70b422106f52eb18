"""A customer's branding in a real browser: the colours and logo load under the pages' policy."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.support import REPO
from tests.live_servers import Service, free_port, portal_service

pytestmark = pytest.mark.e2e

EXAMPLE = REPO / "portal_sim" / "scenarios" / "fabrikam-branding.json"


@pytest.fixture(scope="module")
def branded_portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """A portal started with the Fabrikam branding example (no API needed for its look)."""
    folder: Path = tmp_path_factory.mktemp("branded")
    port = free_port()
    portal = portal_service(
        folder / "portal",
        port,
        f"http://127.0.0.1:{free_port()}",
        secrets.token_hex(24),
        ["--settings", str(EXAMPLE)],
    )
    portal.start()
    try:
        yield portal
    finally:
        portal.stop()


def test_the_customers_colours_and_logo_show_under_the_pages_policy(
    page: Page, branded_portal: Service
) -> None:
    blocked: list[str] = []
    page.on(
        "console",
        lambda message: blocked.append(message.text) if message.type == "error" else None,
    )
    page.goto(f"{branded_portal.origin}/quote/")

    header = page.locator(".site-header")
    expect(header).to_have_css("background-color", "rgb(92, 22, 69)")
    expect(header.get_by_role("link", name="Fabrikam")).to_have_css("color", "rgb(255, 255, 255)")
    expect(page.get_by_role("button", name="Give me a Quote!")).to_have_css(
        "background-color", "rgb(122, 31, 92)"
    )
    logo = header.locator("img.brand-logo")
    expect(logo).to_have_attribute("src", "/static/img/fabrikam-logo.svg")
    # Loaded, not just present: the policy's img-src would leave it broken otherwise.
    page.wait_for_function(
        "() => { const i = document.querySelector('img.brand-logo');"
        " return i.complete && i.naturalWidth > 0; }"
    )
    assert blocked == []
