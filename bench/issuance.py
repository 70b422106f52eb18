"""Token issuance: the portal's two endpoints, the peer's /token and raw in-process signing."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import jwt
import requests
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from bench.loadgen import LoadSpec, run_side_by_side
from bench.stack import Stack
from portal_sim.tokens import SigningKey, TokenSubject, issue_token
from tests.reliability.portal_client import (
    ALICE,
    CLIENT_ID,
    authorize_url,
    cookie_header,
    fetch_token,
    sign_in,
)


def rate_of(work: Callable[[], object], seconds: float = 2.0) -> float:
    """Calls per second of `work()` in this process, run for about `seconds`."""
    work()
    count = 0
    started = time.perf_counter()
    deadline = started + seconds
    while time.perf_counter() < deadline:
        for _ in range(20):
            work()
        count += 20
    return count / (time.perf_counter() - started)


def raw_signing_rates(private_pem: bytes) -> dict[str, float]:
    """RS256 signatures per second with the portal's own key: bare RSA, and a whole token."""
    private_key = serialization.load_pem_private_key(private_pem, password=None)
    if not isinstance(private_key, rsa.RSAPrivateKey):
        raise TypeError("the portal's signing key is not RSA")
    message = b"x" * 900  # about the size of a portal token's signing input
    bare = rate_of(lambda: private_key.sign(message, padding.PKCS1v15(), hashes.SHA256()))
    key = SigningKey.from_private_pem("bench", private_pem)
    subject = TokenSubject("5d9c2f1a-7e3b-4a6c-9d8e-0f1a2b3c4d01", "alice@contoso.com")
    whole = rate_of(
        lambda: issue_token(
            subject,
            key,
            client_id=CLIENT_ID,
            portal_id="8b4a6f3e-2c1d-4e5f-9a7b-0c1d2e3f4a5b",
            issuer="localhost:8000",
            lifetime=900,
            nonce="bench",
        )
    )
    return {"rsa_sign_per_s": round(bare, 1), "issue_token_per_s": round(whole, 1)}


def check_tokens_are_fresh(
    stack: Stack, session: requests.Session, count: int = 20
) -> dict[str, Any]:
    """Ask for `count` tokens with distinct nonces: each must differ and verify with /publickey."""
    public_pem = stack.public_key_pem()
    tokens = [fetch_token(session, stack.portal.origin, nonce=f"fresh{n}") for n in range(count)]
    for number, token in enumerate(tokens):
        claims = jwt.decode(
            token,
            public_pem,
            algorithms=["RS256"],
            audience=CLIENT_ID,
            options={"verify_iss": False},
        )
        if claims.get("nonce") != f"fresh{number}":
            raise AssertionError("a token came back for another request's nonce")
    return {"sampled": count, "distinct": len(set(tokens)), "all_verified": True}


def measure_issuance(
    stack: Stack,
    peer_origin: str | None,
    connections: int,
    duration: float,
    rounds: int = 3,
) -> dict[str, Any]:
    """Tokens per second from authorize (302s), POST /token (200s) and the peer, same load."""
    session = sign_in(stack.portal.origin, *ALICE)
    cookie = cookie_header(session)
    origin = stack.portal.origin
    specs = {
        "authorize": LoadSpec(
            url=authorize_url(origin, state="bench"),
            headers={"Cookie": cookie},
            unique_nonce=True,
            expect="location-token",
            connections=connections,
            duration=duration,
        ),
        "token_post": LoadSpec(
            url=f"{origin}/_services/auth/token?client_id={CLIENT_ID}&state=bench",
            method="POST",
            body="",
            headers={"Cookie": cookie, "X-Requested-With": "XMLHttpRequest"},
            unique_nonce=True,
            expect="body-jwt",
            connections=connections,
            duration=duration,
        ),
    }
    if peer_origin is not None:
        specs["peer_token"] = LoadSpec(
            url=f"{peer_origin}/token",
            method="POST",
            body="grant_type=client_credentials&scope=bench{n}",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            expect="json-token",
            connections=connections,
            duration=duration,
        )
    results: dict[str, Any] = run_side_by_side(specs, rounds)
    results["raw"] = raw_signing_rates(stack.signing_key_pem())
    results["freshness"] = check_tokens_are_fresh(stack, session)
    return results
