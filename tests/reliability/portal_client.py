"""A scripted portal user: sign in with the real form, then ask for tokens as the pages do.

Used by the reliability tests and the benchmarks, both of which need signed-in sessions and
tokens from the real `portal-sim serve` process rather than tokens they sign themselves.
"""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import parse_qs, urljoin, urlsplit

import requests

CLIENT_ID = "quote-demo-client"
ALICE = ("alice@contoso.com", "Pass@word1")
BOB = ("bob@fabrikam.com", "Pass@word1")


def redirect_uri(portal_origin: str) -> str:
    """The demo client's registered redirect URI on this portal."""
    return f"{portal_origin}/quote-callback/"


class _FormReader(HTMLParser):
    """Collects the first form's action and its input fields."""

    def __init__(self) -> None:
        super().__init__()
        self.action: str | None = None
        self.inputs: list[dict[str, str]] = []
        self._in_form = False
        self._done = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Note the first form's action and the inputs inside it."""
        values = {name: value or "" for name, value in attrs}
        if tag == "form" and not self._done:
            self._in_form = True
            self.action = values.get("action", "")
        elif tag == "input" and self._in_form:
            self.inputs.append(values)

    def handle_endtag(self, tag: str) -> None:
        """Stop collecting at the end of the first form."""
        if tag == "form" and self._in_form:
            self._in_form = False
            self._done = True


def submit_sign_in(
    session: requests.Session,
    portal_origin: str,
    email: str,
    password: str,
    return_url: str | None = None,
) -> requests.Response:
    """GET /SignIn, fill the form (anti-forgery token included) and POST it; no redirects."""
    params = {"returnUrl": return_url} if return_url is not None else None
    page = session.get(f"{portal_origin}/SignIn", params=params, timeout=10)
    page.raise_for_status()
    form = _FormReader()
    form.feed(page.text)
    fields: dict[str, str] = {}
    for field in form.inputs:
        name = field.get("name")
        if not name:
            continue
        kind = field.get("type", "text").lower()
        if kind == "password":
            fields[name] = password
        elif kind == "email" or "email" in name.lower() or "username" in name.lower():
            fields[name] = email
        else:
            fields[name] = field.get("value", "")
    if return_url is not None:
        fields["returnUrl"] = return_url
    action = urljoin(page.url, form.action or page.url)
    return session.post(action, data=fields, allow_redirects=False, timeout=10)


def sign_in(portal_origin: str, email: str, password: str) -> requests.Session:
    """Sign in through the real form; return the signed-in session."""
    session = requests.Session()
    answer = submit_sign_in(session, portal_origin, email, password)
    if answer.status_code not in (302, 303) or not session.cookies:
        raise RuntimeError(f"sign-in as {email} failed with {answer.status_code}")
    return session


def authorize_url(portal_origin: str, state: str = "bench", nonce: str | None = None) -> str:
    """The authorize request the quote page makes for the demo client."""
    url = (
        f"{portal_origin}/_services/auth/authorize?client_id={CLIENT_ID}"
        f"&redirect_uri={redirect_uri(portal_origin)}&response_type=token&state={state}"
    )
    return url + (f"&nonce={nonce}" if nonce else "")


def fetch_token(session: requests.Session, portal_origin: str, nonce: str | None = None) -> str:
    """One fresh token from the authorize endpoint's 302 fragment."""
    answer = session.get(
        authorize_url(portal_origin, nonce=nonce), allow_redirects=False, timeout=10
    )
    location = answer.headers.get("Location", "")
    fragment = parse_qs(urlsplit(location).fragment)
    if answer.status_code != 302 or "token" not in fragment:
        raise RuntimeError(f"authorize answered {answer.status_code} without a token")
    return fragment["token"][0]


def cookie_header(session: requests.Session) -> str:
    """The session's cookies as one Cookie header value, for wrk."""
    return "; ".join(f"{cookie.name}={cookie.value}" for cookie in session.cookies)
