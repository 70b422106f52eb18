"""The quote API's application factory."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask, Response, g, request

from quote_api import catalogue, cors, errors, identity, inspector, meta, quotes
from quote_api.keys import PortalKeySource
from quote_api.storage import Store
from quote_api.validation import TokenValidator, issuer_from_portal_url

access_log = logging.getLogger("quote_api.access")

DEFAULTS: dict[str, Any] = {
    "PORTAL_URL": "http://localhost:8000",
    "CLIENT_ID": "quote-demo-client",
    "DB_PATH": ".data/quote-api/quotes.db",
    "ACCEPT_EMPTY_AUDIENCE": False,
    "LEEWAY_SECONDS": 60,
    "KEY_FETCH_TIMEOUT": 2.0,
    "KEY_REFETCH_INTERVAL": 10.0,
    "RETRY_AFTER_SECONDS": 5,
    "REALM": "quote-api",
    # Quote requests are a few dozen bytes; anything big is refused with 413 unread.
    "MAX_CONTENT_LENGTH": 16 * 1024,
    # A key source object; tests inject a stand-in, otherwise the portal is asked.
    "KEY_SOURCE": None,
    # The flow inspector's in-memory record and its CORS-enabled endpoint (--inspector).
    "INSPECTOR": False,
}


def _log_request(response: Response) -> Response:
    route = request.url_rule.rule if request.url_rule else "(no route)"
    reason = g.get("refusal_reason")
    access_log.info(
        "%s %s %d contact=%s%s",
        request.method,
        route,
        response.status_code,
        g.get("contact_id", "-"),
        f" refused={reason!r}" if reason else "",
    )
    return response


def _no_store(response: Response) -> Response:
    # Quotes and identities are per user; no shared or browser cache should keep them.
    response.headers["Cache-Control"] = "no-store"
    return response


def _flag(value: Any) -> bool:
    # QUOTE_API_INSPECTOR=1 arrives as an int, "true" as a string.
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "on"}
    return bool(value)


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: defaults, then QUOTE_API_* environment, then `config`; then blueprints."""
    app = Flask(__name__, static_folder=None)
    app.config.update(DEFAULTS)
    app.config.from_prefixed_env("QUOTE_API")
    if config:
        app.config.update(config)

    portal_url = str(app.config["PORTAL_URL"])
    app.config["ALLOWED_ORIGIN"] = cors.origin_of(portal_url)
    key_source = app.config["KEY_SOURCE"] or PortalKeySource(
        portal_url,
        timeout=float(app.config["KEY_FETCH_TIMEOUT"]),
        min_refetch_interval=float(app.config["KEY_REFETCH_INTERVAL"]),
    )
    validator = TokenValidator(
        key_source,
        issuer=issuer_from_portal_url(portal_url),
        audience=str(app.config["CLIENT_ID"]),
        accept_empty_audience=bool(app.config["ACCEPT_EMPTY_AUDIENCE"]),
        leeway=int(app.config["LEEWAY_SECONDS"]),
    )
    app.extensions["quote_api"] = {
        "store": Store(app.config["DB_PATH"]),
        "key_source": key_source,
        "validator": validator,
    }

    # after_request hooks run last-registered first: the log line sees the final response.
    app.after_request(_log_request)
    app.after_request(_no_store)
    app.config["INSPECTOR"] = _flag(app.config["INSPECTOR"])
    if app.config["INSPECTOR"]:
        # Registered before CORS so that it runs after it and sees the CORS answer.
        inspector.init_app(app)
    cors.init_app(app)
    errors.init_app(app)

    app.register_blueprint(meta.bp)
    app.register_blueprint(identity.bp)
    app.register_blueprint(catalogue.bp)
    app.register_blueprint(quotes.bp)
    return app
