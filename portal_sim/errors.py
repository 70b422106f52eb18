"""PortalSTS error documents, shaped like the product's."""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone

from flask import request
from werkzeug.wrappers import Response

log = logging.getLogger("portal_sim.errors")

# Ids the product is known to use; their messages are the published text.
CLIENT_ID_NOT_REGISTERED = "PortalSTS0001"
RESPONSE_TYPE_NOT_SUPPORTED = "PortalSTS0007"
CERTIFICATE_NOT_FOUND = "PortalSTS0018"

# Ids the simulator assigns where the product's id is not public (see docs/portal.md).
REDIRECT_URI_NOT_REGISTERED = "PortalSTS9001"
STATE_TOO_LONG = "PortalSTS9002"
NONCE_TOO_LONG = "PortalSTS9003"
CLIENT_ID_MALFORMED = "PortalSTS9004"

MESSAGES: dict[str, str] = {
    CLIENT_ID_NOT_REGISTERED: (
        "Client Id provided in the request is not a valid client Id registered for this portal. "
        "Please check the parameter and try again."
    ),
    RESPONSE_TYPE_NOT_SUPPORTED: (
        "Value provided for the response type parameter is not a supported value. "
        "Please check the value and try again."
    ),
    CERTIFICATE_NOT_FOUND: (
        "The Implicit Grant certificate was not found. "
        "Please check the CustomCertificates/ImplicitGrantflow site setting."
    ),
    REDIRECT_URI_NOT_REGISTERED: (
        "Redirect URI provided in the request is not registered for this client Id. "
        "Please check the parameter and try again."
    ),
    STATE_TOO_LONG: (
        "Value provided for the state parameter is longer than 20 characters. "
        "Please check the value and try again."
    ),
    NONCE_TOO_LONG: (
        "Value provided for the nonce parameter is longer than 20 characters. "
        "Please check the value and try again."
    ),
    CLIENT_ID_MALFORMED: (
        "Client Id provided in the request is not well formed: at most 36 letters, digits "
        "or hyphens. Please check the parameter and try again."
    ),
}

SIMULATED_IDS = frozenset(
    {REDIRECT_URI_NOT_REGISTERED, STATE_TOO_LONG, NONCE_TOO_LONG, CLIENT_ID_MALFORMED}
)


def dotnet_timestamp(moment: datetime) -> str:
    """Format a time like .NET's en-US general pattern `M/d/yyyy h:mm:ss tt`."""
    hour = moment.hour % 12 or 12
    meridiem = "AM" if moment.hour < 12 else "PM"
    return (
        f"{moment.month}/{moment.day}/{moment.year} "
        f"{hour}:{moment.minute:02d}:{moment.second:02d} {meridiem}"
    )


@dataclass(frozen=True)
class PortalError(Exception):
    """A PortalSTS error that the auth endpoints answer with."""

    error_id: str

    @property
    def message(self) -> str:
        """The human-readable message for this error id."""
        return MESSAGES[self.error_id]


def error_document(error_id: str, now: datetime | None = None) -> tuple[str, str]:
    """Build the compact JSON error text and its fresh correlation id."""
    correlation_id = str(uuid.uuid4())
    moment = now or datetime.now(timezone.utc)
    document = {
        "ErrorId": error_id,
        "ErrorMessage": MESSAGES[error_id],
        "Timestamp": dotnet_timestamp(moment),
        "CorrelationId": correlation_id,
    }
    return json.dumps(document, separators=(",", ":")), correlation_id


def error_response(error_id: str, status: int = 400) -> Response:
    """Answer with a PortalSTS JSON document and log its correlation id."""
    body, correlation_id = error_document(error_id)
    log.warning(
        "%s %s for client %r refused with %s (correlation id %s)",
        request.method,
        request.path,
        request.args.get("client_id", "")[:40],
        error_id,
        correlation_id,
    )
    response = Response(body, status=status, content_type="application/json; charset=utf-8")
    response.headers["Cache-Control"] = "no-store"
    return response
