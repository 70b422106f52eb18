"""The bearer-token guard on the protected routes, and the RFC 6750 answers it gives."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Response, current_app, g, jsonify, request

from quote_api import inspector
from quote_api.validation import (
    TOO_LARGE,
    Check,
    InvalidToken,
    PortalUnreachable,
    TokenValidator,
)

# Refused before any decoding: no real portal token comes near this size.
MAX_AUTHORIZATION_BYTES = 8 * 1024
# RFC 6750 section 2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
_B64TOKEN = re.compile(r"[A-Za-z0-9\-._~+/]+=*")

F = TypeVar("F", bound=Callable[..., Any])


def _challenge(status: int, error: str | None, description: str | None, body: dict) -> Response:
    realm = current_app.config["REALM"]
    parts = [f'realm="{realm}"']
    if error is not None:
        parts.append(f'error="{error}"')
    if description is not None:
        parts.append(f'error_description="{description}"')
    response = jsonify(body)
    response.status_code = status
    response.headers["WWW-Authenticate"] = "Bearer " + ", ".join(parts)
    return response


def missing_token() -> Response:
    """401 with a bare challenge: no bearer token was sent (RFC 6750 section 3.1)."""
    return _challenge(
        401,
        None,
        None,
        {"error": "missing_token", "error_description": "a bearer token is required"},
    )


def invalid_token(reason: str) -> Response:
    """401 invalid_token with one of the validator's fixed reasons."""
    g.refusal_reason = reason
    return _challenge(
        401, "invalid_token", reason, {"error": "invalid_token", "error_description": reason}
    )


def invalid_request(description: str, body: dict | None = None) -> Response:
    """400 invalid_request with a fixed description (and, for bodies, the list of problems)."""
    g.refusal_reason = description
    payload = {"error": "invalid_request", "error_description": description}
    if body:
        payload.update(body)
    return _challenge(400, "invalid_request", description, payload)


def portal_unavailable(reason: str) -> Response:
    """503 with Retry-After: the portal's key cannot be had, so no token can be judged."""
    g.refusal_reason = reason
    response = jsonify(
        {
            "error": "temporarily_unavailable",
            "error_description": "the portal's token signing key cannot be fetched",
            "reason": reason,
        }
    )
    response.status_code = 503
    response.headers["Retry-After"] = str(current_app.config["RETRY_AFTER_SECONDS"])
    return response


def _validator() -> TokenValidator:
    validator: TokenValidator = current_app.extensions["quote_api"]["validator"]
    return validator


def _inspect(
    token: str | None, outcome: str, reason: str | None, checks: list[Check] | None = None
) -> None:
    # Only with --inspector: the record costs a hash and a parse per request.
    if current_app.extensions["quote_api"].get("record") is not None:
        inspector.note_outcome(token, outcome, reason, checks)


def require_bearer(view: F) -> F:
    """Let the view run only for a valid portal token; `g.claims` and `g.contact_id` are set."""

    @functools.wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        # Only the Authorization header counts: tokens in the query string or cookies are
        # ignored, so they are never needed where they would leak into logs and history.
        header = request.headers.get("Authorization")
        if header is None:
            _inspect(None, "refused", "no bearer token was sent")
            return missing_token()
        if len(header.encode("latin-1", "replace")) > MAX_AUTHORIZATION_BYTES:
            _inspect(None, "refused", TOO_LARGE)
            return invalid_token(TOO_LARGE)
        scheme, _, credentials = header.partition(" ")
        if scheme.lower() != "bearer":
            _inspect(None, "refused", "no bearer token was sent")
            return missing_token()
        token = credentials.lstrip(" ")
        if not _B64TOKEN.fullmatch(token):
            _inspect(None, "refused", "malformed Authorization header")
            return invalid_request("malformed Authorization header")
        try:
            result = _validator().validate(token)
        except InvalidToken as exc:
            _inspect(token, "refused", exc.reason, exc.checks)
            return invalid_token(exc.reason)
        except PortalUnreachable as exc:
            _inspect(token, "unavailable", exc.reason)
            return portal_unavailable(exc.reason)
        _inspect(token, "accepted", None, result.checks)
        g.claims = result.claims
        g.contact_id = result.claims["sub"]
        g.token_checks = result.checks
        return view(*args, **kwargs)

    return guarded  # type: ignore[return-value]
