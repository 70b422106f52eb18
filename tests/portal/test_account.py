"""Sign-in, sign-out, the anti-forgery token and the return URL."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from portal_sim.account import safe_return_url
from portal_sim.contacts import ContactStore
from tests.portal.support import ADMIN, ALICE, ALICE_ID, BOB, PASSWORD, AuthActions, csrf_from


def test_sign_in_form_has_the_names_browser_tests_use(client: FlaskClient):
    html = client.get("/SignIn").get_data(as_text=True)
    assert '<label for="email">Email</label>' in html
    assert '<label for="password">Password</label>' in html
    assert '<button type="submit">Sign in</button>' in html
    assert 'name="__RequestVerificationToken"' in html


@pytest.mark.parametrize("email", [ALICE, BOB, ADMIN, "ALICE@contoso.com"])
def test_demo_contacts_sign_in_with_the_demo_password(
    client: FlaskClient, auth: AuthActions, email: str
):
    response = auth.sign_in(email=email)
    assert response.status_code == 302
    assert response.location == "/"


def test_signed_in_contact_is_named_in_the_nav(client: FlaskClient, auth: AuthActions):
    auth.sign_in()
    html = client.get("/").get_data(as_text=True)
    assert "Alice Adams" in html
    assert 'href="/Account/Login/LogOff"' in html


@pytest.mark.parametrize(
    ("email", "password"), [(ALICE, "wrong"), ("nobody@contoso.com", PASSWORD), (ALICE, "")]
)
def test_wrong_credentials_give_one_message_without_a_hint(
    client: FlaskClient, auth: AuthActions, email: str, password: str
):
    response = auth.sign_in(email=email, password=password)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Invalid sign-in attempt." in html
    assert "password is wrong" not in html.lower()
    assert "no such" not in html.lower()
    with client.session_transaction() as session:
        assert "contact_id" not in session


def test_sign_in_without_the_anti_forgery_token_is_refused(client: FlaskClient):
    client.get("/SignIn")
    response = client.post("/SignIn", data={"Email": ALICE, "Password": PASSWORD})
    assert response.status_code == 400
    with client.session_transaction() as session:
        assert "contact_id" not in session


def test_sign_in_with_another_sessions_token_is_refused(client: FlaskClient, app):
    other = app.test_client()
    token = csrf_from(other.get("/SignIn").get_data(as_text=True))
    client.get("/SignIn")
    response = client.post(
        "/SignIn",
        data={"__RequestVerificationToken": token, "Email": ALICE, "Password": PASSWORD},
    )
    assert response.status_code == 400


def test_passwords_are_stored_hashed(app):
    contacts = app.extensions["portal_sim"].contacts
    assert contacts.wait_for_password_hashes(timeout=30)
    contact = contacts.get(ALICE_ID)
    assert PASSWORD not in contact.password_hash
    assert contact.password_hash.startswith("pbkdf2:")


def test_session_cookie_is_httponly_and_samesite_lax(client: FlaskClient, auth: AuthActions):
    response = auth.sign_in()
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_sign_out_forgets_the_contact(client: FlaskClient, auth: AuthActions):
    auth.sign_in()
    response = auth.sign_out()
    assert response.status_code == 302
    assert response.location == "/"
    assert client.post("/_services/auth/token").status_code == 302


@pytest.mark.parametrize(
    "return_url",
    [
        "//evil.example/",
        "http://evil.example/",
        "https://evil.example/",
        "/\\evil.example/",
        "\\\\evil.example/",
        "/\t/evil.example/",
        "/\n/evil.example/",
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "evil.example",
        "",
        "///evil.example",
        " //evil.example",
    ],
)
def test_open_redirect_attempts_go_home(auth: AuthActions, return_url: str):
    response = auth.sign_in(return_url=return_url)
    assert response.status_code == 302
    assert response.location == "/"


@pytest.mark.parametrize("return_url", ["/quote/", "/_services/auth/authorize?client_id=x&a=b"])
def test_same_origin_return_url_is_followed(auth: AuthActions, return_url: str):
    assert auth.sign_in(return_url=return_url).location == return_url


def test_safe_return_url_refuses_anything_with_a_host():
    assert safe_return_url("/ok?next=//evil") == "/ok?next=//evil"
    assert safe_return_url(None) == "/"
    assert safe_return_url("/%0d%0aSet-Cookie:x") == "/%0d%0aSet-Cookie:x"


def test_return_url_to_the_sign_in_page_itself_goes_home(auth: AuthActions):
    assert auth.sign_in(return_url="/SignIn?returnUrl=/quote/").location == "/"


def test_a_sign_in_right_after_start_waits_for_the_background_password_hashes():
    store = ContactStore(hash_method="scrypt")
    store.add_all([{"email": "dana@contoso.com", "password": PASSWORD, "given_name": "Dana"}])
    assert store.authenticate("dana@contoso.com", PASSWORD) is not None
    assert store.authenticate("dana@contoso.com", "Pass@word2") is None
    assert store.authenticate("nobody@contoso.com", PASSWORD) is None
    assert store.find_by_email("dana@contoso.com").password_hash.startswith("scrypt:")
