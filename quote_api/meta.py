"""Liveness and the OpenAPI document: open to anyone, no token."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify

from quote_api.openapi import openapi_document

bp = Blueprint("meta", __name__)


@bp.get("/healthz")
def healthz() -> Response:
    """Liveness: answers even while the portal is down."""
    return jsonify({"status": "ok"})


@bp.get("/openapi.json")
def openapi() -> Response:
    """The API's OpenAPI 3.1 document."""
    inspector = current_app.extensions["quote_api"].get("record") is not None
    return jsonify(openapi_document(inspector=inspector))
