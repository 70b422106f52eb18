"""Property tests: random tokens and Authorization headers never get a 200 or a 5xx."""

from __future__ import annotations

import string

from flask import Flask
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tests.quote_api.conftest import Minter, b64url

B64URL = string.ascii_letters + string.digits + "-_"
HEADER_CHARS = st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f")
ROUTES = ["/api/quotes", "/api/quotes/Q-1001", "/api/products", "/api/whoami"]
# The app fixture is shared across examples on purpose: every request here is a read that must
# be refused, so no example can change what the next one sees.
FAST = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def _status(app: Flask, route: str, header: str) -> int:
    return app.test_client().get(route, headers={"Authorization": header}).status_code


@FAST
@given(
    segments=st.lists(st.text(alphabet=B64URL, max_size=60), min_size=0, max_size=6),
    route=st.sampled_from(ROUTES),
)
def test_random_tokens_are_refused(app: Flask, segments: list[str], route: str) -> None:
    status = _status(app, route, "Bearer " + ".".join(segments))
    assert status in {400, 401}


@FAST
@given(header=st.text(alphabet=HEADER_CHARS, max_size=300), route=st.sampled_from(ROUTES))
def test_random_authorization_headers_are_refused(app: Flask, header: str, route: str) -> None:
    assert _status(app, route, header) in {400, 401}


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=12,
)


@FAST
@given(
    header=st.dictionaries(st.sampled_from(["alg", "typ", "nonce", "kid", "jku"]), json_values),
    claims=st.dictionaries(
        st.sampled_from(["sub", "iss", "aud", "exp", "iat", "nbf", "x"]), json_values
    ),
)
def test_random_json_segments_signed_with_the_real_key_never_pass(
    app: Flask, minter: Minter, header: dict, claims: dict
) -> None:
    import json

    token = minter.token(
        header_bytes=json.dumps(header).encode(), payload_bytes=json.dumps(claims).encode()
    )
    assert _status(app, "/api/quotes", f"Bearer {token}") == 401


@FAST
@given(flip=st.integers(min_value=0, max_value=10_000), bit=st.integers(min_value=0, max_value=7))
def test_any_single_bit_flip_in_a_good_token_is_refused(
    app: Flask, minter: Minter, flip: int, bit: int
) -> None:
    token = minter.token()
    raw = bytearray(token.encode("ascii"))
    position = flip % len(raw)
    raw[position] ^= 1 << bit
    mutated = raw.decode("latin-1")
    # Control characters cannot travel in an HTTP header at all.
    assume(mutated.isprintable())
    status = _status(app, "/api/quotes", f"Bearer {mutated}")
    # A flip can land on a base64 character that decodes to the same bytes (the unused low
    # bits of the last character), in which case the token is still the portal's own.
    if status == 200:
        assert _decodes_same(token, mutated)
    else:
        assert status in {400, 401}


def _decodes_same(a: str, b: str) -> bool:
    import base64

    def raw(token: str) -> list[bytes]:
        return [base64.urlsafe_b64decode(s + "=" * (-len(s) % 4)) for s in token.split(".")]

    try:
        return raw(a) == raw(b)
    except ValueError:
        return False


def test_b64url_helper_has_no_padding() -> None:
    assert b64url(b"\x00") == "AA"
