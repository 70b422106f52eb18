"""Token shape and signing, as the Power Pages implicit grant issues them (no Flask here)."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from joserfc import jws
from joserfc.jwk import RSAKey
from joserfc.jws import JWSRegistry
from joserfc.registry import HeaderParameter

ALGORITHMS = ["RS256"]

# The product puts a `nonce` member in the JWT header, which joserfc's strict header check
# would refuse as unknown unless it is registered.
_REGISTRY = JWSRegistry(
    header_registry={"nonce": HeaderParameter("Nonce sent to the authorize endpoint", "str")},
    algorithms=ALGORITHMS,
)


@dataclass(frozen=True)
class SigningKey:
    """A parsed RSA signing key and the public PEM that /publickey serves."""

    thumbprint: str
    jwk: RSAKey
    public_pem: str

    @classmethod
    def from_private_pem(cls, thumbprint: str, private_pem: bytes) -> SigningKey:
        """Parse a PEM private key once, for every token it will sign."""
        private_key = serialization.load_pem_private_key(private_pem, password=None)
        if not isinstance(private_key, rsa.RSAPrivateKey):
            raise ValueError("the implicit grant signs with RSA keys only")
        # One parse (with its key validation) serves both joserfc and the public PEM.
        jwk = RSAKey(private_key, private_key)
        public_pem = (
            private_key.public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            .decode("ascii")
        )
        return cls(thumbprint=thumbprint, jwk=jwk, public_pem=public_pem)


@dataclass(frozen=True)
class TokenSubject:
    """The contact fields a token carries."""

    contact_id: str
    username: str
    given_name: str = ""
    family_name: str = ""
    email: str = ""
    phone_number: str = ""


def chat_block(subject: TokenSubject) -> list[dict[str, Any]]:
    """The legacy `lp_sdes` claim, exactly as real portal tokens carry it."""
    empty_date = {"day": 0, "month": 0, "year": 0}
    return [
        {
            "type": "ctmrinfo",
            "info": {
                "cstatus": None,
                "ctype": "contact",
                "customerId": subject.contact_id,
                "balance": None,
                "socialId": None,
                "imei": "",
                "userName": subject.username,
                "companySize": None,
                "accountName": None,
                "role": None,
                "lastPaymentDate": dict(empty_date),
                "registrationDate": dict(empty_date),
            },
        }
    ]


def build_header(nonce: str | None) -> dict[str, str]:
    """The JWT header: alg, typ and nonce, in the product's order, no kid."""
    return {"alg": "RS256", "typ": "JWT", "nonce": nonce or ""}


def build_claims(
    subject: TokenSubject,
    *,
    client_id: str | None,
    portal_id: str,
    issuer: str,
    lifetime: int,
    nonce: str | None = None,
    now: int | None = None,
) -> dict[str, Any]:
    """The payload claims in the product's order."""
    issued_at = int(time.time()) if now is None else now
    audience = client_id or ""
    claims: dict[str, Any] = {
        "sub": subject.contact_id,
        "preferred_username": subject.username,
        "phone_number": subject.phone_number or "",
        "given_name": subject.given_name or "",
        "family_name": subject.family_name or "",
        "email": subject.email or "",
        "lp_sdes": chat_block(subject),
        "aud": audience,
        "appid": audience,
        "scp": portal_id,
        "iat": issued_at,
        "nbf": issued_at,
        "exp": issued_at + lifetime,
        "iss": issuer,
    }
    if nonce:
        claims["nonce"] = nonce
    return claims


def sign(header: dict[str, str], claims: dict[str, Any], key: SigningKey) -> str:
    """Sign header and claims as a compact JWS with RS256 only."""
    payload = json.dumps(claims, separators=(",", ":"), ensure_ascii=False)
    return jws.serialize_compact(
        header, payload.encode("utf-8"), key.jwk, algorithms=ALGORITHMS, registry=_REGISTRY
    )


def issue_token(
    subject: TokenSubject,
    key: SigningKey,
    *,
    client_id: str | None,
    portal_id: str,
    issuer: str,
    lifetime: int,
    nonce: str | None = None,
    now: int | None = None,
) -> str:
    """Build and sign one fresh token for a signed-in contact."""
    claims = build_claims(
        subject,
        client_id=client_id,
        portal_id=portal_id,
        issuer=issuer,
        lifetime=lifetime,
        nonce=nonce,
        now=now,
    )
    return sign(build_header(nonce), claims, key)
