"""GET /_services/auth/authorize: parameter rules, sign-in challenge and the token fragment."""

from __future__ import annotations

import json
from urllib.parse import quote, unquote

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.portal.support import (
    CALLBACK,
    CLIENT_ID,
    AuthActions,
    authorize_query,
    fragment_of,
    raw_fragment,
)

AUTHORIZE = "/_services/auth/authorize"


def error_id(response) -> str:
    """The ErrorId of a PortalSTS document."""
    assert response.mimetype == "application/json"
    return json.loads(response.get_data(as_text=True))["ErrorId"]


def test_signed_in_contact_is_redirected_with_token_and_expiry(
    client: FlaskClient, auth: AuthActions
):
    auth.sign_in()
    response = client.get(AUTHORIZE, query_string=authorize_query(state="abc"))
    assert response.status_code == 302
    assert response.location.startswith(CALLBACK + "#token=")
    fragment = fragment_of(response.location)
    assert list(fragment) == ["token", "expires_in", "state"]
    assert fragment["expires_in"] == "900"
    assert fragment["token"].count(".") == 2
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("state", ["p07T@lst@T3", "my@pp$tate"])
def test_state_comes_back_byte_for_byte(client: FlaskClient, auth: AuthActions, state: str):
    auth.sign_in()
    response = client.get(AUTHORIZE, query_string=authorize_query(state=state))
    assert raw_fragment(response.location).endswith("&state=" + state)


def test_state_with_fragment_delimiters_is_escaped_and_parses_back(
    client: FlaskClient, auth: AuthActions
):
    auth.sign_in()
    state = "a&b=c+d e#f%"
    response = client.get(AUTHORIZE, query_string=authorize_query(state=state))
    assert fragment_of(response.location)["state"] == state


def test_state_is_left_out_of_the_fragment_when_none_was_sent(
    client: FlaskClient, auth: AuthActions
):
    auth.sign_in()
    response = client.get(AUTHORIZE, query_string=authorize_query())
    assert "state" not in fragment_of(response.location)


def test_anonymous_request_goes_to_sign_in_with_the_original_request(client: FlaskClient):
    query = authorize_query(state="p07T@lst@T3")
    response = client.get(AUTHORIZE, query_string=query)
    assert response.status_code == 302
    assert response.location.startswith("/SignIn?returnUrl=%2F_services%2Fauth%2Fauthorize%3F")
    assert "#" not in response.location


def test_after_sign_in_the_original_request_completes(client: FlaskClient, auth: AuthActions):
    challenge = client.get(AUTHORIZE, query_string=authorize_query(state="p07T@lst@T3"))
    return_path = challenge.location.split("returnUrl=", 1)[1]
    signed_in = auth.sign_in(return_url=unquote(return_path))
    assert signed_in.status_code == 302
    assert signed_in.location.startswith(AUTHORIZE + "?")
    final = client.get(signed_in.location)
    assert final.status_code == 302
    assert raw_fragment(final.location).endswith("&state=p07T@lst@T3")


def test_missing_client_id_is_portalsts0001(client: FlaskClient, auth: AuthActions):
    auth.sign_in()
    response = client.get(AUTHORIZE, query_string=authorize_query(client_id=None))
    assert response.status_code == 400
    assert error_id(response) == "PortalSTS0001"


def test_unregistered_client_id_is_portalsts0001_without_redirect(
    client: FlaskClient, auth: AuthActions
):
    auth.sign_in()
    response = client.get(AUTHORIZE, query_string=authorize_query(client_id="other-client"))
    assert response.status_code == 400
    assert "Location" not in response.headers
    assert error_id(response) == "PortalSTS0001"


def test_client_id_is_compared_exactly(client: FlaskClient, auth: AuthActions):
    auth.sign_in()
    response = client.get(AUTHORIZE, query_string=authorize_query(client_id="Quote-Demo-Client"))
    assert error_id(response) == "PortalSTS0001"


@pytest.mark.parametrize("client_id", ["a" * 37, "quote demo", "quote_demo", "qu\u00f6te", "a;b"])
def test_malformed_client_id_is_refused(client: FlaskClient, auth: AuthActions, client_id: str):
    auth.sign_in()
    response = client.get(AUTHORIZE, query_string=authorize_query(client_id=client_id))
    assert response.status_code == 400
    assert error_id(response) == "PortalSTS9004"


def test_client_id_of_36_characters_is_accepted(app: Flask, client: FlaskClient, auth):
    long_id = "c" * 36
    settings = app.extensions["portal_sim"].settings
    settings.set("ImplicitGrantFlow/RegisteredClientId", f"{CLIENT_ID};{long_id}")
    settings.set(f"ImplicitGrantFlow/{long_id}/RedirectUri", CALLBACK)
    auth.sign_in()
    response = client.get(AUTHORIZE, query_string=authorize_query(client_id=long_id))
    assert response.status_code == 302


@pytest.mark.parametrize("response_type", ["code", "id_token", "token id_token", "TOKEN", ""])
def test_other_response_types_are_portalsts0007(
    client: FlaskClient, auth: AuthActions, response_type: str
):
    auth.sign_in()
    response = client.get(AUTHORIZE, query_string=authorize_query(response_type=response_type))
    assert response.status_code == 400
    assert error_id(response) == "PortalSTS0007"


def test_response_type_may_be_omitted(client: FlaskClient, auth: AuthActions):
    auth.sign_in()
    response = client.get(AUTHORIZE, query_string=authorize_query(response_type=None))
    assert response.status_code == 302


