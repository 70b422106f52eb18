"""Nothing a client sends makes the portal answer 500."""

from __future__ import annotations

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal_sim import create_app
from tests.portal.support import ADMIN_KEY, AuthActions

PARAMETERS = ["client_id", "redirect_uri", "state", "nonce", "response_type", "returnUrl"]
garbage = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=60)
queries = st.dictionaries(st.sampled_from(PARAMETERS), garbage, max_size=6)


@pytest.fixture(scope="module")
def shared_app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    """One portal for all generated requests, so the search stays fast."""
    return create_app(
        {
            "TESTING": True,
            "DATA_DIR": str(tmp_path_factory.mktemp("robust")),
            "ADMIN_KEY": ADMIN_KEY,
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        }
    )


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(query=queries, signed_in=st.booleans(), ajax=st.booleans())
def test_auth_endpoints_never_answer_500(shared_app: Flask, query, signed_in, ajax):
    client = shared_app.test_client()
    if signed_in:
        AuthActions(client).sign_in()
    headers = {"X-Requested-With": "XMLHttpRequest"} if ajax else {}
    for method, path in (
        ("GET", "/_services/auth/authorize"),
        ("GET", "/_services/auth/token"),
        ("POST", "/_services/auth/token"),
        ("GET", "/_services/auth/publickey"),
    ):
        response = client.open(path, method=method, query_string=query, headers=headers)
        assert response.status_code < 500
        if response.status_code == 302:
            location = response.location
            assert location.startswith(("/SignIn?returnUrl=", "http://localhost:8000/"))


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(email=garbage, password=garbage, return_url=garbage, token=garbage)
def test_sign_in_never_answers_500(shared_app: Flask, email, password, return_url, token):
    client = shared_app.test_client()
    client.get("/SignIn")
    response = client.post(
        "/SignIn",
        query_string={"returnUrl": return_url},
        data={"Email": email, "Password": password, "__RequestVerificationToken": token},
    )
    assert response.status_code in (200, 400)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(name=garbage, body=st.one_of(garbage, st.binary(max_size=40)))
def test_admin_api_never_answers_500(shared_app: Flask, name, body):
    client = shared_app.test_client()
    headers = {"X-Admin-Key": ADMIN_KEY, "Content-Type": "application/json"}
    path = "/_admin/api/settings/" + (name.replace("/", "") or "x")
    for method in ("PUT", "DELETE"):
        response = client.open(path, method=method, data=body, headers=headers)
        assert response.status_code < 500
    for method, path in (("POST", "/_admin/api/contacts"), ("PATCH", "/_admin/api/contacts/x")):
        response = client.open(path, method=method, data=body, headers=headers)
        assert response.status_code < 500


def test_oversized_and_odd_requests_do_not_answer_500(shared_app: Flask):
    client = shared_app.test_client()
    assert client.post("/SignIn", data="x" * 200_000).status_code == 413
    assert client.get("/_services/auth/authorize?%ff%fe=%c0%af").status_code < 500
    assert client.open("/SignIn", method="DELETE").status_code == 405
    assert client.get("/_admin/api/settings", headers={"X-Admin-Key": "\u00e9"}).status_code == 401
