"""Pages: the marker, the quote pages' configuration, security headers and static files."""

from __future__ import annotations

import json
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from portal_sim import create_app
from tests.portal.support import CALLBACK, CLIENT_ID, AuthActions

MARKER = "Simulated Power Pages site — not Microsoft"


@pytest.mark.parametrize("path", ["/", "/SignIn", "/quote/", "/quote-callback/", "/nowhere"])
def test_every_page_shows_the_simulation_marker(client: FlaskClient, path: str):
    assert MARKER in client.get(path).get_data(as_text=True)


def test_admin_and_error_pages_show_the_marker_too(client: FlaskClient, auth: AuthActions):
    auth.sign_in(email="bob@fabrikam.com")
    forbidden = client.get("/_admin/")
    assert forbidden.status_code == 403
    assert MARKER in forbidden.get_data(as_text=True)


def test_quote_pages_carry_the_page_configuration(client: FlaskClient):
    for path in ("/quote/", "/quote-callback/"):
        html = client.get(path).get_data(as_text=True)
        block = re.search(
            r'<script id="portal-config" type="application/json">(.*?)</script>', html, re.S
        )
        assert block, path
        assert json.loads(block.group(1)) == {
            "clientId": CLIENT_ID,
            "redirectUri": CALLBACK,
            "apiUrl": "http://127.0.0.1:8001",
            "authorizeUrl": "/_services/auth/authorize",
            "tokenUrl": "/_services/auth/token",
            "signInUrl": "/SignIn",
        }


def test_quote_page_has_the_quote_button(client: FlaskClient):
    assert "Give me a Quote!" in client.get("/quote/").get_data(as_text=True)


@pytest.mark.parametrize("path", ["/", "/quote/", "/quote-callback/", "/SignIn"])
def test_pages_are_served_with_the_security_headers(client: FlaskClient, path: str):
    response = client.get(path)
    assert response.headers["Referrer-Policy"] == "no-referrer"
    policy = response.headers["Content-Security-Policy"]
    directives = {}
    for part in policy.split(";"):
        name, _, value = part.strip().partition(" ")
        directives[name] = value
    assert directives["script-src"] == "'self'"
    assert directives["connect-src"] == "'self' http://127.0.0.1:8001"
    assert directives["frame-ancestors"] == "'none'"


def test_connect_src_follows_the_configured_api_origin(config: dict[str, object]):
    config["API_URL"] = "http://127.0.0.1:9123/"
    response = create_app(config).test_client().get("/quote/")
    assert (
        "connect-src 'self' http://127.0.0.1:9123;" in response.headers["Content-Security-Policy"]
    )


def test_callback_page_is_never_stored(client: FlaskClient):
    assert client.get("/quote-callback/").headers["Cache-Control"] == "no-store"


def test_healthz_answers_ok(client: FlaskClient):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_repository_static_folder_is_served(client: FlaskClient, app: Flask):
    response = client.get("/static/js/quote.js")
    assert response.status_code == 200
    response.close()


def test_unknown_route_is_a_portal_404_page(client: FlaskClient):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert response.mimetype == "text/html"


def test_favicon_is_an_empty_answer_not_a_404(client: FlaskClient):
    assert client.get("/favicon.ico").status_code == 204
