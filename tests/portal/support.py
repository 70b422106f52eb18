"""Constants and helpers shared by the portal tests."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

from flask.testing import FlaskClient

ORIGIN = "http://localhost:8000"
CALLBACK = f"{ORIGIN}/quote-callback/"
CLIENT_ID = "quote-demo-client"
ADMIN_KEY = "test-admin-key"
PASSWORD = "Pass@word1"
ALICE = "alice@contoso.com"
BOB = "bob@fabrikam.com"
ADMIN = "admin@contoso.com"
ALICE_ID = "5d9c2f1a-7e3b-4a6c-9d8e-0f1a2b3c4d01"
PORTAL_ID = "8b4a6f3e-2c1d-4e5f-9a7b-0c1d2e3f4a5b"

_CSRF = re.compile(r'name="__RequestVerificationToken" value="([^"]+)"')


def csrf_from(html: str) -> str:
    """The anti-forgery token in a rendered form."""
    match = _CSRF.search(html)
    assert match, "the form has no __RequestVerificationToken"
    return match.group(1)


class AuthActions:
    """Signs contacts in and out through the real sign-in form."""

    def __init__(self, client: FlaskClient) -> None:
        self._client = client

    def sign_in(self, email: str = ALICE, password: str = PASSWORD, return_url: str = "/"):
        """Post the sign-in form as a browser would."""
        page = self._client.get("/SignIn", query_string={"returnUrl": return_url})
        return self._client.post(
            "/SignIn",
            query_string={"returnUrl": return_url},
            data={
                "__RequestVerificationToken": csrf_from(page.get_data(as_text=True)),
                "Email": email,
                "Password": password,
            },
        )

    def sign_out(self):
        """Follow the sign-out link."""
        return self._client.get("/Account/Login/LogOff")


def authorize_query(**overrides: str | None) -> dict[str, str]:
    """A valid authorize query for the demo client, with some parameters changed or removed."""
    query: dict[str, str | None] = {
        "client_id": CLIENT_ID,
        "redirect_uri": CALLBACK,
        "response_type": "token",
    }
    query.update(overrides)
    return {name: value for name, value in query.items() if value is not None}


def fragment_of(location: str) -> dict[str, str]:
    """The parameters of a redirect's fragment, parsed as URLSearchParams would."""
    return dict(parse_qsl(urlsplit(location).fragment, keep_blank_values=True))


def raw_fragment(location: str) -> str:
    """The fragment exactly as sent."""
    return location.split("#", 1)[1]
