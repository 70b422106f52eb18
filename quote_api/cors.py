"""CORS for the portal's origin alone, in one after_request hook."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, current_app, request

_DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_of(url: str) -> str:
    """The browser origin of an absolute URL (`scheme://host[:port]`, default port dropped)."""
    parts = urlsplit(url)
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
        raise ValueError("portal URL must be an absolute http or https URL")
    host = parts.hostname
    if ":" in host:
        host = f"[{host}]"
    port = parts.port
    if port is None or port == _DEFAULT_PORTS[parts.scheme]:
        return f"{parts.scheme}://{host}"
    return f"{parts.scheme}://{host}:{port}"


def add_cors_headers(response: Response) -> Response:
    """Grant the portal origin, by exact match, and nothing else; no credentials ever."""
    response.vary.add("Origin")
    origin = request.headers.get("Origin")
    if origin is None or origin != current_app.config["ALLOWED_ORIGIN"]:
        return response
    response.headers["Access-Control-Allow-Origin"] = origin
    # The page reads WWW-Authenticate to say why a call failed.
    exposed = "WWW-Authenticate, Location, Retry-After"
    if current_app.config.get("INSPECTOR"):
        # The flow inspector matches a call to the API's record of it by this id.
        exposed += ", X-Request-Id"
    response.headers["Access-Control-Expose-Headers"] = exposed
    if request.method == "OPTIONS":
        response.headers["Access-Control-Allow-Methods"] = "GET, POST"
        response.headers["Access-Control-Allow-Headers"] = "Authorization, Content-Type"
        response.headers["Access-Control-Max-Age"] = "600"
    return response


def init_app(app: Flask) -> None:
    """Register the CORS hook."""
    app.after_request(add_cors_headers)
