"""Quote API rate: GET /api/quotes with a valid token, its own /healthz, and PyJWT's raw verify."""

from __future__ import annotations

from typing import Any

import jwt
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from bench.issuance import rate_of
from bench.loadgen import LoadSpec, run_side_by_side
from bench.stack import Stack
from tests.reliability.portal_client import ALICE, CLIENT_ID, fetch_token, sign_in

# The quote API remembers the last 1024 verified tokens. Each of wrk's 2 threads (or 16 asyncio
# connections) cycles through its own share of these, larger than its share of that memory, so
# every request is a full check.
FRESH_TOKENS = 1500


def measure_api(stack: Stack, connections: int, duration: float, rounds: int = 3) -> dict[str, Any]:
    """Requests per second and latency of the API's read route next to its health route."""
    session = sign_in(stack.portal.origin, *ALICE)
    token = fetch_token(session, stack.portal.origin)
    # More distinct tokens than the API remembers, sent in a cycle: every check is a full one.
    fresh_tokens = [
        fetch_token(session, stack.portal.origin, nonce=f"u{number}")
        for number in range(FRESH_TOKENS)
    ]
    specs = {
        "quotes": LoadSpec(
            url=f"{stack.api.origin}/api/quotes",
            headers={"Authorization": f"Bearer {token}"},
            expect="status:200",
            connections=connections,
            duration=duration,
        ),
        "quotes_fresh_tokens": LoadSpec(
            url=f"{stack.api.origin}/api/quotes",
            bearer_tokens=fresh_tokens,
            expect="status:200",
            connections=connections,
            duration=duration,
        ),
        "healthz": LoadSpec(
            url=f"{stack.api.origin}/healthz",
            expect="status:200",
            connections=connections,
            duration=duration,
        ),
    }
    results: dict[str, Any] = run_side_by_side(specs, rounds)
    # A parsed key, as the API caches it: the figure is verification, not PEM parsing.
    public_key = load_pem_public_key(stack.public_key_pem())
    issuer = stack.portal.origin.removeprefix("http://")
    results["pyjwt_verify_per_s"] = round(
        rate_of(
            lambda: jwt.decode(
                token, public_key, algorithms=["RS256"], audience=CLIENT_ID, issuer=issuer
            )
        ),
        1,
    )
    return results
