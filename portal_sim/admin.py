"""Site administration: an HTML page for the Administrators web role and a JSON API."""

from __future__ import annotations

import hmac
import ipaddress
import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

from .account import check_csrf
from .auth import sign_in_location
from .certificates import normalise_thumbprint
from .contacts import ContactError
from .portal import current_contact, current_portal
from .settings import CERTIFICATE

log = logging.getLogger("portal_sim.admin")

bp = Blueprint("admin", __name__, url_prefix="/_admin")
api = Blueprint("admin_api", __name__, url_prefix="/_admin/api")

_MAX_NAME = 200
_MAX_VALUE = 4000


def _valid_setting(name: str, value: Any) -> str:
    """A setting value as text, or a ValueError saying what is wrong."""
    if not name or len(name) > _MAX_NAME or any(ord(ch) < 0x20 for ch in name):
        raise ValueError("setting names are 1 to 200 printable characters")
    if isinstance(value, bool):
        value = "True" if value else "False"
    if isinstance(value, (int, float)):
        value = str(value)
    if not isinstance(value, str) or len(value) > _MAX_VALUE:
        raise ValueError("value must be a string of at most 4000 characters")
    return value


def _activate(thumbprint: str) -> None:
    current_portal().settings.set(CERTIFICATE, thumbprint)
    log.info("Certificate %s selected for signing", thumbprint)


# The HTML page ------------------------------------------------------------------------------


View = Callable[..., ResponseReturnValue]


def administrators_only(view: View) -> View:
    """Let only contacts with the Administrators web role through."""

    @wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> ResponseReturnValue:
        contact = current_contact()
        if contact is None:
            return redirect(sign_in_location())
        if not contact.is_administrator:
            abort(403)
        return view(*args, **kwargs)

    return guarded


@bp.get("/")
@administrators_only
def index() -> ResponseReturnValue:
    """Show site settings, certificates and contacts."""
    portal = current_portal()
    active = normalise_thumbprint(portal.settings.served().certificate_thumbprint)
    return render_template(
        "admin.html",
        settings=portal.settings.configured(),
        served=portal.settings.served().values,
        cache_seconds=portal.settings.cache_seconds(),
        certificates=portal.certificates.list(),
        active=active,
        contacts=portal.contacts.all(),
    )


@bp.post("/settings")
@administrators_only
def save_setting() -> ResponseReturnValue:
    """Add or change one site setting from the form."""
    check_csrf()
    name = request.form.get("name", "").strip()
    try:
        value = _valid_setting(name, request.form.get("value", ""))
    except ValueError as error:
        flash(str(error), "error")
        return redirect(url_for("admin.index"))
    current_portal().settings.set(name, value)
    log.info("Setting %s changed on the admin page", name)
    flash(f"Saved {name}.", "info")
    return redirect(url_for("admin.index"))


@bp.post("/settings/reset")
@administrators_only
def reset_setting() -> ResponseReturnValue:
    """Put one setting back to its scenario or built-in default."""
    check_csrf()
    name = request.form.get("name", "")
    if current_portal().settings.delete(name):
        log.info("Setting %s reset on the admin page", name[:_MAX_NAME])
        flash(f"Reset {name}.", "info")
    return redirect(url_for("admin.index"))


@bp.post("/certificates")
@administrators_only
def add_certificate() -> ResponseReturnValue:
    """Make a new certificate, and switch to it when asked."""
    check_csrf()
    certificate = current_portal().certificates.create()
    if request.form.get("activate"):
        _activate(certificate.thumbprint)
    flash(f"Added certificate {certificate.thumbprint}.", "info")
    return redirect(url_for("admin.index"))


@bp.post("/certificates/activate")
@administrators_only
def activate_certificate() -> ResponseReturnValue:
    """Select a stored certificate for signing."""
    check_csrf()
    certificate = current_portal().certificates.get(request.form.get("thumbprint", ""))
    if certificate is None:
        flash("No such certificate.", "error")
    else:
        _activate(certificate.thumbprint)
        flash(f"Signing with {certificate.thumbprint}.", "info")
    return redirect(url_for("admin.index"))


# The JSON API -------------------------------------------------------------------------------


def _problem(status: int, error: str, detail: str) -> ResponseReturnValue:
    return jsonify({"error": error, "detail": detail}), status


def _is_loopback(address: str | None) -> bool:
    try:
        return ipaddress.ip_address((address or "").split("%")[0]).is_loopback
    except ValueError:
        return False


