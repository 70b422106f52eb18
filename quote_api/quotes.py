"""The caller's quotes: list, read one, ask for a new one."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, g, jsonify, request, url_for

from quote_api.auth import invalid_request, require_bearer
from quote_api.storage import Store
from quote_api.validation import strict_json_loads

bp = Blueprint("quotes", __name__, url_prefix="/api/quotes")

MIN_QUANTITY = 1
MAX_QUANTITY = 10_000
QUOTE_FIELDS = ("product_id", "quantity")


def _store() -> Store:
    store: Store = current_app.extensions["quote_api"]["store"]
    return store


def _not_found() -> Response:
    response = jsonify({"error": "not_found", "error_description": "no such quote"})
    response.status_code = 404
    return response


@bp.get("")
@require_bearer
def list_quotes() -> Response:
    """The signed-in contact's quotes."""
    return jsonify({"quotes": _store().list_quotes(g.contact_id)})


@bp.get("/<number>")
@require_bearer
def get_quote(number: str) -> Response:
    """One of the contact's quotes; another contact's number is 404, exactly like a missing one."""
    quote = _store().get_quote(g.contact_id, number)
    if quote is None:
        return _not_found()
    return jsonify(quote)


def parse_quote_request(raw: bytes, mimetype: str, store: Store) -> tuple[dict[str, Any], list]:
    """Read a quote request body; return the fields and a list of problems (empty when good)."""
    problems: list[dict[str, str]] = []
    if mimetype != "application/json":
        return {}, [{"field": "(body)", "message": "Content-Type must be application/json"}]
    try:
        body = strict_json_loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError):
        return {}, [{"field": "(body)", "message": "body must be valid JSON without duplicates"}]
    if not isinstance(body, dict):
        return {}, [{"field": "(body)", "message": "body must be a JSON object"}]
    for name in body:
        if name not in QUOTE_FIELDS:
            # Field names are the client's own text: cut short, never reflected in full.
            problems.append({"field": name[:40], "message": "unknown field"})
    product_id = body.get("product_id")
    if "product_id" not in body:
        problems.append({"field": "product_id", "message": "required"})
    elif not isinstance(product_id, str) or store.get_product(product_id) is None:
        problems.append({"field": "product_id", "message": "must be the id of a catalogue product"})
    quantity = body.get("quantity")
    if "quantity" not in body:
        problems.append({"field": "quantity", "message": "required"})
    elif (
        not isinstance(quantity, int)
        or isinstance(quantity, bool)
        or not MIN_QUANTITY <= quantity <= MAX_QUANTITY
    ):
        problems.append(
            {
                "field": "quantity",
                "message": f"must be an integer from {MIN_QUANTITY} to {MAX_QUANTITY}",
            }
        )
    return {"product_id": product_id, "quantity": quantity}, problems


@bp.post("")
@require_bearer
def create_quote() -> Response:
    """Price and store a new Draft quote for the contact; 201 with its Location."""
    store = _store()
    fields, problems = parse_quote_request(request.get_data(cache=False), request.mimetype, store)
    if problems:
        return invalid_request("invalid quote request", {"errors": problems})
    quote = store.create_quote(g.contact_id, fields["product_id"], fields["quantity"])
    response = jsonify(quote)
    response.status_code = 201
    response.headers["Location"] = url_for("quotes.get_quote", number=quote["number"])
    return response
