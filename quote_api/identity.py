"""`whoami`: who the token says the caller is, as Microsoft's sample API answers."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, g, jsonify

from quote_api.auth import require_bearer

bp = Blueprint("identity", __name__, url_prefix="/api")


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _chat_info(claims: dict[str, Any]) -> dict[str, Any]:
    # lp_sdes is the product's legacy chat block; read it defensively, its shape is not ours.
    block = claims.get("lp_sdes")
    if isinstance(block, list) and block and isinstance(block[0], dict):
        info = block[0].get("info")
        if isinstance(info, dict):
            return info
    return {}


def whoami_from_claims(claims: dict[str, Any]) -> dict[str, str]:
    """Name, email, customer id and user name from a token's claims."""
    info = _chat_info(claims)
    name = " ".join(
        part for part in (_text(claims.get("given_name")), _text(claims.get("family_name"))) if part
    )
    return {
        "name": name,
        "email": _text(claims.get("email")),
        "customerId": _text(info.get("customerId")) or _text(claims.get("sub")),
        "userName": _text(info.get("userName")) or _text(claims.get("preferred_username")),
    }


@bp.get("/whoami")
@require_bearer
def whoami() -> Response:
    """Who the caller is, read from the validated token."""
    return jsonify(whoami_from_claims(g.claims))
