"""Tokens: the portal's own passes; every forgery and malformation is a 401 invalid_token."""

from __future__ import annotations

import base64
import re
import time

import pytest
from flask.testing import FlaskClient

from tests.quote_api.conftest import (
    ALICE,
    CLIENT_ID,
    ISSUER,
    FixedKeySource,
    Minter,
    b64url,
    bearer,
    compact,
    portal_claims,
    public_pem,
)

CHALLENGE = re.compile(
    r'Bearer realm="quote-api", error="invalid_token", error_description="(?P<reason>[a-zA-Z ]+)"'
)


def assert_invalid_token(response, reason: str | None = None) -> None:
    """401, the RFC 6750 invalid_token challenge with a fixed short reason, no-store, JSON."""
    assert response.status_code == 401
    match = CHALLENGE.fullmatch(response.headers["WWW-Authenticate"])
    assert match, response.headers["WWW-Authenticate"]
    assert len(match["reason"]) <= 40
    if reason is not None:
        assert match["reason"] == reason
    assert response.headers["Cache-Control"] == "no-store"
    assert response.json["error"] == "invalid_token"
    assert response.json["error_description"] == match["reason"]


def test_the_portals_token_gets_the_contacts_quotes(client: FlaskClient, minter: Minter) -> None:
    response = client.get("/api/quotes", headers=bearer(minter.token()))
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert {quote["number"] for quote in response.json["quotes"]} >= {"Q-1001"}


def test_bearer_scheme_is_case_insensitive(client: FlaskClient, minter: Minter) -> None:
    for scheme in ("bearer", "BEARER", "BeArEr"):
        response = client.get(
            "/api/whoami", headers={"Authorization": f"{scheme} {minter.token()}"}
        )
        assert response.status_code == 200, scheme


def test_no_token_gets_a_bare_challenge(client: FlaskClient) -> None:
    response = client.get("/api/quotes")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="quote-api"'


def test_token_in_query_string_or_cookie_is_ignored(client: FlaskClient, minter: Minter) -> None:
    token = minter.token()
    client.set_cookie("access_token", token)
    response = client.get(f"/api/quotes?access_token={token}")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="quote-api"'


def test_another_scheme_gets_a_bare_challenge(client: FlaskClient) -> None:
    response = client.get("/api/quotes", headers={"Authorization": "Basic YWxpY2U6cGFzcw=="})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="quote-api"'


@pytest.mark.parametrize(
    "header",
    ["Bearer", "Bearer ", "Bearer a b", "Bearer a,b", "Bearer tok\u00e9n", "Bearer =abc"],
    ids=["no-token", "empty-token", "two-tokens", "comma", "non-ascii", "leading-equals"],
)
def test_malformed_authorization_header_is_invalid_request(
    client: FlaskClient, header: str
) -> None:
    response = client.get("/api/quotes", headers={"Authorization": header})
    assert response.status_code == 400
    assert response.headers["WWW-Authenticate"] == (
        'Bearer realm="quote-api", error="invalid_request", '
        'error_description="malformed Authorization header"'
    )


def test_authorization_header_over_8_kib_is_refused_before_decoding(
    client: FlaskClient, key_source: FixedKeySource
) -> None:
    response = client.get("/api/quotes", headers={"Authorization": "Bearer " + "A" * 9000})
    assert_invalid_token(response, "token too large")


def test_a_200_kb_token_is_refused(client: FlaskClient, minter: Minter) -> None:
    token = minter.token(padding="x" * 200_000)
    assert len(token) > 200_000
    assert_invalid_token(client.get("/api/quotes", headers=bearer(token)), "token too large")


