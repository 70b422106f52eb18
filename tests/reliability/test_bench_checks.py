"""The bench's load generators count only answers that carry a token, whatever the status."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bench.loadgen import LoadResult, LoadSpec, run_asyncio, run_wrk, wrk_available
from tests.reliability.portal_client import ALICE, CLIENT_ID, authorize_url, cookie_header, sign_in
from tests.reliability.services import Pair

pytestmark = pytest.mark.reliability

Generate = Callable[[LoadSpec], LoadResult]
# The asyncio generator always runs; wrk too where it is installed.
GENERATORS = [run_asyncio, *([run_wrk] if wrk_available() else [])]


@pytest.fixture(scope="module")
def alice_cookie(pair: Pair) -> str:
    """Alice's portal session as a Cookie header value."""
    return cookie_header(sign_in(pair.portal.origin, *ALICE))


@pytest.mark.parametrize("generate", GENERATORS, ids=lambda run: run.__name__)
def test_authorize_redirects_count_only_when_they_carry_a_token(
    pair: Pair, alice_cookie: str, generate: Generate
) -> None:
    url = authorize_url(pair.portal.origin)
    signed_in = generate(
        LoadSpec(
            url=url,
            headers={"Cookie": alice_cookie},
            unique_nonce=True,
            expect="location-token",
            connections=4,
            duration=1,
        )
    )
    # Anonymous: a 302 too, but to the sign-in page, with no token in it.
    anonymous = generate(
        LoadSpec(url=url, unique_nonce=True, expect="location-token", connections=4, duration=1)
    )

    assert signed_in.good > 0
    assert signed_in.bad == 0
    assert anonymous.good == 0
    assert anonymous.bad > 0


@pytest.mark.parametrize("generate", GENERATORS, ids=lambda run: run.__name__)
def test_a_200_without_a_token_is_not_counted_as_an_issued_token(
    pair: Pair, generate: Generate
) -> None:
    # An anonymous AJAX token request answers 200 with an empty body and X-Responded-JSON.
    result = generate(
        LoadSpec(
            url=f"{pair.portal.origin}/_services/auth/token?client_id={CLIENT_ID}",
            method="POST",
            body="",
            headers={"X-Requested-With": "XMLHttpRequest"},
            expect="body-jwt",
            connections=4,
            duration=1,
        )
    )

    assert result.requests > 0
    assert result.good == 0
    assert result.bad == result.requests