@pytest.mark.parametrize(
    "redirect_uri",
    [
        "http://localhost:8000/quote-callback",
        "http://localhost:8000/quote-callback//",
        "http://LOCALHOST:8000/quote-callback/",
        "http://localhost:8000/Quote-Callback/",
        "HTTP://localhost:8000/quote-callback/",
        "http://localhost:8000/quote-callback/?x=1",
        "http://localhost:8000/quote-callback/#x",
        "https://localhost:8000/quote-callback/",
        "http://localhost:8001/quote-callback/",
        "http://localhost/quote-callback/",
        "http://127.0.0.1:8000/quote-callback/",
        "http://evil.example/quote-callback/",
        "http://localhost:8000@127.0.0.1:9000/quote-callback/",
        "http://localhost:8000/x/../quote-callback/",
        "http://localhost:8000/./quote-callback/",
        "http://localhost:8000/quote%2Dcallback/",
        "http%3A%2F%2Flocalhost%3A8000%2Fquote-callback%2F",
        "http://localhost:8000/quote-callback%2F",
        "javascript:alert(1)//http://localhost:8000/quote-callback/",
        " http://localhost:8000/quote-callback/",
        "http://localhost:8000/quote-callback/ ",
        "//localhost:8000/quote-callback/",
        "/quote-callback/",
        "",
    ],
)
def test_redirect_uri_variants_are_refused_without_redirect(
    client: FlaskClient, auth: AuthActions, redirect_uri: str
):
    auth.sign_in()
    response = client.get(AUTHORIZE, query_string=authorize_query(redirect_uri=redirect_uri))
    assert response.status_code == 400
    assert "Location" not in response.headers
    assert error_id(response) == "PortalSTS9001"
    assert "eyJ" not in response.get_data(as_text=True)


def test_missing_redirect_uri_is_refused(client: FlaskClient, auth: AuthActions):
    auth.sign_in()
    response = client.get(AUTHORIZE, query_string=authorize_query(redirect_uri=None))
    assert error_id(response) == "PortalSTS9001"


def test_registered_uri_of_another_site_is_never_redirected_to(
    app: Flask, client: FlaskClient, auth: AuthActions
):
    app.extensions["portal_sim"].settings.set(
        f"ImplicitGrantFlow/{CLIENT_ID}/RedirectUri", f"{CALLBACK};http://evil.example/cb"
    )
    auth.sign_in()
    response = client.get(
        AUTHORIZE, query_string=authorize_query(redirect_uri="http://evil.example/cb")
    )
    assert response.status_code == 400
    assert error_id(response) == "PortalSTS9001"


def test_any_of_several_registered_uris_is_accepted(
    app: Flask, client: FlaskClient, auth: AuthActions
):
    other = "http://localhost:8000/other-callback/"
    app.extensions["portal_sim"].settings.set(
        f"ImplicitGrantFlow/{CLIENT_ID}/RedirectUri", f"{CALLBACK}; {other}"
    )
    auth.sign_in()
    response = client.get(AUTHORIZE, query_string=authorize_query(redirect_uri=other))
    assert response.location.startswith(other + "#token=")


def test_state_of_20_characters_is_accepted(client: FlaskClient, auth: AuthActions):
    auth.sign_in()
    response = client.get(AUTHORIZE, query_string=authorize_query(state="s" * 20))
    assert fragment_of(response.location)["state"] == "s" * 20


def test_over_long_state_is_refused(client: FlaskClient, auth: AuthActions):
    auth.sign_in()
    response = client.get(AUTHORIZE, query_string=authorize_query(state="s" * 21))
    assert response.status_code == 400
    assert "Location" not in response.headers
    assert error_id(response) == "PortalSTS9002"


def test_over_long_nonce_is_refused(client: FlaskClient, auth: AuthActions):
    auth.sign_in()
    response = client.get(AUTHORIZE, query_string=authorize_query(nonce="n" * 21))
    assert response.status_code == 400
    assert error_id(response) == "PortalSTS9003"


def test_nonce_of_20_characters_is_accepted(client: FlaskClient, auth: AuthActions):
    auth.sign_in()
    response = client.get(AUTHORIZE, query_string=authorize_query(nonce="n" * 20))
    assert response.status_code == 302


def test_error_document_never_echoes_the_parameters(client: FlaskClient, auth: AuthActions):
    auth.sign_in()
    marker = "<script>secret</script>"
    response = client.get(
        AUTHORIZE, query_string=authorize_query(redirect_uri="http://evil/" + quote(marker))
    )
    assert "secret" not in response.get_data(as_text=True)


def test_switched_off_feature_answers_404(app: Flask, client: FlaskClient, auth: AuthActions):
    app.extensions["portal_sim"].settings.set("Connector/ImplicitGrantFlowEnabled", "False")
    auth.sign_in()
    assert client.get(AUTHORIZE, query_string=authorize_query()).status_code == 404
    assert client.get("/_services/auth/token").status_code == 404
    assert client.get("/_services/auth/publickey").status_code == 404


def test_feature_is_on_for_any_value_but_false(app: Flask, client: FlaskClient, auth):
    app.extensions["portal_sim"].settings.set("Connector/ImplicitGrantFlowEnabled", "true")
    auth.sign_in()
    assert client.get(AUTHORIZE, query_string=authorize_query()).status_code == 302
