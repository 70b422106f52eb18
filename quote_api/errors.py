"""Every error as JSON: client mistakes get their 4xx, never a 500."""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify
from werkzeug.exceptions import HTTPException, InternalServerError

from quote_api.auth import invalid_request

log = logging.getLogger("quote_api")

_NAMES = {
    404: "not_found",
    405: "method_not_allowed",
    413: "request_too_large",
    415: "unsupported_media_type",
    431: "request_header_fields_too_large",
}


def handle_http_error(error: HTTPException) -> Response:
    """An HTTP error as JSON, keeping its headers (such as Allow on a 405)."""
    code = error.code or 500
    if code == 400:
        return invalid_request("malformed request")
    response = jsonify(
        {
            "error": _NAMES.get(code, "http_error"),
            "error_description": (error.name or "error").lower(),
        }
    )
    response.status_code = code
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def handle_unexpected(error: Exception) -> Response:
    """A bug of ours: logged with its traceback, answered with a bare JSON 500."""
    if isinstance(error, HTTPException) and not isinstance(error, InternalServerError):
        return handle_http_error(error)
    log.exception("unhandled error")
    response = jsonify({"error": "internal_error", "error_description": "internal error"})
    response.status_code = 500
    return response


def init_app(app: Flask) -> None:
    """Register the JSON error handlers."""
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(Exception, handle_unexpected)
