"""The admin page for the Administrators web role and the JSON admin API."""

from __future__ import annotations

import jwt
import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.portal.support import ADMIN, ALICE_ID, BOB, CLIENT_ID, AuthActions, csrf_from

API = "/_admin/api"


def test_admin_page_needs_sign_in(client: FlaskClient):
    response = client.get("/_admin/")
    assert response.status_code == 302
    assert response.location.startswith("/SignIn?returnUrl=%2F_admin%2F")


def test_admin_page_is_forbidden_without_the_administrators_role(
    client: FlaskClient, auth: AuthActions
):
    auth.sign_in(email=BOB)
    assert client.get("/_admin/").status_code == 403
    assert client.post("/_admin/settings", data={"name": "x", "value": "y"}).status_code == 403


def test_administrator_sees_settings_certificates_and_contacts(
    client: FlaskClient, auth: AuthActions
):
    auth.sign_in(email=ADMIN)
    html = client.get("/_admin/").get_data(as_text=True)
    assert "ImplicitGrantFlow/TokenExpirationTime" in html
    assert "CustomCertificates/ImplicitGrantflow" in html
    assert "Signing tokens" in html
    assert ALICE_ID in html
    assert "pbkdf2" not in html


def test_administrator_changes_a_setting_and_it_applies_at_once(
    client: FlaskClient, auth: AuthActions
):
    auth.sign_in(email=ADMIN)
    token = csrf_from(client.get("/_admin/").get_data(as_text=True))
    response = client.post(
        "/_admin/settings",
        data={
            "__RequestVerificationToken": token,
            "name": "ImplicitGrantFlow/TokenExpirationTime",
            "value": "120",
        },
    )
    assert response.status_code == 302
    assert client.post("/_services/auth/token").headers["expires_in"] == "120"


def test_admin_form_without_anti_forgery_token_is_refused(client: FlaskClient, auth):
    auth.sign_in(email=ADMIN)
    response = client.post("/_admin/certificates", data={"activate": "1"})
    assert response.status_code == 400


def test_administrator_adds_and_switches_to_a_new_certificate(
    app: Flask, client: FlaskClient, auth: AuthActions
):
    auth.sign_in(email=ADMIN)
    old_pem = client.get("/_services/auth/publickey").data
    token = csrf_from(client.get("/_admin/").get_data(as_text=True))
    client.post("/_admin/certificates", data={"__RequestVerificationToken": token, "activate": "1"})
    assert client.get("/_services/auth/publickey").data != old_pem
    assert len(app.extensions["portal_sim"].certificates.list()) == 2


def test_api_needs_the_admin_key(client: FlaskClient):
    missing = client.get(f"{API}/settings")
    wrong = client.get(f"{API}/settings", headers={"X-Admin-Key": "guess"})
    assert missing.status_code == wrong.status_code == 401
    assert set(missing.get_json()) == {"error", "detail"}


def test_api_answers_loopback_callers_only(client: FlaskClient, admin_headers):
    response = client.get(
        f"{API}/settings", headers=admin_headers, environ_base={"REMOTE_ADDR": "192.0.2.7"}
    )
    assert response.status_code == 403
    ipv6 = client.get(f"{API}/settings", headers=admin_headers, environ_base={"REMOTE_ADDR": "::1"})
    assert ipv6.status_code == 200


def test_api_reads_changes_and_resets_settings(client: FlaskClient, admin_headers):
    name = "ImplicitGrantFlow/TokenExpirationTime"
    assert (
        client.get(f"{API}/settings", headers=admin_headers).get_json()["settings"][name] == "900"
    )
    changed = client.put(f"{API}/settings/{name}", json={"value": "300"}, headers=admin_headers)
    assert changed.get_json() == {"name": name, "value": "300"}
    assert (
        client.get(f"{API}/settings", headers=admin_headers).get_json()["settings"][name] == "300"
    )
    reset = client.delete(f"{API}/settings/{name}", headers=admin_headers)
    assert reset.get_json() == {"name": name, "value": "900"}
    assert client.delete(f"{API}/settings/{name}", headers=admin_headers).status_code == 404


