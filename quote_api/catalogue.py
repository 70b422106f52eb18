"""The product catalogue that quotes are made from."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify

from quote_api.auth import require_bearer

bp = Blueprint("catalogue", __name__, url_prefix="/api/products")


@bp.get("")
@require_bearer
def list_products() -> Response:
    """The catalogue: ids, names, list prices and currency."""
    return jsonify({"products": current_app.extensions["quote_api"]["store"].list_products()})
