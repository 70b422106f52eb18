"""Fuzzing the portal's auth endpoints: no 5xx, and never a redirect off the registered URIs."""

from __future__ import annotations

import json
import os
from urllib.parse import quote, urljoin, urlsplit

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.reliability.portal_client import (
    ALICE,
    CLIENT_ID,
    redirect_uri,
    sign_in,
    submit_sign_in,
)
from tests.reliability.services import Pair, in_fresh_thread

pytestmark = pytest.mark.reliability

FUZZ_SETTINGS = settings(
    max_examples=80,
    deadline=None,
    # Examples share the live processes on purpose; how fast loopback answers is not the question.
    suppress_health_check=list(HealthCheck),
    database=None,
    # CI runs the same examples every time, so a failure there reproduces; locally they vary.
    derandomize=bool(os.environ.get("CI")),
)


def near_misses(registered: str) -> list[str]:
    """Redirect URIs that an unsafe matcher would take for the registered one."""
    parts = urlsplit(registered)
    host = parts.netloc
    return [
        registered,
        registered.upper(),
        registered.rstrip("/"),
        registered + "x",
        registered + "?next=https://evil.example/",
        registered + "#frag",
        registered + "../admin",
        registered.replace(host, host.replace("localhost", "127.0.0.1")),
        registered.replace(host, f"{host}@evil.example"),
        registered.replace(host, "evil.example"),
        registered.replace("http://", "https://"),
        registered.replace("http://", "//"),
        "/quote-callback/",
        "javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        f"{registered};https://evil.example/",
        registered.replace("/quote-callback/", "/quote-callback/%2e%2e/"),
        "http://localhost:8000/quote-callback/",
    ]


def text_values(max_size: int = 40) -> st.SearchStrategy[str]:
    """Short strings of any printable or control character, the empty string included."""
    return st.text(max_size=max_size)


def auth_params(registered: str) -> st.SearchStrategy[dict[str, str]]:
    """Query parameters for the auth endpoints: a valid request, one with a single value
    changed or dropped, or a free mix where each may be absent, nearly right or junk."""
    junk = {
        "client_id": st.one_of(
            st.sampled_from([CLIENT_ID, CLIENT_ID.upper(), f" {CLIENT_ID}", "", "x" * 37, "a;b"]),
            text_values(),
        ),
        "redirect_uri": st.one_of(st.sampled_from(near_misses(registered)), text_values(80)),
        "response_type": st.one_of(
            st.sampled_from(["token", "TOKEN", "code", "id_token token", ""]), text_values()
        ),
        "state": st.one_of(st.sampled_from(["p07T@lst@T3", "my@pp$tate", "x" * 21]), text_values()),
        "nonce": st.one_of(st.sampled_from(["n", "x" * 21]), text_values()),
        "returnUrl": st.one_of(
            st.sampled_from(["https://evil.example/", "//evil.example/", "/quote/"]),
            text_values(),
        ),
    }
    valid = st.fixed_dictionaries(
        {
            "client_id": st.just(CLIENT_ID),
            "redirect_uri": st.just(registered),
            "response_type": st.just("token"),
        },
        optional={"state": text_values(20), "nonce": text_values(20)},
    )

    def change_one(base: dict[str, str]) -> st.SearchStrategy[dict[str, str]]:
        def apply(choice: tuple[str, str | None]) -> dict[str, str]:
            name, value = choice
            changed = {key: item for key, item in base.items() if key != name}
            if value is not None:
                changed[name] = value
            return changed

        return (
            st.sampled_from(sorted(junk))
            .flatmap(lambda name: st.tuples(st.just(name), st.none() | junk[name]))
            .map(apply)
        )

    return st.one_of(valid, valid.flatmap(change_one), st.fixed_dictionaries({}, optional=junk))


raw_query_bytes = st.binary(max_size=60).map(lambda raw: "".join(f"%{byte:02X}" for byte in raw))


def assert_stays_registered(answer: requests.Response, origin: str) -> None:
    """No 5xx; a redirect goes to a registered redirect URI or to the portal's own sign-in."""
    assert answer.status_code < 500, answer.text[:200]
    if answer.is_redirect:
        location = answer.headers["Location"]
        target = urljoin(origin + "/", location)
        parts = urlsplit(target)
        without_fragment = target.split("#", 1)[0]
        to_registered = without_fragment == redirect_uri(origin)
        to_sign_in = f"{parts.scheme}://{parts.netloc}" == origin and parts.path == "/SignIn"
        assert to_registered or to_sign_in, location
        if to_registered:
            assert "#" in target
    elif answer.status_code >= 400 and answer.headers.get("Content-Type", "").startswith(
        "application/json"
    ):
        document = json.loads(answer.text)
        assert list(document)[:2] == ["ErrorId", "ErrorMessage"], document