@pytest.mark.parametrize("body", [None, [], {"val": "1"}, {"value": {"a": 1}}, {"value": None}])
def test_api_refuses_malformed_setting_bodies(client: FlaskClient, admin_headers, body):
    response = client.put(
        f"{API}/settings/ImplicitGrantFlow/TokenExpirationTime",
        json=body,
        headers=admin_headers,
    )
    assert response.status_code == 400
    assert set(response.get_json()) == {"error", "detail"}


def test_api_lists_contacts_without_password_hashes(client: FlaskClient, admin_headers):
    contacts = client.get(f"{API}/contacts", headers=admin_headers).get_json()["contacts"]
    assert [c["email"] for c in contacts] == [
        "alice@contoso.com",
        "bob@fabrikam.com",
        "admin@contoso.com",
    ]
    assert all("password" not in key for c in contacts for key in c)


def test_api_adds_a_contact_who_can_sign_in_and_get_a_token(
    client: FlaskClient, auth: AuthActions, admin_headers
):
    new_id = "0f000000-0000-4000-8000-000000000001"
    response = client.post(
        f"{API}/contacts",
        json={
            "id": new_id.upper(),
            "email": "carol@contoso.com",
            "password": "Secret#1",
            "given_name": "Carol",
            "family_name": "Cole",
            "phone_number": "+1 555 0100",
        },
        headers=admin_headers,
    )
    assert response.status_code == 201
    assert response.get_json()["id"] == new_id
    auth.sign_in(email="carol@contoso.com", password="Secret#1")
    token = client.post("/_services/auth/token", query_string={"client_id": CLIENT_ID}).data
    claims = jwt.decode(token, options={"verify_signature": False})
    assert (claims["sub"], claims["phone_number"]) == (new_id, "+1 555 0100")


@pytest.mark.parametrize(
    "body",
    [
        {"email": "x@y.z"},
        {"password": "p"},
        {"email": "alice@contoso.com", "password": "p"},
        {"email": "n@y.z", "password": "p", "id": "not-a-guid"},
        {"email": "n@y.z", "password": "p", "web_roles": "Administrators"},
        {"email": "n@y.z", "password": "p", "given_name": 5},
    ],
)
def test_api_refuses_bad_contacts(client: FlaskClient, admin_headers, body):
    assert client.post(f"{API}/contacts", json=body, headers=admin_headers).status_code == 400


def test_api_changes_a_contacts_claims(client: FlaskClient, auth: AuthActions, admin_headers):
    response = client.patch(
        f"{API}/contacts/{ALICE_ID}",
        json={"given_name": "Alicia", "web_roles": ["Authenticated Users", "Administrators"]},
        headers=admin_headers,
    )
    assert response.status_code == 200
    assert response.get_json()["given_name"] == "Alicia"
    auth.sign_in()
    assert client.get("/_admin/").status_code == 200


def test_api_patch_of_unknown_contact_is_404(client: FlaskClient, admin_headers):
    response = client.patch(
        f"{API}/contacts/00000000-0000-4000-8000-000000000000",
        json={"given_name": "X"},
        headers=admin_headers,
    )
    assert response.status_code == 404


def test_api_adds_and_activates_certificates(client: FlaskClient, admin_headers):
    before = client.get(f"{API}/certificates", headers=admin_headers).get_json()["certificates"]
    assert [c["active"] for c in before] == [True]
    assert set(before[0]) == {"thumbprint", "subject", "not_before", "not_after", "active"}
    added = client.post(f"{API}/certificates", json={}, headers=admin_headers)
    assert added.status_code == 201
    assert added.get_json()["active"] is False
    activated = client.post(f"{API}/certificates", json={"activate": True}, headers=admin_headers)
    assert activated.get_json()["active"] is True
    after = client.get(f"{API}/certificates", headers=admin_headers).get_json()["certificates"]
    assert [c["active"] for c in after] == [False, False, True]
