"""The implicit grant endpoints under /_services/auth."""

from __future__ import annotations

import json
import logging
import re
from urllib.parse import quote, urlsplit

from flask import Blueprint, Response, abort, redirect, request
from flask.typing import ResponseReturnValue

from . import errors
from .errors import PortalError, error_response
from .portal import current_contact, current_portal
from .settings import ImplicitGrantSettings
from .tokens import issue_token

log = logging.getLogger("portal_sim.auth")

bp = Blueprint("auth", __name__, url_prefix="/_services/auth")

MAX_STATE = 20
MAX_NONCE = 20
_CLIENT_ID = re.compile(r"^[A-Za-z0-9-]{1,36}$")
# Characters that are legal in a fragment and survive URLSearchParams unchanged; everything
# else (notably & = + # % and spaces) is percent-encoded so the fragment parses back exactly.
_FRAGMENT_SAFE = "!$'()*,;:@/?"
# A header can carry printable ASCII only; anything else in a state is percent-encoded there.
_HEADER_SAFE = "".join(chr(c) for c in range(0x20, 0x7F) if chr(c) != "%")


def _site() -> ImplicitGrantSettings:
    """The served settings, or 404 when the feature is switched off."""
    site = current_portal().settings.served()
    if not site.enabled:
        abort(404)
    return site


def sign_in_location(absolute: bool = False) -> str:
    """The sign-in page with the current request as its return URL."""
    path = request.full_path if request.query_string else request.path
    location = "/SignIn?returnUrl=" + quote(path, safe="")
    return current_portal().origin + location if absolute else location


def _check_client_id(client_id: str, site: ImplicitGrantSettings) -> None:
    if not _CLIENT_ID.match(client_id):
        raise PortalError(errors.CLIENT_ID_MALFORMED)
    if client_id not in site.registered_clients:
        raise PortalError(errors.CLIENT_ID_NOT_REGISTERED)


def _check_common(site: ImplicitGrantSettings) -> tuple[str | None, str | None]:
    """Rules shared by authorize and token; answers the state and nonce."""
    response_type = request.args.get("response_type")
    if response_type is not None and response_type != "token":
        raise PortalError(errors.RESPONSE_TYPE_NOT_SUPPORTED)
    state = request.args.get("state") or None
    nonce = request.args.get("nonce") or None
    if state is not None and len(state) > MAX_STATE:
        raise PortalError(errors.STATE_TOO_LONG)
    if nonce is not None and len(nonce) > MAX_NONCE:
        raise PortalError(errors.NONCE_TOO_LONG)
    return state, nonce


def _same_origin(uri: str, origin: str) -> bool:
    try:
        parts, home = urlsplit(uri), urlsplit(origin)
    except ValueError:
        return False
    return (parts.scheme, parts.netloc) == (home.scheme, home.netloc)


def _token(client_id: str | None, nonce: str | None, site: ImplicitGrantSettings) -> str:
    portal = current_portal()
    key = portal.certificates.signing_key(site.certificate_thumbprint)
    if key is None:
        raise PortalError(errors.CERTIFICATE_NOT_FOUND)
    contact = current_contact()
    assert contact is not None
    token = issue_token(
        contact.subject(),
        key,
        client_id=client_id,
        portal_id=portal.portal_id,
        issuer=portal.issuer,
        lifetime=site.lifetime,
        nonce=nonce,
    )
    log.info(
        "%s %s: token %s... issued for contact %s and client %r (expires in %ss, certificate %s)",
        request.method,
        request.path,
        token[:10],
        contact.id,
        client_id or "",
        site.lifetime,
        key.thumbprint[:8],
    )
    return token


@bp.get("/authorize")
def authorize() -> ResponseReturnValue:
    """Redirect the signed-in contact to the registered redirect URI with a token fragment."""
    site = _site()
    client_id = request.args.get("client_id", "")
    # One line per request, at its outcome (sign-in needed, refused, or token issued): a second
    # line per token was a fifth of the portal's time under load, all of it lock contention.
    if current_contact() is None:
        log.info("Authorize request for client %r needs sign-in", client_id[:40])
        return redirect(sign_in_location())
    try:
        if not client_id:
            raise PortalError(errors.CLIENT_ID_NOT_REGISTERED)
        _check_client_id(client_id, site)
        state, nonce = _check_common(site)
        redirect_uri = request.args.get("redirect_uri", "")
        if redirect_uri not in site.redirect_uris(client_id) or not _same_origin(
            redirect_uri, current_portal().origin
        ):
            raise PortalError(errors.REDIRECT_URI_NOT_REGISTERED)
        token = _token(client_id, nonce, site)
    except PortalError as error:
        return error_response(error.error_id)
    fragment = f"token={token}&expires_in={site.lifetime}"
    if state is not None:
        fragment += "&state=" + quote(state, safe=_FRAGMENT_SAFE)
    separator = "&" if "#" in redirect_uri else "#"
    response = redirect(redirect_uri + separator + fragment, code=302)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/token", methods=["GET", "POST"])
def token() -> ResponseReturnValue:
    """Answer the signed-in contact's token as the raw response body."""
    site = _site()
    client_id = request.args.get("client_id", "")
    if current_contact() is None:
        if request.headers.get("X-Requested-With") == "XMLHttpRequest":
            # What OWIN's cookie middleware does to a 401 for an AJAX caller: 200 and a header.
            log.info(
                "Anonymous AJAX token request for client %r; answering 200 with X-Responded-JSON",
                client_id[:40],
            )
            challenge = {"status": 401, "headers": {"location": sign_in_location(absolute=True)}}
            response = Response("", status=200, content_type="text/plain; charset=utf-8")
            response.headers["X-Responded-JSON"] = json.dumps(challenge, separators=(",", ":"))
            response.headers["Cache-Control"] = "no-store"
            return response
        log.info("Token request for client %r needs sign-in", client_id[:40])
        return redirect(sign_in_location())
    try:
        if client_id:
            _check_client_id(client_id, site)
        state, nonce = _check_common(site)
        jwt = _token(client_id or None, nonce, site)
    except PortalError as error:
        return error_response(error.error_id)
    response = Response(jwt, status=200, content_type="text/plain; charset=utf-8")
    response.headers["expires_in"] = str(site.lifetime)
    if state is not None:
        response.headers["state"] = quote(state, safe=_HEADER_SAFE)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/publickey")
def publickey() -> ResponseReturnValue:
    """The current signing key's public half as PEM (SPKI), for anyone."""
    site = _site()
    key = current_portal().certificates.signing_key(site.certificate_thumbprint)
    if key is None:
        return error_response(errors.CERTIFICATE_NOT_FOUND)
    return Response(key.public_pem, status=200, content_type="text/plain; charset=utf-8")
