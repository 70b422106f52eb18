"""A local stand-in for a Power Pages site and its OAuth 2.0 implicit grant endpoints."""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path
from typing import Any

from flask import Flask, render_template
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

from .branding import parse_branding
from .certificates import CertificateStore, normalise_thumbprint
from .contacts import ContactStore
from .portal import Portal, current_contact
from .scenario import DEFAULT_SCENARIO, expand_origin, load_scenario
from .settings import BUILT_IN_DEFAULTS, CACHE_SECONDS, CERTIFICATE, SiteSettings

log = logging.getLogger("portal_sim")

REPOSITORY = Path(__file__).resolve().parent.parent

DEFAULTS: dict[str, Any] = {
    "PUBLIC_ORIGIN": "http://localhost:8000",
    "API_URL": "http://127.0.0.1:8001",
    "DATA_DIR": ".data/portal",
    "SCENARIO_FILE": str(DEFAULT_SCENARIO),
    "SETTINGS_FILE": None,
    "ADMIN_KEY": None,
    "SETTINGS_CACHE_SECONDS": None,
    "STATIC_FOLDER": str(REPOSITORY / "static"),
    "PASSWORD_HASH_METHOD": "scrypt",
    "SESSION_COOKIE_NAME": "portalsim_session",
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "MAX_CONTENT_LENGTH": 64 * 1024,
    # The flow inspector panel on the pages; presenter mode pauses before each hop.
    "INSPECTOR": False,
    "PRESENTER": False,
}


def _load_config(config: dict[str, Any] | None) -> dict[str, Any]:
    """Defaults, then PORTAL_* environment variables, then the explicit config."""
    probe = Flask(__name__)
    probe.config.update(DEFAULTS)
    probe.config.from_prefixed_env("PORTAL")
    if config:
        probe.config.update(config)
    return dict(probe.config)


def _flag(value: Any) -> bool:
    """A switch from config or environment: PORTAL_INSPECTOR=1 is an int, "true" a string."""
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "on"}
    return bool(value)


def _secret_key(data_dir: Path) -> bytes:
    """The session signing key of this data folder, made on first use."""
    path = data_dir / "session.key"
    if not path.exists():
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "wb") as handle:
                handle.write(secrets.token_bytes(32))
    return path.read_bytes()


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the portal simulator application."""
    settings_cfg = _load_config(config)
    app = Flask(__name__, static_folder=settings_cfg["STATIC_FOLDER"], static_url_path="/static")
    app.config.update(settings_cfg)
    # Admin API answers keep the documented key order (thumbprint first, and so on).
    app.json.sort_keys = False

    data_dir = Path(app.config["DATA_DIR"])
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key(data_dir)

    origin = str(app.config["PUBLIC_ORIGIN"]).rstrip("/")
    scenario = load_scenario(
        Path(app.config["SCENARIO_FILE"]),
        Path(app.config["SETTINGS_FILE"]) if app.config["SETTINGS_FILE"] else None,
    )
    branding = parse_branding(scenario.branding, Path(app.config["STATIC_FOLDER"]))
    certificates = CertificateStore(data_dir / "certificates")
    default_certificate = certificates.ensure_default()

    defaults = dict(BUILT_IN_DEFAULTS)
    defaults[CERTIFICATE] = default_certificate.thumbprint
    defaults.update(expand_origin(scenario.settings, origin))
    if app.config["SETTINGS_CACHE_SECONDS"] is not None:
        defaults[CACHE_SECONDS] = str(app.config["SETTINGS_CACHE_SECONDS"])
    if defaults.get(CERTIFICATE):
        defaults[CERTIFICATE] = normalise_thumbprint(defaults[CERTIFICATE])

    contacts = ContactStore(hash_method=app.config["PASSWORD_HASH_METHOD"])
    contacts.add_all(scenario.contacts)

    app.config["ADMIN_KEY_GENERATED"] = not app.config["ADMIN_KEY"]
    admin_key = app.config["ADMIN_KEY"] or secrets.token_urlsafe(24)
    app.config["ADMIN_KEY"] = admin_key
    app.extensions["portal_sim"] = Portal(
        name=scenario.portal_name,
        portal_id=scenario.portal_id,
        origin=origin,
        api_url=str(app.config["API_URL"]).rstrip("/"),
        page_client_id=scenario.page_client_id,
        settings=SiteSettings(defaults),
        contacts=contacts,
        certificates=certificates,
        admin_key=admin_key,
        branding=branding,
        # Presenter mode is a way of showing the inspector, so it brings the panel along.
        inspector=_flag(app.config["INSPECTOR"]) or _flag(app.config["PRESENTER"]),
        presenter=_flag(app.config["PRESENTER"]),
    )

    from . import account, admin, auth, pages

    app.register_blueprint(auth.bp)
    app.register_blueprint(account.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(admin.api)
    app.register_blueprint(pages.bp)

    app.after_request(pages.security_headers)
    app.context_processor(lambda: {"contact": current_contact()})
    app.context_processor(pages.page_context)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)
    log.info("Portal %s ready at %s", scenario.portal_name, origin)
    return app


def _http_error(error: HTTPException) -> ResponseReturnValue:
    """Render HTTP errors as portal pages, keeping their status."""
    if error.code is None or error.code < 400:
        return error
    return (
        render_template("error.html", code=error.code, title=error.name),
        error.code,
    )


def _unexpected_error(error: Exception) -> ResponseReturnValue:
    """Log an unexpected failure without its request data and answer a plain page."""
    log.exception("Unexpected failure: %s", type(error).__name__)
    return render_template("error.html", code=500, title="Something went wrong"), 500
