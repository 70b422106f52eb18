"""The portal's pages: home, the quote content page and its redirect page."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, render_template, request
from flask.typing import ResponseReturnValue

from .portal import current_portal

bp = Blueprint("pages", __name__)

CALLBACK_PATH = "/quote-callback/"


def portal_config() -> dict[str, str]:
    """The page configuration block that the quote page scripts read."""
    portal = current_portal()
    site = portal.settings.served()
    client_id = portal.page_client_id
    registered = site.redirect_uris(client_id)
    preferred = portal.origin + CALLBACK_PATH
    redirect_uri = preferred if preferred in registered or not registered else registered[0]
    return {
        "clientId": client_id,
        "redirectUri": redirect_uri,
        "apiUrl": portal.api_url,
        "authorizeUrl": "/_services/auth/authorize",
        "tokenUrl": "/_services/auth/token",
        "signInUrl": "/SignIn",
    }


def inspector_config() -> dict[str, object]:
    """What the flow inspector script reads: where the API's record is and what the server saw."""
    portal = current_portal()
    path = request.full_path if request.query_string else request.path
    return {
        "apiUrl": portal.api_url,
        "recordUrl": portal.api_url + "/_inspector/validations/",
        "presenter": portal.presenter,
        "signInUrl": "/SignIn",
        # The request exactly as this server received it: proof that a fragment never arrives.
        "serverSaw": f"{request.method} {path}",
    }


def page_context() -> dict[str, object]:
    """Template values every page shares: the brand and, when on, the inspector's config."""
    portal = current_portal()
    return {
        "branding": portal.branding,
        "inspector_config": inspector_config() if portal.inspector else None,
    }


def security_headers(response: Response) -> Response:
    """Lock pages down: no referrer, scripts from the portal only, no framing."""
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    if response.mimetype == "text/html":
        api_url = current_portal().api_url
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; "
            "script-src 'self'; "
            f"connect-src 'self' {api_url}; "
            "style-src 'self'; "
            "img-src 'self' data:; "
            "base-uri 'none'; "
            "form-action 'self'; "
            "frame-ancestors 'none'",
        )
    if request.path == CALLBACK_PATH:
        # The token arrives in this page's fragment; nothing should keep a copy.
        response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/")
def home() -> ResponseReturnValue:
    """The portal's home page."""
    return render_template("home.html", portal=current_portal())


@bp.get("/quote/")
def quote() -> ResponseReturnValue:
    """The content page with the quote button."""
    return render_template("quote.html", portal_config=portal_config())


@bp.get(CALLBACK_PATH)
def quote_callback() -> ResponseReturnValue:
    """The redirect page that receives the token in its fragment."""
    return render_template("quote_callback.html", portal_config=portal_config())


@bp.get("/branding.css")
def branding_css() -> ResponseReturnValue:
    """The customer's colours as CSS custom properties (empty when the scenario sets none)."""
    branding = current_portal().branding
    body = branding.stylesheet() if branding.has_stylesheet else ""
    return Response(body, mimetype="text/css")


@bp.get("/favicon.ico")
def favicon() -> ResponseReturnValue:
    """No icon; an empty answer keeps browsers from logging a 404 on every page."""
    return Response(status=204)


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    """Liveness for scripts and tests."""
    return jsonify({"status": "ok"})