def _hostile_tokens(minter: Minter, portal_key, other_key) -> dict[str, tuple[str, str]]:
    """name -> (token, expected reason)."""
    now = int(time.time())
    good = minter.token()
    head, body, sig = good.split(".")
    pem = public_pem(portal_key)
    raw_sig = base64.urlsafe_b64decode(sig + "==")
    flipped = bytearray(raw_sig)
    flipped[len(flipped) // 2] ^= 0x01
    claims = portal_claims()
    tampered = dict(claims, sub="5d9c2f1a-7e3b-4a6c-9d8e-0f1a2b3c4d02")
    jwk = {"kty": "RSA", "n": "AQAB", "e": "AQAB"}
    return {
        # An unsigned token has an empty third segment: refused before the header is read.
        "alg none": (minter.token(alg="none"), "malformed token"),
        "alg None": (minter.token(header={"alg": "None", "typ": "JWT"}), "algorithm not allowed"),
        "alg NONE": (minter.token(header={"alg": "NONE", "typ": "JWT"}), "algorithm not allowed"),
        "alg none with a signature": (
            minter.token(header={"alg": "none", "typ": "JWT"}),
            "algorithm not allowed",
        ),
        "HS256 keyed with the PEM": (
            minter.token(alg="HS256", hmac_secret=pem),
            "algorithm not allowed",
        ),
        "RS512 with the real key": (minter.token(alg="RS512"), "algorithm not allowed"),
        "PS256 with the real key": (minter.token(alg="PS256"), "algorithm not allowed"),
        "another RSA key": (minter.token(key=other_key), "signature check failed"),
        "embedded jwk": (
            minter.token(key=other_key, header={**Minter.header(), "jwk": jwk}),
            "unsupported token header",
        ),
        "jku": (
            minter.token(header={**Minter.header(), "jku": "http://127.0.0.1:9/jwks"}),
            "unsupported token header",
        ),
        "x5u": (
            minter.token(header={**Minter.header(), "x5u": "http://127.0.0.1:9/c"}),
            "unsupported token header",
        ),
        "kid": (
            minter.token(header={**Minter.header(), "kid": "../../dev/null"}),
            "unsupported token header",
        ),
        "crit": (
            minter.token(header={**Minter.header(), "crit": ["exp"], "exp": 1}),
            "unsupported token header",
        ),
        "typ not JWT": (
            minter.token(header={**Minter.header(), "typ": "at+jwt"}),
            "unsupported token header",
        ),
        "tampered payload": (f"{head}.{b64url(compact(tampered))}.{sig}", "signature check failed"),
        "stripped signature": (f"{head}.{body}.", "malformed token"),
        "truncated signature": (f"{head}.{body}.{sig[:-10]}", "signature check failed"),
        "bit-flipped signature": (
            f"{head}.{body}.{b64url(bytes(flipped))}",
            "signature check failed",
        ),
        "wrong iss": (minter.token(iss="evil.example.com"), "wrong issuer"),
        "missing iss": (minter.token(iss=Minter.remove), "required claim missing"),
        "array iss": (minter.token(iss=[ISSUER]), "wrong issuer"),
        "look-alike iss with scheme": (minter.token(iss=f"http://{ISSUER}"), "wrong issuer"),
        "look-alike iss with slash": (minter.token(iss=f"{ISSUER}/"), "wrong issuer"),
        "look-alike iss other port": (minter.token(iss="localhost:8001"), "wrong issuer"),
        "look-alike iss upper case": (minter.token(iss=ISSUER.upper()), "wrong issuer"),
        "look-alike iss suffix": (minter.token(iss=f"{ISSUER}.evil.com"), "wrong issuer"),
        "wrong aud": (minter.token(aud="another-client"), "wrong audience"),
        "empty aud": (minter.token(aud=""), "wrong audience"),
        "missing aud": (minter.token(aud=Minter.remove), "required claim missing"),
        "null aud": (minter.token(aud=None), "wrong audience"),
        "array aud containing ours": (minter.token(aud=[CLIENT_ID, "x"]), "wrong audience"),
        "expired": (minter.token(iat=now - 1000, nbf=now - 1000, exp=now - 100), "token expired"),
        "exp missing": (minter.token(exp=Minter.remove), "required claim missing"),
        "exp a string": (minter.token(exp=str(now + 600)), "claim has the wrong type"),
        "exp a boolean": (minter.token(exp=True), "claim has the wrong type"),
        "exp a list": (minter.token(exp=[now + 600]), "claim has the wrong type"),
        "exp a float": (minter.token(exp=now + 600.5), "claim has the wrong type"),
        "exp 1e400": (
            minter.token(
                payload_bytes=compact(claims).replace(
                    f'"exp":{claims["exp"]}'.encode(), b'"exp":1e400'
                )
            ),
            "malformed token",
        ),
        "exp a huge integer": (minter.token(exp=10**30), "claim has the wrong type"),
        "exp negative": (minter.token(exp=-1), "claim has the wrong type"),
        "nbf in the future": (minter.token(nbf=now + 600), "token not yet valid"),
        "iat in the future": (minter.token(iat=now + 600), "token issued in the future"),
        "nbf missing": (minter.token(nbf=Minter.remove), "required claim missing"),
        "iat missing": (minter.token(iat=Minter.remove), "required claim missing"),
        "sub missing": (minter.token(sub=Minter.remove), "required claim missing"),
        "sub a number": (minter.token(sub=42), "claim has the wrong type"),
        "30-day lifetime": (minter.token(exp=now + 30 * 86400), "token lifetime too long"),
        "duplicate exp": (
            minter.token(payload_bytes=compact(claims)[:-1] + f',"exp":{now + 10**6}}}'.encode()),
            "duplicate JSON member",
        ),
        "duplicate alg": (
            minter.token(header_bytes=b'{"alg":"none","typ":"JWT","alg":"RS256"}'),
            "duplicate JSON member",
        ),
        "payload not an object": (minter.token(payload_bytes=b"[1,2,3]"), "malformed token"),
        "payload a string": (minter.token(payload_bytes=b'"hello"'), "malformed token"),
        "payload not JSON": (minter.token(payload_bytes=b"not json at all"), "malformed token"),
        "payload not UTF-8": (minter.token(payload_bytes=b"\xff\xfe{}"), "malformed token"),
        "payload NaN": (
            minter.token(payload_bytes=compact(claims).replace(b'"exp":', b'"x":NaN,"exp":')),
            "malformed token",
        ),
        "header not an object": (minter.token(header_bytes=b'"RS256"'), "malformed token"),
        "two segments": (f"{head}.{body}", "malformed token"),
        "five segments": (f"{head}.{body}.{sig}.{sig}.{sig}", "malformed token"),
        "empty segments": ("..", "malformed token"),
        "padding in segment": (f"{head}.{body}.{sig}==", "malformed token"),
    }


HOSTILE_NAMES = [
    "alg none", "alg None", "alg NONE", "alg none with a signature", "HS256 keyed with the PEM",
    "RS512 with the real key", "PS256 with the real key", "another RSA key", "embedded jwk", "jku",
    "x5u", "kid", "crit", "typ not JWT", "tampered payload", "stripped signature",
    "truncated signature", "bit-flipped signature", "wrong iss", "missing iss", "array iss",
    "look-alike iss with scheme", "look-alike iss with slash", "look-alike iss other port",
    "look-alike iss upper case", "look-alike iss suffix", "wrong aud", "empty aud", "missing aud",
    "null aud", "array aud containing ours", "expired", "exp missing", "exp a string",
    "exp a boolean", "exp a list", "exp a float", "exp 1e400", "exp a huge integer",
    "exp negative", "nbf in the future", "iat in the future", "nbf missing", "iat missing",
    "sub missing", "sub a number", "30-day lifetime", "duplicate exp", "duplicate alg",
    "payload not an object", "payload a string", "payload not JSON", "payload not UTF-8",
    "payload NaN", "header not an object", "two segments", "five segments", "empty segments",
    "padding in segment",
]  # fmt: skip


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_hostile_token_is_refused_as_invalid_token(
    client: FlaskClient, minter: Minter, portal_key, other_key, name: str
) -> None:
    token, reason = _hostile_tokens(minter, portal_key, other_key)[name]
    response = client.get("/api/quotes", headers=bearer(token))
    assert_invalid_token(response, reason)
    assert token not in response.get_data(as_text=True)
    assert token[:20] not in response.headers["WWW-Authenticate"]


def test_every_hostile_case_is_listed(minter: Minter, portal_key, other_key) -> None:
    # The parametrised list and the table must agree, or a case silently stops being tested.
    assert sorted(_hostile_tokens(minter, portal_key, other_key)) == sorted(HOSTILE_NAMES)


def test_20000_deep_nested_claim_is_refused(minter: Minter, key_source: FixedKeySource) -> None:
    from quote_api.validation import InvalidToken, TokenValidator

    claims = compact(portal_claims())
    deep = claims[:-1] + b',"deep":' + b"[" * 20_000 + b"]" * 20_000 + b"}"
    token = minter.token(payload_bytes=deep)
    # Past the size cap it is refused unread; with the cap lifted it must still be a refusal.
    with pytest.raises(InvalidToken) as refused:
        TokenValidator(key_source, ISSUER, CLIENT_ID).validate(token)
    assert refused.value.reason == "token too large"
    uncapped = TokenValidator(key_source, ISSUER, CLIENT_ID, max_token_length=10**7)
    with pytest.raises(InvalidToken) as deep_refused:
        uncapped.validate(token)
    assert deep_refused.value.reason == "malformed token"


def test_20000_deep_nested_claim_over_http_is_invalid_token(
    client: FlaskClient, minter: Minter
) -> None:
    deep = compact(portal_claims())[:-1] + b',"deep":' + b'{"a":' * 20_000 + b"1" + b"}" * 20_001
    response = client.get("/api/quotes", headers=bearer(minter.token(payload_bytes=deep)))
    assert_invalid_token(response)


def test_an_empty_aud_is_accepted_only_with_the_switch(
    db_path, key_source: FixedKeySource, minter: Minter
) -> None:
    from quote_api.app import create_app

    app = create_app(
        {"DB_PATH": str(db_path), "KEY_SOURCE": key_source, "ACCEPT_EMPTY_AUDIENCE": True}
    )
    client = app.test_client()
    assert client.get("/api/whoami", headers=bearer(minter.token(aud=""))).status_code == 200
    assert client.get("/api/whoami", headers=bearer(minter.token())).status_code == 200
    assert_invalid_token(
        client.get("/api/whoami", headers=bearer(minter.token(aud="other"))), "wrong audience"
    )


def test_leeway_of_60_seconds_accepts_slightly_skewed_clocks(
    client: FlaskClient, minter: Minter
) -> None:
    now = int(time.time())
    skewed_ahead = minter.token(iat=now + 30, nbf=now + 30, exp=now + 930)
    just_expired = minter.token(iat=now - 930, nbf=now - 930, exp=now - 30)
    assert client.get("/api/whoami", headers=bearer(skewed_ahead)).status_code == 200
    assert client.get("/api/whoami", headers=bearer(just_expired)).status_code == 200


def test_the_longest_lifetime_the_product_issues_is_accepted(
    client: FlaskClient, minter: Minter
) -> None:
    now = int(time.time())
    token = minter.token(iat=now, nbf=now, exp=now + 3600)
    assert client.get("/api/whoami", headers=bearer(token)).status_code == 200


def test_a_nonce_in_header_and_payload_is_accepted(client: FlaskClient, minter: Minter) -> None:
    token = minter.token(header={"alg": "RS256", "typ": "JWT", "nonce": "n0nce"}, nonce="n0nce")
    assert client.get("/api/whoami", headers=bearer(token)).status_code == 200


def test_validator_reports_the_checks_it_made(key_source: FixedKeySource, minter: Minter) -> None:
    from quote_api.validation import TokenValidator

    result = TokenValidator(key_source, ISSUER, CLIENT_ID).validate(minter.token())
    assert result.claims["sub"] == ALICE
    names = [check.name for check in result.checks]
    assert names[:4] == ["size", "structure", "header", "algorithm"]
    assert {"signature", "issuer", "audience", "lifetime", "PyJWT decode"} <= set(names)
    assert all(check.passed for check in result.checks)


def test_a_refusal_carries_the_failed_check(key_source: FixedKeySource, minter: Minter) -> None:
    from quote_api.validation import InvalidToken, TokenValidator

    with pytest.raises(InvalidToken) as refused:
        TokenValidator(key_source, ISSUER, CLIENT_ID).validate(minter.token(iss="evil"))
    assert refused.value.checks[-1].name == "issuer"
    assert not refused.value.checks[-1].passed
    assert refused.value.checks[-2].passed


class BrokenKeySource:
    """A key source that fails in a way nobody planned for."""

    def get_key(self) -> object:
        """Fail with an unexpected exception."""
        raise TypeError("unexpected")

    def refresh(self) -> None:
        """Never called."""
        raise AssertionError("refresh after an unexpected failure")


def test_an_unexpected_failure_while_checking_is_a_401_not_a_500(db_path, minter: Minter) -> None:
    from quote_api.app import create_app

    app = create_app({"DB_PATH": str(db_path), "KEY_SOURCE": BrokenKeySource()})
    response = app.test_client().get("/api/quotes", headers=bearer(minter.token()))
    assert_invalid_token(response, "token could not be checked")


def test_a_signature_refusal_is_the_last_check(key_source: FixedKeySource, minter: Minter) -> None:
    from quote_api.validation import Check, InvalidToken, TokenValidator

    token = minter.token()
    head, body, _ = token.split(".")
    with pytest.raises(InvalidToken) as refused:
        TokenValidator(key_source, ISSUER, CLIENT_ID).validate(f"{head}.{body}.AAAA")
    assert refused.value.checks[-1] == Check("signature", False, "signature check failed")
