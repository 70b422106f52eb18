"""Browser-test fixtures: the real portal and quote API processes, and a browser to drive them.

Both services start once per session on free ports, each with its own data folder, and stop at
the end. The quote API's database is prepared before it starts, with a quote whose product name
is markup, for the test that proves the page shows it as text.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page

from portal_sim.browser import launch_options
from tests.e2e.support import MALLORY, Harness, SignIn, start_pair


@pytest.fixture(scope="session")
def harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harness]:
    """Both services for the whole session, with the markup contact and quote in place."""
    pair = start_pair(tmp_path_factory.mktemp("services"), prepare_db=True)
    try:
        added = pair.admin("POST", "/contacts", json=MALLORY)
        assert added.status_code == 201, added.text
        yield pair
    finally:
        pair.api.stop()
        pair.portal.stop()


@pytest.fixture(scope="session")
def inspecting_harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harness]:
    """A second pair, both started with --inspector, for the flow inspector's tests."""
    pair = start_pair(tmp_path_factory.mktemp("inspecting"), inspector=True)
    try:
        yield pair
    finally:
        pair.api.stop()
        pair.portal.stop()


@pytest.fixture(scope="session")
def base_url(harness: Harness) -> str:
    """Relative URLs in page.goto() go to the portal."""
    return harness.portal_url


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Launch the browser make setup chose: Playwright's own, or a system Chromium."""
    return launch_options(**browser_type_launch_args)


@pytest.fixture
def sign_in(page: Page, base_url: str) -> SignIn:
    """Sign a demo contact in: ``sign_in("alice@contoso.com")``."""
    return SignIn(page, base_url)