@pytest.fixture(scope="module")
def alice_session(pair: Pair) -> requests.Session:
    """Alice, signed in on the portal."""
    return sign_in(pair.portal.origin, *ALICE)


@pytest.mark.parametrize("signed_in", [True, False], ids=["signed-in", "anonymous"])
def test_authorize_with_random_parameters_never_fails_or_redirects_off_registered_uris(
    pair: Pair, alice_session: requests.Session, signed_in: bool
) -> None:
    origin = pair.portal.origin
    client = alice_session if signed_in else requests.Session()
    outcomes: set[str] = set()

    @given(params=auth_params(redirect_uri(origin)))
    @FUZZ_SETTINGS
    def check(params: dict[str, str]) -> None:
        answer = client.get(
            f"{origin}/_services/auth/authorize",
            params=params,
            allow_redirects=False,
            timeout=10,
        )
        assert_stays_registered(answer, origin)
        location = answer.headers.get("Location", "")
        if signed_in and answer.is_redirect:
            assert location.split("#", 1)[0] == redirect_uri(origin)
        outcomes.add("token" if "#token=" in location else str(answer.status_code))

    in_fresh_thread(check)
    # The fuzzing reached both the granting path and the refusals, not only one of them.
    if signed_in:
        assert "token" in outcomes, outcomes
        assert any(outcome.startswith("4") for outcome in outcomes), outcomes


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("ajax", [True, False], ids=["ajax", "plain"])
def test_token_endpoint_with_random_parameters_never_fails(
    pair: Pair, alice_session: requests.Session, method: str, ajax: bool
) -> None:
    origin = pair.portal.origin
    headers = {"X-Requested-With": "XMLHttpRequest"} if ajax else {}
    outcomes: set[str] = set()

    @given(params=auth_params(redirect_uri(origin)), signed_in=st.booleans())
    @FUZZ_SETTINGS
    def check(params: dict[str, str], signed_in: bool) -> None:
        client = alice_session if signed_in else requests
        answer = client.request(
            method,
            f"{origin}/_services/auth/token",
            params=params,
            headers=headers,
            allow_redirects=False,
            timeout=10,
        )
        assert_stays_registered(answer, origin)
        if answer.is_redirect:
            assert urlsplit(answer.headers["Location"]).path == "/SignIn"
        is_token = answer.status_code == 200 and answer.text.count(".") == 2
        outcomes.add("token" if is_token else str(answer.status_code))

    in_fresh_thread(check)
    assert "token" in outcomes, outcomes


@pytest.mark.parametrize("path", ["/_services/auth/authorize", "/_services/auth/token", "/SignIn"])
def test_undecodable_query_strings_are_answered_without_failing(
    pair: Pair, alice_session: requests.Session, path: str
) -> None:
    origin = pair.portal.origin

    @given(
        name=st.sampled_from(["client_id", "redirect_uri", "state", "returnUrl"]),
        raw=raw_query_bytes,
    )
    @FUZZ_SETTINGS
    def check(name: str, raw: str) -> None:
        answer = alice_session.get(
            f"{origin}{path}?{name}={raw}&response_type=token",
            allow_redirects=False,
            timeout=10,
        )
        assert_stays_registered(answer, origin)

    in_fresh_thread(check)


def test_sign_in_with_random_return_urls_never_leaves_the_portal(pair: Pair) -> None:
    origin = pair.portal.origin

    @given(
        return_url=st.one_of(
            st.sampled_from(
                [
                    "https://evil.example/",
                    "//evil.example/",
                    "/\\evil.example/",
                    "\\\\evil.example",
                    "http:evil.example",
                    " //evil.example",
                    "/%2F%2Fevil.example",
                    "javascript:alert(1)",
                    "/quote/",
                ]
            ),
            text_values(60),
        )
    )
    # Each example signs in, and password hashing is slow on purpose.
    @settings(FUZZ_SETTINGS, max_examples=10)
    def check(return_url: str) -> None:
        session = requests.Session()
        page = session.get(f"{origin}/SignIn?returnUrl={quote(return_url, safe='')}", timeout=10)
        assert page.status_code < 500
        signed = submit_sign_in(session, origin, *ALICE, return_url=return_url)
        assert signed.status_code < 500
        if signed.is_redirect:
            target = urljoin(origin + "/", signed.headers["Location"])
            assert target.startswith(origin + "/"), signed.headers["Location"]

    in_fresh_thread(check)


def test_the_redirect_check_refuses_a_redirect_off_the_registered_uris() -> None:
    origin = "http://localhost:8000"
    answer = requests.Response()
    answer.status_code = 302
    answer.headers["Location"] = "https://evil.example/quote-callback/#token=x"
    with pytest.raises(AssertionError):
        assert_stays_registered(answer, origin)
    answer.headers["Location"] = f"{origin}/quote-callback/#token=x"
    assert_stays_registered(answer, origin)
