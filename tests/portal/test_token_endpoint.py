"""POST (and legacy GET) /_services/auth/token and /_services/auth/publickey."""

from __future__ import annotations

import json
from urllib.parse import unquote

import pytest
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from flask.testing import FlaskClient

from tests.portal.support import CLIENT_ID, ORIGIN, AuthActions

TOKEN = "/_services/auth/token"
AJAX = {"X-Requested-With": "XMLHttpRequest"}


@pytest.mark.parametrize("method", ["POST", "GET"])
def test_body_is_the_raw_jwt_and_state_and_expiry_are_headers(
    client: FlaskClient, auth: AuthActions, method: str
):
    auth.sign_in()
    response = client.open(
        TOKEN, method=method, query_string={"client_id": CLIENT_ID, "state": "my@pp$tate"}
    )
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert body.startswith("eyJ") and body.count(".") == 2
    assert response.headers["expires_in"] == "900"
    assert response.headers["state"] == "my@pp$tate"
    assert response.headers["Cache-Control"] == "no-store"


def test_seed_state_comes_back_in_the_header_byte_for_byte(client: FlaskClient, auth):
    auth.sign_in()
    response = client.post(TOKEN, query_string={"state": "p07T@lst@T3"}, headers=AJAX)
    assert response.headers["state"] == "p07T@lst@T3"


def test_state_header_is_absent_when_none_was_sent(client: FlaskClient, auth: AuthActions):
    auth.sign_in()
    response = client.post(TOKEN, query_string={"client_id": CLIENT_ID})
    assert "state" not in response.headers


def test_state_that_cannot_be_a_header_is_percent_encoded(client: FlaskClient, auth):
    auth.sign_in()
    response = client.post(TOKEN, query_string={"state": "a\r\nX-Evil: 1"})
    assert response.status_code == 200
    assert response.headers["state"] == "a%0D%0AX-Evil: 1"
    assert "X-Evil" not in response.headers


def test_anonymous_ajax_caller_gets_200_with_x_responded_json(client: FlaskClient):
    response = client.post(
        TOKEN, query_string={"client_id": CLIENT_ID, "state": "abc"}, headers=AJAX
    )
    assert response.status_code == 200
    assert response.get_data() == b""
    challenge = json.loads(response.headers["X-Responded-JSON"])
    assert list(challenge) == ["status", "headers"]
    assert challenge["status"] == 401
    location = challenge["headers"]["location"]
    assert location.startswith(f"{ORIGIN}/SignIn?returnUrl=")
    assert unquote(location.split("returnUrl=", 1)[1]) == (
        f"/_services/auth/token?client_id={CLIENT_ID}&state=abc"
    )


def test_anonymous_browser_request_goes_to_sign_in(client: FlaskClient):
    response = client.get(TOKEN, query_string={"client_id": CLIENT_ID})
    assert response.status_code == 302
    assert response.location.startswith("/SignIn?returnUrl=%2F_services%2Fauth%2Ftoken")


def test_client_id_is_optional(client: FlaskClient, auth: AuthActions):
    auth.sign_in()
    assert client.post(TOKEN).status_code == 200


def test_unregistered_client_id_is_portalsts0001(client: FlaskClient, auth: AuthActions):
    auth.sign_in()
    response = client.post(TOKEN, query_string={"client_id": "someone-else"})
    assert response.status_code == 400
    assert json.loads(response.get_data())["ErrorId"] == "PortalSTS0001"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"response_type": "code"}, "PortalSTS0007"),
        ({"state": "s" * 21}, "PortalSTS9002"),
        ({"nonce": "n" * 21}, "PortalSTS9003"),
        ({"client_id": "x" * 37}, "PortalSTS9004"),
    ],
)
def test_token_endpoint_applies_the_parameter_rules(
    client: FlaskClient, auth: AuthActions, query: dict[str, str], expected: str
):
    auth.sign_in()
    response = client.post(TOKEN, query_string=query)
    assert response.status_code == 400
    assert json.loads(response.get_data())["ErrorId"] == expected


def test_token_endpoint_sends_no_cors_headers(client: FlaskClient, auth: AuthActions):
    auth.sign_in()
    response = client.post(TOKEN, headers={"Origin": "http://127.0.0.1:8001"})
    assert "Access-Control-Allow-Origin" not in response.headers


def test_publickey_is_an_spki_pem_for_anonymous_callers(client: FlaskClient):
    response = client.get("/_services/auth/publickey")
    assert response.status_code == 200
    pem = response.get_data(as_text=True)
    assert pem.startswith("-----BEGIN PUBLIC KEY-----\n")
    assert pem.rstrip().endswith("-----END PUBLIC KEY-----")
    key = load_pem_public_key(pem.encode())
    assert isinstance(key, RSAPublicKey)
    assert key.key_size == 2048
    assert "PRIVATE" not in pem


@pytest.mark.parametrize(
    "path",
    [
        "/_services/auth/jwks",
        "/_services/auth/keys",
        "/.well-known/openid-configuration",
        "/.well-known/jwks.json",
    ],
)
def test_there_is_no_jwks_and_no_discovery_document(client: FlaskClient, path: str):
    assert client.get(path).status_code == 404
