"""Certificates: thumbprints, storage, selection and the key-rotation demo."""

from __future__ import annotations

import hashlib
import json
import stat
from pathlib import Path

import jwt
import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from flask import Flask
from flask.testing import FlaskClient

from portal_sim import create_app
from portal_sim.certificates import CertificateStore
from portal_sim.settings import CERTIFICATE
from tests.portal.support import CLIENT_ID, AuthActions

PUBLICKEY = "/_services/auth/publickey"


def test_thumbprint_is_the_uppercase_sha1_of_the_certificate(tmp_path: Path):
    store = CertificateStore(tmp_path)
    made = store.create()
    der = x509.load_pem_x509_certificate(
        (tmp_path / f"{made.thumbprint}.crt").read_bytes()
    ).public_bytes(Encoding.DER)
    assert made.thumbprint == hashlib.sha1(der).hexdigest().upper()  # noqa: S324 - the thumbprint is SHA-1 by definition
    assert len(made.thumbprint) == 40


def test_certificate_is_self_signed_2048_bit_rsa(tmp_path: Path):
    made = CertificateStore(tmp_path).create()
    cert = x509.load_pem_x509_certificate((tmp_path / f"{made.thumbprint}.crt").read_bytes())
    assert cert.subject == cert.issuer
    assert cert.public_key().key_size == 2048


def test_key_files_are_readable_by_their_owner_only(tmp_path: Path):
    made = CertificateStore(tmp_path).create()
    for suffix in ("key", "crt"):
        mode = stat.S_IMODE((tmp_path / f"{made.thumbprint}.{suffix}").stat().st_mode)
        assert mode == 0o600


def test_first_start_makes_a_certificate_and_selects_it(tmp_path: Path, config):
    config["DATA_DIR"] = str(tmp_path / "fresh")
    app = create_app(config)
    portal = app.extensions["portal_sim"]
    [only] = portal.certificates.list()
    assert portal.settings.configured()[CERTIFICATE] == only.thumbprint
    restarted = create_app(config).extensions["portal_sim"]
    assert [c.thumbprint for c in restarted.certificates.list()] == [only.thumbprint]


def test_a_restart_keeps_signing_with_the_newest_certificate(tmp_path: Path, config):
    config["DATA_DIR"] = str(tmp_path / "rotated")
    first = create_app(config).extensions["portal_sim"]
    rotated = first.certificates.create()
    restarted = create_app(config).extensions["portal_sim"]
    assert len(restarted.certificates.list()) == 2
    assert restarted.settings.configured()[CERTIFICATE] == rotated.thumbprint
    assert restarted.signing_key().thumbprint == rotated.thumbprint


def test_thumbprint_lookup_ignores_case_and_spaces(tmp_path: Path):
    store = CertificateStore(tmp_path)
    made = store.create()
    spaced = " ".join(made.thumbprint[i : i + 2] for i in range(0, 40, 2)).lower()
    assert store.signing_key(spaced) is store.signing_key(made.thumbprint)


def test_switching_the_certificate_changes_publickey_and_signature(
    app: Flask, client: FlaskClient, auth: AuthActions
):
    auth.sign_in()
    old_pem = client.get(PUBLICKEY).get_data(as_text=True)
    old_token = client.post("/_services/auth/token", query_string={"client_id": CLIENT_ID})
    portal = app.extensions["portal_sim"]
    new = portal.certificates.create()
    portal.settings.set(CERTIFICATE, new.thumbprint)

    new_pem = client.get(PUBLICKEY).get_data(as_text=True)
    new_token = client.post("/_services/auth/token", query_string={"client_id": CLIENT_ID})
    assert new_pem != old_pem
    assert jwt.decode(
        new_token.get_data(as_text=True), new_pem, algorithms=["RS256"], audience=CLIENT_ID
    )
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(
            new_token.get_data(as_text=True), old_pem, algorithms=["RS256"], audience=CLIENT_ID
        )
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(
            old_token.get_data(as_text=True), new_pem, algorithms=["RS256"], audience=CLIENT_ID
        )


@pytest.mark.parametrize("thumbprint", ["0" * 40, "not-a-thumbprint", "", "../session"])
def test_unknown_certificate_is_portalsts0018(
    app: Flask, client: FlaskClient, auth: AuthActions, thumbprint: str
):
    app.extensions["portal_sim"].settings.set(CERTIFICATE, thumbprint)
    auth.sign_in()
    for response in (
        client.get(
            "/_services/auth/authorize",
            query_string={
                "client_id": CLIENT_ID,
                "redirect_uri": "http://localhost:8000/quote-callback/",
            },
        ),
        client.post("/_services/auth/token"),
        client.get(PUBLICKEY),
    ):
        assert response.status_code == 400
        assert "Location" not in response.headers
        assert json.loads(response.get_data())["ErrorId"] == "PortalSTS0018"


def test_private_key_is_never_served(app: Flask, client: FlaskClient, auth: AuthActions):
    auth.sign_in()
    key_file = next(Path(app.config["DATA_DIR"], "certificates").glob("*.key"))
    private_lines = key_file.read_text().splitlines()[1:-1]
    bodies = [
        client.get(PUBLICKEY).get_data(as_text=True),
        client.post("/_services/auth/token").get_data(as_text=True),
        client.get("/_admin/", follow_redirects=True).get_data(as_text=True),
    ]
    for body in bodies:
        assert "PRIVATE KEY" not in body
        assert not any(line in body for line in private_lines)