@api.before_request
def require_admin_key() -> ResponseReturnValue | None:
    """Answer loopback callers that send the admin key, and nobody else."""
    if not _is_loopback(request.remote_addr):
        log.warning("Admin API refused a caller that is not on loopback")
        return _problem(403, "forbidden", "The admin API answers on loopback only.")
    sent = request.headers.get("X-Admin-Key", "")
    expected = current_portal().admin_key
    if not hmac.compare_digest(sent.encode("utf-8", "replace"), expected.encode("utf-8")):
        log.warning("Admin API refused a missing or wrong X-Admin-Key")
        return _problem(401, "unauthorized", "Send the admin key in the X-Admin-Key header.")
    return None


@api.errorhandler(HTTPException)
def api_http_error(error: HTTPException) -> ResponseReturnValue:
    """HTTP errors of the admin API as JSON."""
    return _problem(error.code or 400, error.name.lower().replace(" ", "_"), error.description)


def _body() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        abort(400, description="Send a JSON object.")
    return data


@api.get("/settings")
def list_settings() -> ResponseReturnValue:
    """The configured site settings, and what the site serves under the cache delay."""
    portal = current_portal()
    return jsonify(
        {
            "settings": portal.settings.configured(),
            "served": dict(portal.settings.served().values),
            "cache_seconds": portal.settings.cache_seconds(),
        }
    )


@api.put("/settings/<path:name>")
def put_setting(name: str) -> ResponseReturnValue:
    """Change one site setting."""
    data = _body()
    if "value" not in data:
        return _problem(400, "invalid_request", "The body needs a value.")
    try:
        value = _valid_setting(name, data["value"])
    except ValueError as error:
        return _problem(400, "invalid_request", str(error))
    current_portal().settings.set(name, value)
    log.info("Setting %s changed through the admin API", name)
    return jsonify({"name": name, "value": value})


@api.delete("/settings/<path:name>")
def delete_setting(name: str) -> ResponseReturnValue:
    """Put one setting back to its scenario or built-in default."""
    portal = current_portal()
    if not portal.settings.delete(name):
        return _problem(404, "not_found", "That setting has not been changed.")
    log.info("Setting %s reset through the admin API", name[:_MAX_NAME])
    value = next(
        (v for k, v in portal.settings.configured().items() if k.lower() == name.lower()), None
    )
    return jsonify({"name": name, "value": value})


@api.get("/contacts")
def list_contacts() -> ResponseReturnValue:
    """Every contact, without password hashes."""
    return jsonify({"contacts": [c.public() for c in current_portal().contacts.all()]})


@api.post("/contacts")
def add_contact() -> ResponseReturnValue:
    """Add a contact."""
    try:
        contact = current_portal().contacts.add(_body())
    except ContactError as error:
        return _problem(400, "invalid_request", str(error))
    log.info("Contact %s added through the admin API", contact.id)
    return jsonify(contact.public()), 201


@api.patch("/contacts/<contact_id>")
def change_contact(contact_id: str) -> ResponseReturnValue:
    """Change a contact's fields or claims."""
    data = _body()
    try:
        contact = current_portal().contacts.update(contact_id.lower(), data)
    except KeyError:
        return _problem(404, "not_found", "No contact has that id.")
    except ContactError as error:
        return _problem(400, "invalid_request", str(error))
    log.info("Contact %s changed through the admin API", contact.id)
    return jsonify(contact.public())


@api.get("/certificates")
def list_certificates() -> ResponseReturnValue:
    """The stored certificates and which one signs."""
    portal = current_portal()
    active = normalise_thumbprint(portal.settings.served().certificate_thumbprint)
    return jsonify(
        {"certificates": [c.as_dict(c.thumbprint == active) for c in portal.certificates.list()]}
    )


@api.post("/certificates")
def create_certificate() -> ResponseReturnValue:
    """Make a new certificate; with `activate` true, switch signing to it."""
    data = request.get_json(silent=True)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        return _problem(400, "invalid_request", "Send a JSON object.")
    portal = current_portal()
    certificate = portal.certificates.create()
    if data.get("activate") is True:
        _activate(certificate.thumbprint)
    active = normalise_thumbprint(portal.settings.served().certificate_thumbprint)
    return jsonify(certificate.as_dict(certificate.thumbprint == active)), 201
