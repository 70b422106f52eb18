"""Local sign-in and sign-out, with the product's anti-forgery token."""

from __future__ import annotations

import hmac
import logging
import secrets
from urllib.parse import urlsplit

from flask import Blueprint, abort, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue

from .portal import current_contact, current_portal

log = logging.getLogger("portal_sim.account")

bp = Blueprint("account", __name__)

CSRF_FIELD = "__RequestVerificationToken"


def csrf_token() -> str:
    """The anti-forgery token of this session, made on first use."""
    token = session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return token


def check_csrf() -> None:
    """Refuse a form post whose anti-forgery token does not match the session's."""
    sent = request.form.get(CSRF_FIELD, "")
    expected = session.get("csrf", "")
    if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        log.warning("Form refused: missing or wrong %s", CSRF_FIELD)
        abort(400, description="The form has expired. Please reload the page and try again.")


def safe_return_url(value: str | None) -> str:
    """A same-origin relative path to go back to, or the home page."""
    if not value or not value.startswith("/") or value.startswith("//"):
        return "/"
    # Browsers treat a backslash as a slash and drop tabs and newlines, so `/\evil` and
    # `/\t/evil` would leave the site.
    if "\\" in value or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in value):
        return "/"
    try:
        parts = urlsplit(value)
    except ValueError:
        return "/"
    if parts.scheme or parts.netloc:
        return "/"
    # Coming back to the sign-in page itself would only show the form again.
    if parts.path.lower() == "/signin":
        return "/"
    return value


@bp.app_context_processor
def inject_csrf() -> dict[str, object]:
    """Give every template the anti-forgery token and its field name."""
    return {"csrf_token": csrf_token, "csrf_field": CSRF_FIELD}


@bp.route("/SignIn", methods=["GET", "POST"])
def sign_in() -> ResponseReturnValue:
    """Show the sign-in form, or sign the contact in and go back to the return URL."""
    return_url = safe_return_url(request.values.get("returnUrl"))
    error = None
    status = 200
    if request.method == "POST":
        check_csrf()
        email = request.form.get("Email", "")
        password = request.form.get("Password", "")
        contact = current_portal().contacts.authenticate(email, password)
        if contact is not None:
            session.clear()
            session["contact_id"] = contact.id
            log.info("Contact %s signed in; going back to %s", contact.id, return_url[:80])
            return redirect(return_url)
        log.info("Sign-in refused for an unknown email or a wrong password")
        error = "Invalid sign-in attempt. Check your email and password and try again."
        status = 200
    return (
        render_template(
            "signin.html",
            return_url=return_url,
            error=error,
            email=request.form.get("Email", "") if request.method == "POST" else "",
        ),
        status,
    )


@bp.get("/Account/Login/LogOff")
def sign_out() -> ResponseReturnValue:
    """Sign the contact out and go home."""
    contact = current_contact()
    session.clear()
    if contact is not None:
        log.info("Contact %s signed out", contact.id)
    return redirect(url_for("pages.home"))
