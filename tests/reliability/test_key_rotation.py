"""Key rotation: a certificate switch is picked up with one refetch, at a bounded rate."""

from __future__ import annotations

import math
import threading
import time
from collections import Counter
from collections.abc import Iterator

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.reliability.portal_client import ALICE
from tests.reliability.services import Pair, bearer, make_pair

pytestmark = pytest.mark.reliability

# Short enough for a test of a few seconds; the shipped default is longer.
REFETCH_INTERVAL = 2.0


@pytest.fixture
def rotation_pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    """A pair whose API may refetch the portal's key every REFETCH_INTERVAL seconds."""
    services = make_pair(
        tmp_path_factory.mktemp("rotation"),
        api_env={"QUOTE_API_KEY_REFETCH_INTERVAL": str(REFETCH_INTERVAL)},
    )
    with services.running():
        yield services


def forged_like(token: str) -> str:
    """The same header and claims as `token`, signed with a key the portal never had."""
    header = jwt.get_unverified_header(token)
    claims = jwt.decode(token, options={"verify_signature": False})
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return jwt.encode(claims, stranger, algorithm="RS256", headers=header)


def public_key(pair: Pair) -> str:
    """What the portal's /publickey serves now."""
    return requests.get(f"{pair.portal.origin}/_services/auth/publickey", timeout=10).text


def status_of(pair: Pair, token: str) -> int:
    """The API's status for GET /api/quotes with `token`."""
    return requests.get(
        f"{pair.api.origin}/api/quotes", headers=bearer(token), timeout=10
    ).status_code


def test_switching_the_certificate_takes_one_refetch_and_refuses_old_key_tokens(
    rotation_pair: Pair,
) -> None:
    old_token = rotation_pair.token_for(ALICE)
    assert status_of(rotation_pair, old_token) == 200
    assert rotation_pair.key_fetches() == 1
    old_key = public_key(rotation_pair)

    switched = rotation_pair.admin("POST", "/certificates", json={"activate": True})
    assert switched.status_code == 201, switched.text
    assert public_key(rotation_pair) != old_key
    new_token = rotation_pair.token_for(ALICE)

    # Until the refetch interval has passed since the last fetch, the API keeps its key.
    deadline = time.monotonic() + REFETCH_INTERVAL + 3
    statuses = []
    while time.monotonic() < deadline:
        statuses.append(status_of(rotation_pair, new_token))
        if statuses[-1] == 200:
            break
        time.sleep(0.1)
    assert statuses[-1] == 200, statuses
    assert set(statuses) <= {200, 401}
    assert rotation_pair.key_fetches() == 2

    answer = requests.get(
        f"{rotation_pair.api.origin}/api/quotes", headers=bearer(old_token), timeout=10
    )
    assert answer.status_code == 401
    assert 'error="invalid_token"' in answer.headers["WWW-Authenticate"]
    assert status_of(rotation_pair, new_token) == 200


def test_flood_of_bad_signatures_never_refetches_faster_than_the_limit(
    rotation_pair: Pair,
) -> None:
    token = rotation_pair.token_for(ALICE)
    assert status_of(rotation_pair, token) == 200
    forged = forged_like(token)
    before = rotation_pair.key_fetches()
    statuses: Counter = Counter()
    lock = threading.Lock()
    flood_seconds = 3.0
    started = time.monotonic()

    def flood() -> None:
        session = requests.Session()
        while time.monotonic() - started < flood_seconds:
            answer = session.get(
                f"{rotation_pair.api.origin}/api/quotes", headers=bearer(forged), timeout=10
            )
            with lock:
                statuses[answer.status_code] += 1
        session.close()

    workers = [threading.Thread(target=flood) for _ in range(8)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
    elapsed = time.monotonic() - started

    assert set(statuses) == {401}, statuses
    assert sum(statuses.values()) > 50
    refetches = rotation_pair.key_fetches() - before
    assert refetches <= math.floor(elapsed / REFETCH_INTERVAL) + 1, (refetches, elapsed)
    assert status_of(rotation_pair, token) == 200
