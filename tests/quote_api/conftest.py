"""Fixtures for the quote API: test RSA keys, a token minter that can forge anything, stand-ins."""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.server
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from flask import Flask
from flask.testing import FlaskClient

from quote_api.app import create_app

PORTAL_URL = "http://localhost:8000"
ISSUER = "localhost:8000"
CLIENT_ID = "quote-demo-client"
PORTAL_ID = "8b4a6f3e-2c1d-4e5f-9a7b-0c1d2e3f4a5b"
ALICE = "5d9c2f1a-7e3b-4a6c-9d8e-0f1a2b3c4d01"
BOB = "5d9c2f1a-7e3b-4a6c-9d8e-0f1a2b3c4d02"
PAT = "5d9c2f1a-7e3b-4a6c-9d8e-0f1a2b3c4d03"

CONTACTS = {
    ALICE: ("alice@contoso.com", "Alice", "Adams"),
    BOB: ("bob@fabrikam.com", "Bob", "Brown"),
    PAT: ("admin@contoso.com", "Pat", "Admin"),
}

_REMOVE = object()


def b64url(data: bytes) -> str:
    """base64url without padding, as JWS uses."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def compact(value: Any) -> bytes:
    """Compact JSON, as the portal writes it."""
    return json.dumps(value, separators=(",", ":")).encode("utf-8")


def public_pem(key: rsa.RSAPrivateKey) -> bytes:
    """The SPKI PEM that the portal's /_services/auth/publickey serves."""
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def sign(signing_input: bytes, key: rsa.RSAPrivateKey, alg: str, hmac_secret: bytes = b"") -> bytes:
    """The signature bytes for `alg` over the JWS signing input."""
    if alg == "RS256":
        return key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
    if alg == "RS512":
        return key.sign(signing_input, padding.PKCS1v15(), hashes.SHA512())
    if alg == "PS256":
        pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
        return key.sign(signing_input, pss, hashes.SHA256())
    if alg == "HS256":
        return hmac.new(hmac_secret, signing_input, hashlib.sha256).digest()
    return b""


def portal_claims(contact_id: str = ALICE, lifetime: int = 900, now: int | None = None) -> dict:
    """The payload of a real portal token, claims in the product's order (SPEC 1.3)."""
    issued = int(time.time()) if now is None else now
    email, given, family = CONTACTS.get(contact_id, ("someone@example.com", "Some", "One"))
    return {
        "sub": contact_id,
        "preferred_username": email,
        "phone_number": "",
        "given_name": given,
        "family_name": family,
        "email": email,
        "lp_sdes": [
            {
                "type": "ctmrinfo",
                "info": {
                    "cstatus": None,
                    "ctype": "contact",
                    "customerId": contact_id,
                    "balance": None,
                    "socialId": None,
                    "imei": "",
                    "userName": email,
                    "companySize": None,
                    "accountName": None,
                    "role": None,
                    "lastPaymentDate": {"day": 0, "month": 0, "year": 0},
                    "registrationDate": {"day": 0, "month": 0, "year": 0},
                },
            }
        ],
        "aud": CLIENT_ID,
        "appid": CLIENT_ID,
        "scp": PORTAL_ID,
        "iat": issued,
        "nbf": issued,
        "exp": issued + lifetime,
        "iss": ISSUER,
    }


class Minter:
    """Builds tokens in the portal's exact shape, or any hostile variation of it."""

    def __init__(self, key: rsa.RSAPrivateKey) -> None:
        self.key = key

    def token(
        self,
        contact_id: str = ALICE,
        *,
        key: rsa.RSAPrivateKey | None = None,
        alg: str = "RS256",
        header: dict | None = None,
        header_bytes: bytes | None = None,
        payload_bytes: bytes | None = None,
        hmac_secret: bytes = b"",
        **changes: Any,
    ) -> str:
        """A signed token; `changes` replace claims (the `remove` sentinel deletes one)."""
        claims = portal_claims(contact_id)
        for name, value in changes.items():
            if value is _REMOVE:
                claims.pop(name, None)
            else:
                claims[name] = value
        if header_bytes is None:
            header_bytes = compact(header if header is not None else self.header(alg))
        if payload_bytes is None:
            payload_bytes = compact(claims)
        signing_input = f"{b64url(header_bytes)}.{b64url(payload_bytes)}".encode("ascii")
        signature = sign(signing_input, key or self.key, alg, hmac_secret)
        return f"{signing_input.decode('ascii')}.{b64url(signature)}"

    @staticmethod
    def header(alg: str = "RS256") -> dict:
        """The product's header, exactly."""
        return {"alg": alg, "typ": "JWT", "nonce": ""}

    remove = _REMOVE


class FixedKeySource:
    """A key source with a test key in memory; counts how often it was asked to refetch."""

    def __init__(self, key: rsa.RSAPrivateKey) -> None:
        self.public_key = key.public_key()
        self.fetch_count = 1
        self.refresh_calls = 0

    def get_key(self) -> Any:
        """The test portal's public key."""
        return self.public_key

    def refresh(self) -> Any | None:
        """Count the request; the key never changes."""
        self.refresh_calls += 1
        return None


class StandInPortal:
    """A tiny HTTP server that serves a PEM at /_services/auth/publickey; can stop and restart."""

    def __init__(self, pem: bytes) -> None:
        self.pem = pem
        self.requests = 0
        self._server: http.server.ThreadingHTTPServer | None = None
        self.port = 0
        self.start()

    @property
    def url(self) -> str:
        """The stand-in portal's origin."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Serve (again, on the same port after a stop)."""
        portal = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                portal.requests += 1
                if self.path != "/_services/auth/publickey":
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(portal.pem)))
                self.end_headers()
                self.wfile.write(portal.pem)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        """Stop serving: connections are then refused."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


@pytest.fixture(scope="session")
def portal_key() -> rsa.RSAPrivateKey:
    """The test portal's signing key."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="session")
def other_key() -> rsa.RSAPrivateKey:
    """A key that is not the portal's."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def minter(portal_key: rsa.RSAPrivateKey) -> Minter:
    """Mints tokens signed with the portal's key by default."""
    return Minter(portal_key)


@pytest.fixture
def key_source(portal_key: rsa.RSAPrivateKey) -> FixedKeySource:
    """The injected key source holding the portal's public key."""
    return FixedKeySource(portal_key)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """A fresh database file per test."""
    return tmp_path / "quotes.db"


@pytest.fixture
def make_app(db_path: Path, key_source: FixedKeySource) -> Callable[..., Flask]:
    """Build the app against the test key, for a portal at http://localhost:8000; keyword
    arguments add to or replace its config."""

    def build(**config: Any) -> Flask:
        return create_app(
            {
                "PORTAL_URL": PORTAL_URL,
                "CLIENT_ID": CLIENT_ID,
                "DB_PATH": str(db_path),
                "KEY_SOURCE": key_source,
                "TESTING": True,
                **config,
            }
        )

    return build


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    """The app against the test key, as for a portal at http://localhost:8000."""
    return make_app()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client of the app."""
    return app.test_client()


@pytest.fixture
def stand_in_portal(portal_key: rsa.RSAPrivateKey) -> Iterator[StandInPortal]:
    """A running stand-in portal serving the portal key's PEM."""
    portal = StandInPortal(public_pem(portal_key))
    yield portal
    portal.stop()


def bearer(token: str) -> dict[str, str]:
    """The Authorization header for a token."""
    return {"Authorization": f"Bearer {token}"}


def new_guid() -> str:
    """A fresh contact id."""
    return str(uuid.uuid4())
