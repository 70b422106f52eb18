"""Portal down: the API answers 503 with Retry-After quickly, and recovers on its own."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import requests

from tests.reliability.portal_client import ALICE
from tests.reliability.services import Pair, bearer, make_pair

pytestmark = pytest.mark.reliability


@pytest.fixture
def outage_pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    """A pair whose portal the test stops and starts; the API is not started yet."""
    services = make_pair(tmp_path_factory.mktemp("outage"))
    try:
        yield services
    finally:
        services.stop()


def test_api_started_without_portal_answers_503_then_recovers_when_portal_comes_up(
    outage_pair: Pair,
) -> None:
    # A real token first; the portal keeps its certificate in its data folder across restarts.
    outage_pair.portal.start()
    token = outage_pair.token_for(ALICE)
    outage_pair.portal.stop()

    outage_pair.api.start()
    api_pid = outage_pair.api.process.pid
    url = f"{outage_pair.api.origin}/api/quotes"

    for _ in range(3):
        started = time.monotonic()
        answer = requests.get(url, headers=bearer(token), timeout=10)
        assert time.monotonic() - started < 5.0
        assert answer.status_code == 503
        assert int(answer.headers["Retry-After"]) > 0
        assert token[10:] not in answer.text

    outage_pair.portal.start()

    # The API backs off briefly after a failed fetch; it must recover well within Retry-After.
    deadline = time.monotonic() + 5.0
    statuses = []
    while time.monotonic() < deadline:
        answer = requests.get(url, headers=bearer(token), timeout=10)
        statuses.append(answer.status_code)
        if answer.status_code == 200:
            break
        assert answer.status_code == 503
        time.sleep(0.1)
    assert statuses[-1] == 200, statuses
    assert outage_pair.api.process.pid == api_pid
    assert requests.get(url, headers=bearer(token), timeout=10).status_code == 200


def test_portal_going_away_later_does_not_break_tokens_the_cached_key_verifies(
    outage_pair: Pair,
) -> None:
    outage_pair.portal.start()
    outage_pair.api.start()
    token = outage_pair.token_for(ALICE)
    url = f"{outage_pair.api.origin}/api/quotes"
    assert requests.get(url, headers=bearer(token), timeout=10).status_code == 200

    outage_pair.portal.stop()

    assert requests.get(url, headers=bearer(token), timeout=10).status_code == 200
