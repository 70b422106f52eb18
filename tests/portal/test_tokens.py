"""The token: header bytes, claims in the product's order, and verification with PyJWT."""

from __future__ import annotations

import base64
import json

import jwt
from flask.testing import FlaskClient

from portal_sim.certificates import CertificateStore
from portal_sim.tokens import SigningKey, TokenSubject, issue_token
from tests.portal.support import (
    ALICE_ID,
    CLIENT_ID,
    PORTAL_ID,
    AuthActions,
    authorize_query,
    fragment_of,
)

CLAIM_ORDER = [
    "sub",
    "preferred_username",
    "phone_number",
    "given_name",
    "family_name",
    "email",
    "lp_sdes",
    "aud",
    "appid",
    "scp",
    "iat",
    "nbf",
    "exp",
    "iss",
]


def segment(token: str, index: int) -> bytes:
    """One base64url segment of a compact JWT, decoded."""
    part = token.split(".")[index]
    assert "=" not in part, "segments are base64url without padding"
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def token_via_post(client: FlaskClient, **query: str) -> str:
    """A token from POST /_services/auth/token for the signed-in contact."""
    response = client.post("/_services/auth/token", query_string=query)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_header_is_exactly_alg_typ_and_empty_nonce(client: FlaskClient, auth: AuthActions):
    auth.sign_in()
    token = token_via_post(client, client_id=CLIENT_ID)
    assert segment(token, 0) == b'{"alg":"RS256","typ":"JWT","nonce":""}'


def test_header_carries_the_nonce_that_was_sent(client: FlaskClient, auth: AuthActions):
    auth.sign_in()
    token = token_via_post(client, client_id=CLIENT_ID, nonce="n-0S6_WzA2Mj")
    assert segment(token, 0) == b'{"alg":"RS256","typ":"JWT","nonce":"n-0S6_WzA2Mj"}'
    assert json.loads(segment(token, 1))["nonce"] == "n-0S6_WzA2Mj"


def test_claims_come_in_the_products_order(client: FlaskClient, auth: AuthActions):
    auth.sign_in()
    claims = json.loads(segment(token_via_post(client, client_id=CLIENT_ID), 1))
    assert list(claims) == CLAIM_ORDER


def test_claims_describe_the_contact_and_the_portal(client: FlaskClient, auth: AuthActions):
    auth.sign_in()
    claims = json.loads(segment(token_via_post(client, client_id=CLIENT_ID), 1))
    assert claims["sub"] == ALICE_ID
    assert claims["preferred_username"] == "alice@contoso.com"
    assert claims["phone_number"] == ""
    assert (claims["given_name"], claims["family_name"]) == ("Alice", "Adams")
    assert claims["email"] == "alice@contoso.com"
    assert claims["aud"] == claims["appid"] == CLIENT_ID
    assert claims["scp"] == PORTAL_ID
    assert claims["iss"] == "localhost:8000"
    assert claims["nbf"] == claims["iat"]
    assert claims["exp"] == claims["iat"] + 900
    assert "nonce" not in claims


def test_lp_sdes_is_the_legacy_chat_block_byte_for_byte(client: FlaskClient, auth: AuthActions):
    auth.sign_in()
    payload = segment(token_via_post(client, client_id=CLIENT_ID), 1).decode()
    expected = (
        '"lp_sdes":[{"type":"ctmrinfo","info":{"cstatus":null,"ctype":"contact",'
        f'"customerId":"{ALICE_ID}","balance":null,"socialId":null,"imei":"",'
        '"userName":"alice@contoso.com","companySize":null,"accountName":null,"role":null,'
        '"lastPaymentDate":{"day":0,"month":0,"year":0},'
        '"registrationDate":{"day":0,"month":0,"year":0}}}]'
    )
    assert expected in payload


def test_payload_is_compact_json(client: FlaskClient, auth: AuthActions):
    auth.sign_in()
    payload = segment(token_via_post(client, client_id=CLIENT_ID), 1).decode()
    assert json.dumps(json.loads(payload), separators=(",", ":"), ensure_ascii=False) == payload


def test_aud_and_appid_are_empty_without_a_client_id(client: FlaskClient, auth: AuthActions):
    auth.sign_in()
    claims = json.loads(segment(token_via_post(client), 1))
    assert claims["aud"] == ""
    assert claims["appid"] == ""


def test_every_response_carries_a_freshly_signed_token(client: FlaskClient, auth: AuthActions):
    auth.sign_in()
    first = token_via_post(client, client_id=CLIENT_ID, nonce="one")
    second = token_via_post(client, client_id=CLIENT_ID, nonce="two")
    assert first != second
    assert first.split(".")[2] != second.split(".")[2]


def test_token_verifies_with_pyjwt_and_the_published_pem(client: FlaskClient, auth: AuthActions):
    auth.sign_in()
    token = token_via_post(client, client_id=CLIENT_ID)
    pem = client.get("/_services/auth/publickey").get_data(as_text=True)
    claims = jwt.decode(
        token,
        pem,
        algorithms=["RS256"],
        audience=CLIENT_ID,
        issuer="localhost:8000",
        options={"require": ["exp", "iat", "nbf", "sub"]},
    )
    assert claims["sub"] == ALICE_ID


def test_authorize_token_verifies_with_pyjwt_too(client: FlaskClient, auth: AuthActions):
    auth.sign_in()
    location = client.get("/_services/auth/authorize", query_string=authorize_query()).location
    pem = client.get("/_services/auth/publickey").get_data(as_text=True)
    token = fragment_of(location)["token"]
    assert jwt.decode(token, pem, algorithms=["RS256"], audience=CLIENT_ID)["sub"] == ALICE_ID


def test_signing_key_is_parsed_once_per_certificate(tmp_path):
    store = CertificateStore(tmp_path)
    certificate = store.create()
    first = store.signing_key(certificate.thumbprint)
    assert first is not None
    assert store.signing_key(certificate.thumbprint.lower()) is first


def test_issue_token_uses_the_given_time_and_lifetime(tmp_path):
    store = CertificateStore(tmp_path)
    key = store.signing_key(store.create().thumbprint)
    assert isinstance(key, SigningKey)
    subject = TokenSubject(contact_id=ALICE_ID, username="alice", phone_number="")
    token = issue_token(
        subject,
        key,
        client_id=None,
        portal_id=PORTAL_ID,
        issuer="contoso.powerappsportals.com",
        lifetime=60,
        now=1_554_458_531,
    )
    claims = json.loads(segment(token, 1))
    assert (claims["iat"], claims["nbf"], claims["exp"]) == (1_554_458_531,) * 2 + (1_554_458_591,)
    assert claims["iss"] == "contoso.powerappsportals.com"
    assert claims["given_name"] == claims["family_name"] == claims["email"] == ""
