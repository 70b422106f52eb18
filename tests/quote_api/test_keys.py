"""The portal key: fetched on first need, refetched on rotation at a bounded rate, 503 if away."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from flask.testing import FlaskClient

from quote_api.app import create_app
from quote_api.keys import PortalKeySource
from tests.quote_api.conftest import CLIENT_ID, Minter, StandInPortal, bearer, public_pem


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        """The current fake time."""
        return self.now

    def advance(self, seconds: float) -> None:
        """Move the clock forward."""
        self.now += seconds


def _client_for(portal_url: str, db: Path, source: PortalKeySource) -> FlaskClient:
    app = create_app(
        {"PORTAL_URL": portal_url, "CLIENT_ID": CLIENT_ID, "DB_PATH": str(db), "KEY_SOURCE": source}
    )
    return app.test_client()


def _issuer(portal: StandInPortal) -> str:
    return f"127.0.0.1:{portal.port}"


def test_the_key_is_fetched_once_and_cached(
    stand_in_portal: StandInPortal, minter: Minter, tmp_path: Path
) -> None:
    source = PortalKeySource(stand_in_portal.url)
    client = _client_for(stand_in_portal.url, tmp_path / "q.db", source)
    assert source.fetch_count == 0  # nothing fetched before the first token arrives
    for _ in range(5):
        token = minter.token(iss=_issuer(stand_in_portal))
        assert client.get("/api/quotes", headers=bearer(token)).status_code == 200
    assert source.fetch_count == 1
    assert stand_in_portal.requests == 1


def test_a_certificate_switch_is_picked_up_and_old_tokens_are_then_refused(
    stand_in_portal: StandInPortal,
    minter: Minter,
    other_key: rsa.RSAPrivateKey,
    tmp_path: Path,
) -> None:
    clock = FakeClock()
    source = PortalKeySource(stand_in_portal.url, clock=clock)
    client = _client_for(stand_in_portal.url, tmp_path / "q.db", source)
    issuer = _issuer(stand_in_portal)
    old_token = minter.token(iss=issuer)
    new_token = minter.token(iss=issuer, key=other_key)
    assert client.get("/api/quotes", headers=bearer(old_token)).status_code == 200

    stand_in_portal.pem = public_pem(other_key)
    clock.advance(1)
    # Within 10 s of the last fetch the key is not fetched again, so the new token must wait.
    assert client.get("/api/quotes", headers=bearer(new_token)).status_code == 401
    assert source.fetch_count == 1

    clock.advance(10)
    assert client.get("/api/quotes", headers=bearer(new_token)).status_code == 200
    assert source.fetch_count == 2
    refused = client.get("/api/quotes", headers=bearer(old_token))
    assert refused.status_code == 401
    assert 'error_description="signature check failed"' in refused.headers["WWW-Authenticate"]


def test_a_flood_of_forged_tokens_fetches_the_key_at_most_once_per_10_seconds(
    stand_in_portal: StandInPortal,
    minter: Minter,
    other_key: rsa.RSAPrivateKey,
    tmp_path: Path,
) -> None:
    clock = FakeClock()
    source = PortalKeySource(stand_in_portal.url, clock=clock)
    client = _client_for(stand_in_portal.url, tmp_path / "q.db", source)
    forged = minter.token(iss=_issuer(stand_in_portal), key=other_key)
    for _ in range(100):
        clock.advance(0.25)
        assert client.get("/api/quotes", headers=bearer(forged)).status_code == 401
    # 25 s of forgeries: the first fetch plus at most one refetch per 10 s.
    assert source.fetch_count <= 4


def test_portal_down_gives_503_with_retry_after_and_recovers_by_itself(
    stand_in_portal: StandInPortal, minter: Minter, tmp_path: Path
) -> None:
    clock = FakeClock()
    source = PortalKeySource(stand_in_portal.url, clock=clock)
    client = _client_for(stand_in_portal.url, tmp_path / "q.db", source)
    token = minter.token(iss=_issuer(stand_in_portal))
    stand_in_portal.stop()

    started = time.monotonic()
    response = client.get("/api/quotes", headers=bearer(token))
    assert time.monotonic() - started < 5
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) <= 5
    assert response.json["error"] == "temporarily_unavailable"
    assert response.json["reason"] == "portal unreachable"
    assert client.get("/healthz").status_code == 200

    stand_in_portal.start()
    clock.advance(2)
    assert client.get("/api/quotes", headers=bearer(token)).status_code == 200


def test_while_the_portal_is_down_requests_fail_fast(
    stand_in_portal: StandInPortal, minter: Minter, tmp_path: Path
) -> None:
    clock = FakeClock()
    source = PortalKeySource(stand_in_portal.url, clock=clock)
    client = _client_for(stand_in_portal.url, tmp_path / "q.db", source)
    stand_in_portal.stop()
    token = minter.token(iss=_issuer(stand_in_portal))
    for _ in range(20):
        assert client.get("/api/quotes", headers=bearer(token)).status_code == 503
    assert source.fetch_count == 1


def test_a_cached_key_keeps_serving_while_the_portal_is_down(
    stand_in_portal: StandInPortal, minter: Minter, tmp_path: Path
) -> None:
    source = PortalKeySource(stand_in_portal.url)
    client = _client_for(stand_in_portal.url, tmp_path / "q.db", source)
    token = minter.token(iss=_issuer(stand_in_portal))
    assert client.get("/api/quotes", headers=bearer(token)).status_code == 200
    stand_in_portal.stop()
    assert client.get("/api/quotes", headers=bearer(token)).status_code == 200


def test_a_portal_that_never_answers_gives_503_within_5_seconds(
    minter: Minter, tmp_path: Path
) -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)  # accepts connections into the backlog, never answers
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        source = PortalKeySource(url)
        client = _client_for(url, tmp_path / "q.db", source)
        token = minter.token(iss=f"127.0.0.1:{silent.getsockname()[1]}")
        started = time.monotonic()
        response = client.get("/api/quotes", headers=bearer(token))
        assert time.monotonic() - started < 5
    assert response.status_code == 503
    assert "Retry-After" in response.headers


@pytest.mark.parametrize(
    "served",
    [b"not a key", b"", b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"],
    ids=["text", "empty", "broken-pem"],
)
def test_a_portal_serving_no_usable_key_gives_503(
    stand_in_portal: StandInPortal, minter: Minter, tmp_path: Path, served: bytes
) -> None:
    stand_in_portal.pem = served
    client = _client_for(
        stand_in_portal.url, tmp_path / "q.db", PortalKeySource(stand_in_portal.url)
    )
    response = client.get("/api/quotes", headers=bearer(minter.token(iss=_issuer(stand_in_portal))))
    assert response.status_code == 503
    assert response.json["reason"] == "portal served no usable public key"


def test_a_short_rsa_key_from_the_portal_is_not_used(
    stand_in_portal: StandInPortal, tmp_path: Path
) -> None:
    # A weak key is the point of this test: the API must refuse to trust it.
    weak = rsa.generate_private_key(public_exponent=65537, key_size=1024)  # noqa: S505
    stand_in_portal.pem = public_pem(weak)
    client = _client_for(
        stand_in_portal.url, tmp_path / "q.db", PortalKeySource(stand_in_portal.url)
    )
    token = Minter(weak).token(iss=_issuer(stand_in_portal))
    assert client.get("/api/quotes", headers=bearer(token)).status_code == 503


def test_a_malformed_token_does_not_fetch_the_key(
    stand_in_portal: StandInPortal, tmp_path: Path
) -> None:
    source = PortalKeySource(stand_in_portal.url)
    client = _client_for(stand_in_portal.url, tmp_path / "q.db", source)
    assert client.get("/api/quotes", headers=bearer("a.b")).status_code == 401
    assert source.fetch_count == 0
