"""Reliability fixtures: the real portal and quote API processes, signed-in contacts, tokens.

Every test here drives the real `portal-sim serve` and `quote-api serve` processes over loopback.
Tests share one pair of services; tests that kill, stop or reconfigure a service start their own.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.reliability.portal_client import ALICE, BOB
from tests.reliability.services import Pair, make_pair


@pytest.fixture(scope="session")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    """Both services, started once and shared by the tests that do not stop them."""
    services = make_pair(tmp_path_factory.mktemp("shared-pair"))
    with services.running():
        yield services


@pytest.fixture(scope="session")
def alice_token(pair: Pair) -> str:
    """A valid token for Alice."""
    return pair.token_for(ALICE)


@pytest.fixture(scope="session")
def bob_token(pair: Pair) -> str:
    """A valid token for Bob."""
    return pair.token_for(BOB)
