"""The flow inspector's record: the last validation outcomes, for the portal page to show.

Off unless the API is started with ``--inspector``. Each entry says what the API checked on one
request and how each check came out, with a short summary of the claims and a fingerprint of the
token (a SHA-256 prefix), never the token itself. The portal's page fetches an entry by the
request id that every response carries in ``X-Request-Id`` while the inspector is on.
"""

from __future__ import annotations

import base64
import hashlib
import threading
import time
import uuid
from collections import deque
from datetime import datetime, timezone
from typing import Any

from flask import Blueprint, Flask, Response, current_app, g, jsonify, request

from quote_api.validation import Check, strict_json_loads

RECORD_SIZE = 200
PREFLIGHT_SIZE = 50
REQUEST_ID_HEADER = "X-Request-Id"
FINGERPRINT_LENGTH = 12
# Claims are shown for teaching; strings are cut so a hostile token cannot bloat the record.
SUMMARY_CLAIMS = ("sub", "preferred_username", "iss", "aud", "iat", "nbf", "exp", "nonce")
MAX_SUMMARY_TEXT = 80

bp = Blueprint("inspector", __name__)


def fingerprint(token: str) -> str:
    """A short SHA-256 prefix that tells tokens apart without revealing one."""
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()[:FINGERPRINT_LENGTH]


def claims_summary(token: str) -> dict[str, Any]:
    """The few claims worth showing, read without trusting them (display only), or {}."""
    try:
        segment = token.split(".")[1]
        raw = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
        payload = strict_json_loads(raw.decode("utf-8"))
    except Exception:
        # Any unreadable token simply has no summary.
        return {}
    if not isinstance(payload, dict):
        return {}
    summary: dict[str, Any] = {}
    for name in SUMMARY_CLAIMS:
        if name not in payload:
            continue
        value = payload[name]
        # Small integers and literals as they are (JavaScript reads them exactly); the rest as text.
        plain = value is None or isinstance(value, bool)
        if plain or (isinstance(value, int) and abs(value) < 2**53):
            summary[name] = value
        else:
            summary[name] = str(value)[:MAX_SUMMARY_TEXT]
    return summary


class ValidationRecord:
    """The last validation outcomes and CORS preflights, in memory, safe across threads."""

    def __init__(self, size: int = RECORD_SIZE) -> None:
        self._entries: deque[dict[str, Any]] = deque(maxlen=size)
        self._preflights: deque[dict[str, Any]] = deque(maxlen=PREFLIGHT_SIZE)
        self._lock = threading.Lock()

    def add(self, entry: dict[str, Any]) -> None:
        """Keep one outcome, dropping the oldest past the limit."""
        with self._lock:
            self._entries.append(entry)

    def add_preflight(self, preflight: dict[str, Any]) -> None:
        """Keep one CORS preflight the API answered."""
        with self._lock:
            self._preflights.append(preflight)

    def latest(self) -> list[dict[str, Any]]:
        """Every kept outcome, newest first."""
        with self._lock:
            return list(reversed(self._entries))

    def find(self, request_id: str) -> dict[str, Any] | None:
        """The outcome of one request, with the preflight that let the browser send it."""
        with self._lock:
            entry = next((e for e in self._entries if e["request_id"] == request_id), None)
            if entry is None:
                return None
            preflight = next(
                (
                    p
                    for p in reversed(self._preflights)
                    if p["path"] == entry["path"]
                    and p["origin"] == entry["origin"]
                    and p["at_epoch"] <= entry["at_epoch"]
                ),
                None,
            )
        return {**entry, "preflight": preflight}


def _now() -> tuple[str, float]:
    epoch = time.time()
    stamp = datetime.fromtimestamp(epoch, timezone.utc).isoformat(timespec="milliseconds")
    return stamp.replace("+00:00", "Z"), epoch


def note_outcome(
    token: str | None, outcome: str, reason: str | None, checks: list[Check] | None = None
) -> None:
    """Remember what the bearer guard decided for this request (written after the response)."""
    g.inspection = {
        "outcome": outcome,
        "reason": reason,
        "token_fingerprint": fingerprint(token) if token else None,
        "claims": claims_summary(token) if token else {},
        "checks": [
            {"name": check.name, "passed": check.passed, "detail": check.detail}
            for check in checks or []
        ],
    }


def _record() -> ValidationRecord | None:
    record: ValidationRecord | None = current_app.extensions["quote_api"].get("record")
    return record


def _assign_request_id() -> None:
    g.request_id = uuid.uuid4().hex


def _after(response: Response) -> Response:
    record = _record()
    if record is None:
        return response
    response.headers[REQUEST_ID_HEADER] = g.get("request_id", "")
    stamp, epoch = _now()
    origin = request.headers.get("Origin", "")
    if request.method == "OPTIONS" and request.headers.get("Access-Control-Request-Method"):
        record.add_preflight(
            {
                "at": stamp,
                "at_epoch": epoch,
                "path": request.path,
                "origin": origin,
                "request_method": request.headers.get("Access-Control-Request-Method", ""),
                "request_headers": request.headers.get("Access-Control-Request-Headers", ""),
                "allowed_origin": response.headers.get("Access-Control-Allow-Origin", ""),
                "allowed_headers": response.headers.get("Access-Control-Allow-Headers", ""),
                "max_age": response.headers.get("Access-Control-Max-Age", ""),
            }
        )
        return response
    inspection = g.get("inspection")
    if inspection is None:
        return response
    record.add(
        {
            "request_id": g.get("request_id", ""),
            "at": stamp,
            "at_epoch": epoch,
            "method": request.method,
            "path": request.path,
            "origin": origin,
            "status": response.status_code,
            "cors_allowed": bool(response.headers.get("Access-Control-Allow-Origin")),
            **inspection,
        }
    )
    return response


def _origin_refused() -> Response | None:
    # Other sites must not read who called the API: refuse, not just leave CORS headers off.
    origin = request.headers.get("Origin")
    if origin is not None and origin != current_app.config["ALLOWED_ORIGIN"]:
        response = jsonify(
            {
                "error": "origin_not_allowed",
                "error_description": "only the portal's origin may read the record",
            }
        )
        response.status_code = 403
        return response
    return None


@bp.get("/_inspector/validations")
def validations() -> Response:
    """The last validation outcomes, newest first (portal origin only)."""
    refused = _origin_refused()
    if refused is not None:
        return refused
    record = _record()
    assert record is not None  # the blueprint is registered only with the record
    return jsonify({"validations": record.latest(), "size": RECORD_SIZE})


@bp.get("/_inspector/validations/<request_id>")
def validation(request_id: str) -> Response:
    """The outcome of one request, found by its X-Request-Id (portal origin only)."""
    refused = _origin_refused()
    if refused is not None:
        return refused
    record = _record()
    assert record is not None  # the blueprint is registered only with the record
    entry = record.find(request_id)
    if entry is None:
        response = jsonify(
            {"error": "not_found", "error_description": "no such request in the record"}
        )
        response.status_code = 404
        return response
    return jsonify(entry)


def init_app(app: Flask) -> None:
    """Turn the record on: request ids, the outcome hook and the record's routes."""
    app.extensions["quote_api"]["record"] = ValidationRecord()
    app.before_request(_assign_request_id)
    app.after_request(_after)
    app.register_blueprint(bp)
