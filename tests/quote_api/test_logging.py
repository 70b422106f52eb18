"""Logs: one line per request with route, status, contact and refusal reason; never the token."""

from __future__ import annotations

import logging

import pytest
from flask.testing import FlaskClient

from tests.quote_api.conftest import ALICE, Minter, bearer


def _access_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "quote_api.access"]


def test_one_line_per_request_with_route_status_and_contact(
    client: FlaskClient, minter: Minter, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    client.get("/api/quotes", headers=bearer(minter.token(ALICE)))
    assert _access_lines(caplog) == [f"GET /api/quotes 200 contact={ALICE}"]


def test_a_refused_token_is_logged_with_its_reason_and_never_the_token(
    client: FlaskClient, minter: Minter, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    token = minter.token(iss="evil.example.com")
    client.get("/api/quotes/Q-1001", headers=bearer(token))
    assert _access_lines(caplog) == [
        "GET /api/quotes/<number> 401 contact=- refused='wrong issuer'"
    ]
    everything = caplog.text + "".join(r.getMessage() for r in caplog.records)
    assert token[:11] not in everything
    assert token.split(".")[1][:20] not in everything


def test_a_good_token_never_reaches_the_logs(
    client: FlaskClient, minter: Minter, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    token = minter.token()
    client.post("/api/quotes", json={"product_id": "CPQ-PRO", "quantity": 2}, headers=bearer(token))
    client.get("/api/whoami", headers=bearer(token))
    assert len(_access_lines(caplog)) == 2
    assert token[:11] not in caplog.text
    assert token.split(".")[2][:20] not in caplog.text


def test_an_unmatched_path_is_logged_without_echoing_it(
    client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    client.get("/secret-looking-path-eyJhbGciOi")
    assert _access_lines(caplog) == ["GET (no route) 404 contact=-"]
