"""CORS: the portal origin alone, exact match; preflight without a token; never credentials."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from tests.quote_api.conftest import Minter, bearer

PORTAL_ORIGIN = "http://localhost:8000"


def _preflight(client: FlaskClient, origin: str, path: str = "/api/quotes"):
    return client.options(
        path,
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )


def test_preflight_from_the_portal_is_answered_without_a_token(client: FlaskClient) -> None:
    response = _preflight(client, PORTAL_ORIGIN)
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == PORTAL_ORIGIN
    assert response.headers["Access-Control-Allow-Headers"] == "Authorization, Content-Type"
    assert set(response.headers["Access-Control-Allow-Methods"].split(", ")) == {"GET", "POST"}
    assert "Access-Control-Allow-Credentials" not in response.headers
    assert "Origin" in response.headers["Vary"]


def test_the_portal_can_read_why_a_call_failed(client: FlaskClient) -> None:
    response = client.get("/api/quotes", headers={"Origin": PORTAL_ORIGIN})
    assert response.status_code == 401
    assert response.headers["Access-Control-Allow-Origin"] == PORTAL_ORIGIN
    exposed = response.headers["Access-Control-Expose-Headers"].split(", ")
    assert "WWW-Authenticate" in exposed


def test_a_successful_call_from_the_portal_is_readable(client: FlaskClient, minter: Minter) -> None:
    response = client.get(
        "/api/quotes", headers={**bearer(minter.token()), "Origin": PORTAL_ORIGIN}
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == PORTAL_ORIGIN
    assert "Access-Control-Allow-Credentials" not in response.headers
    assert "Origin" in response.headers["Vary"]


@pytest.mark.parametrize(
    "origin",
    [
        "http://localhost:8001",
        "http://localhost",
        "http://127.0.0.1:8000",
        "https://localhost:8000",
        "null",
        "http://localhost:8000.evil.com",
        "http://evil-localhost:8000",
        "http://localhost:80000",
        "http://LOCALHOST:8000",
        "http://localhost:8000/",
        " http://localhost:8000",
        "http://localhost:8000, http://evil.com",
        "",
    ],
)
def test_any_other_origin_gets_no_allow_origin(
    client: FlaskClient, minter: Minter, origin: str
) -> None:
    for response in (
        _preflight(client, origin),
        client.get("/api/quotes", headers={**bearer(minter.token()), "Origin": origin}),
    ):
        assert "Access-Control-Allow-Origin" not in response.headers
        assert "Access-Control-Allow-Headers" not in response.headers
        assert "Access-Control-Allow-Credentials" not in response.headers
        assert "Origin" in response.headers["Vary"]


def test_the_allowed_origin_follows_the_portal_url(db_path, key_source) -> None:
    from quote_api.app import create_app

    app = create_app(
        {"PORTAL_URL": "https://contoso.powerappsportals.com:443/", "DB_PATH": str(db_path),
         "KEY_SOURCE": key_source}
    )  # fmt: skip
    response = _preflight(app.test_client(), "https://contoso.powerappsportals.com")
    assert response.headers["Access-Control-Allow-Origin"] == "https://contoso.powerappsportals.com"
