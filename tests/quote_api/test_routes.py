"""Routes: quotes, products, whoami, the OpenAPI document and JSON errors."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from quote_api.openapi import openapi_document
from tests.quote_api.conftest import ALICE, BOB, PAT, Minter, bearer


def test_healthz_answers_without_a_token(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}


def test_a_contact_sees_only_their_own_quotes(client: FlaskClient, minter: Minter) -> None:
    alice = client.get("/api/quotes", headers=bearer(minter.token(ALICE))).json["quotes"]
    bob = client.get("/api/quotes", headers=bearer(minter.token(BOB))).json["quotes"]
    assert len(alice) >= 2 and len(bob) >= 2
    assert not {q["number"] for q in alice} & {q["number"] for q in bob}
    for quote in alice + bob:
        assert {"number", "product", "quantity", "total", "currency", "status"} <= set(quote)


def test_another_contacts_quote_is_404_like_a_missing_one(
    client: FlaskClient, minter: Minter
) -> None:
    bobs_number = client.get("/api/quotes", headers=bearer(minter.token(BOB))).json["quotes"][0][
        "number"
    ]
    as_alice = client.get(f"/api/quotes/{bobs_number}", headers=bearer(minter.token(ALICE)))
    missing = client.get("/api/quotes/Q-999999", headers=bearer(minter.token(ALICE)))
    assert as_alice.status_code == 404
    assert (
        as_alice.json
        == missing.json
        == {"error": "not_found", "error_description": "no such quote"}
    )
    as_bob = client.get(f"/api/quotes/{bobs_number}", headers=bearer(minter.token(BOB)))
    assert as_bob.status_code == 200
    assert as_bob.json["number"] == bobs_number


@pytest.mark.parametrize("number", ["nonsense", "Q-", "Q-0", "Q-1", "q-1001", "Q-1001x", "%00"])
def test_a_quote_number_that_is_not_one_of_ours_is_404(
    client: FlaskClient, minter: Minter, number: str
) -> None:
    response = client.get(f"/api/quotes/{number}", headers=bearer(minter.token()))
    assert response.status_code == 404


def test_posting_a_quote_prices_it_and_answers_201_with_location(
    client: FlaskClient, minter: Minter
) -> None:
    token = minter.token(BOB)
    response = client.post(
        "/api/quotes", json={"product_id": "CPQ-PRO", "quantity": 50}, headers=bearer(token)
    )
    assert response.status_code == 201
    quote = response.json
    assert re.fullmatch(r"Q-1\d{3}", quote["number"])
    assert response.headers["Location"] == f"/api/quotes/{quote['number']}"
    assert quote["status"] == "Draft"
    # 50 x 660.00 = 33000.00; 10 % volume tier -> 29700.00; Fabrikam's 3 % -> 28809.00
    assert quote["subtotal"] == 33000.0
    assert quote["volume_discount_percent"] == 10.0
    assert quote["account_discount_percent"] == 3.0
    assert quote["total"] == 28809.0
    assert quote["currency"] == "USD"
    assert quote["valid_until"] > quote["created_at"][:10]
    again = client.get(response.headers["Location"], headers=bearer(token))
    assert again.json == quote
    listed = client.get("/api/quotes", headers=bearer(token)).json["quotes"]
    assert quote["number"] in {q["number"] for q in listed}


def test_new_quote_numbers_follow_the_seeded_ones(client: FlaskClient, minter: Minter) -> None:
    token = minter.token()
    numbers = [
        client.post(
            "/api/quotes", json={"product_id": "CPQ-BASIC", "quantity": 1}, headers=bearer(token)
        ).json["number"]
        for _ in range(3)
    ]
    values = [int(n.removeprefix("Q-")) for n in numbers]
    assert values == sorted(values) and len(set(values)) == 3 and values[0] > 1001


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"product_id": "NOPE", "quantity": 1}, {"product_id"}),
        ({"product_id": "CPQ-PRO", "quantity": 0}, {"quantity"}),
        ({"product_id": "CPQ-PRO", "quantity": 10001}, {"quantity"}),
        ({"product_id": "CPQ-PRO", "quantity": 2.5}, {"quantity"}),
        ({"product_id": "CPQ-PRO", "quantity": "3"}, {"quantity"}),
        ({"product_id": "CPQ-PRO", "quantity": True}, {"quantity"}),
        ({"product_id": 7, "quantity": 1}, {"product_id"}),
        ({"quantity": 1}, {"product_id"}),
        ({"product_id": "CPQ-PRO"}, {"quantity"}),
        ({"product_id": "CPQ-PRO", "quantity": 1, "total": 0}, {"total"}),
        ({}, {"product_id", "quantity"}),
        ([], {"(body)"}),
        ("CPQ-PRO", {"(body)"}),
    ],
)
def test_a_bad_quote_body_is_400_with_what_is_wrong(
    client: FlaskClient, minter: Minter, body: object, fields: set[str]
) -> None:
    response = client.post("/api/quotes", json=body, headers=bearer(minter.token()))
    assert response.status_code == 400
    assert response.json["error"] == "invalid_request"
    assert {problem["field"] for problem in response.json["errors"]} == fields
    assert response.headers["WWW-Authenticate"] == (
        'Bearer realm="quote-api", error="invalid_request", '
        'error_description="invalid quote request"'
    )


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        (b'{"product_id": "CPQ-PRO", "quantity": 1', "application/json"),
        (b'{"product_id": "CPQ-PRO", "quantity": 1, "quantity": 5}', "application/json"),
        (b'{"product_id": "CPQ-PRO", "quantity": 1e400}', "application/json"),
        (b"[" * 50_00 + b"]" * 50_00, "application/json"),
        (b"\xff\xfe", "application/json"),
        (b'{"product_id": "CPQ-PRO", "quantity": 1}', "text/plain"),
        (b"product_id=CPQ-PRO&quantity=1", "application/x-www-form-urlencoded"),
    ],
    ids=["truncated", "duplicate", "1e400", "deep", "not-utf8", "text-plain", "form"],
)
def test_an_unreadable_quote_body_is_400(
    client: FlaskClient, minter: Minter, data: bytes, content_type: str
) -> None:
    response = client.post(
        "/api/quotes",
        data=data,
        headers={**bearer(minter.token()), "Content-Type": content_type},
    )
    assert response.status_code == 400
    assert response.json["errors"][0]["field"] == "(body)"


def test_a_body_over_the_limit_is_413_json(client: FlaskClient, minter: Minter) -> None:
    response = client.post(
        "/api/quotes",
        data=b"{" + b" " * 20_000 + b"}",
        headers={**bearer(minter.token()), "Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json["error"] == "request_too_large"


def test_an_unknown_field_name_is_not_reflected_in_full(
    client: FlaskClient, minter: Minter
) -> None:
    secret = "s" * 500
    response = client.post(
        "/api/quotes",
        json={"product_id": "CPQ-PRO", "quantity": 1, secret: 1},
        headers=bearer(minter.token()),
    )
    assert response.status_code == 400
    assert secret not in response.get_data(as_text=True)


def test_a_quote_body_is_never_read_without_a_token(client: FlaskClient) -> None:
    response = client.post("/api/quotes", json={"product_id": "CPQ-PRO", "quantity": 1})
    assert response.status_code == 401


def test_products_list_the_catalogue(client: FlaskClient, minter: Minter) -> None:
    products = client.get("/api/products", headers=bearer(minter.token())).json["products"]
    assert len(products) >= 6
    for product in products:
        assert set(product) == {"id", "name", "unit_price", "currency"}
        assert product["unit_price"] > 0


def test_every_product_can_be_quoted(client: FlaskClient, minter: Minter) -> None:
    token = minter.token(PAT)
    for product in client.get("/api/products", headers=bearer(token)).json["products"]:
        response = client.post(
            "/api/quotes", json={"product_id": product["id"], "quantity": 2}, headers=bearer(token)
        )
        assert response.status_code == 201
        assert response.json["product"] == product["name"]


def test_whoami_answers_like_microsofts_sample(client: FlaskClient, minter: Minter) -> None:
    response = client.get("/api/whoami", headers=bearer(minter.token(ALICE)))
    assert response.json == {
        "name": "Alice Adams",
        "email": "alice@contoso.com",
        "customerId": ALICE,
        "userName": "alice@contoso.com",
    }


def test_whoami_copes_with_a_token_without_the_chat_block(
    client: FlaskClient, minter: Minter
) -> None:
    token = minter.token(ALICE, lp_sdes="not a list", given_name=None)
    response = client.get("/api/whoami", headers=bearer(token))
    assert response.status_code == 200
    assert response.json["customerId"] == ALICE
    assert response.json["name"] == "Adams"


def test_unknown_route_is_json_404(client: FlaskClient) -> None:
    response = client.get("/api/nothing-here")
    assert response.status_code == 404
    assert response.json["error"] == "not_found"


def test_wrong_method_is_json_405_with_allow(client: FlaskClient) -> None:
    response = client.delete("/api/quotes")
    assert response.status_code == 405
    assert response.json["error"] == "method_not_allowed"
    assert "POST" in response.headers["Allow"]


def _app_routes(app: Flask) -> set[tuple[str, str]]:
    routes = set()
    for rule in app.url_map.iter_rules():
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)
        for method in rule.methods or ():
            if method not in {"HEAD", "OPTIONS"}:
                routes.add((path, method.lower()))
    return routes


def test_the_openapi_document_and_the_app_agree(app: Flask, client: FlaskClient) -> None:
    served = client.get("/openapi.json").json
    assert served == openapi_document()
    assert served["openapi"].startswith("3.1")
    documented = {
        (path, method) for path, operations in served["paths"].items() for method in operations
    }
    assert documented == _app_routes(app)


def test_protected_routes_are_documented_as_protected(app: Flask, client: FlaskClient) -> None:
    served = client.get("/openapi.json").json
    for path, operations in served["paths"].items():
        for operation in operations.values():
            protected = path.startswith("/api/")
            assert ("security" in operation) == protected, path
            if protected:
                assert {"401", "503"} <= set(operation["responses"])
