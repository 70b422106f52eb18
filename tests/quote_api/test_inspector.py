"""The flow inspector's record: off by default, portal origin only, every check, never a token."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from quote_api.app import create_app
from quote_api.cli import _config_from, build_parser
from quote_api.inspector import RECORD_SIZE, fingerprint
from quote_api.openapi import openapi_document
from tests.quote_api.conftest import (
    ALICE,
    CLIENT_ID,
    FixedKeySource,
    Minter,
    bearer,
)

PORTAL_ORIGIN = "http://localhost:8000"
FROM_PORTAL = {"Origin": PORTAL_ORIGIN}


@pytest.fixture
def inspecting_app(make_app: Callable[..., Flask]) -> Flask:
    """The app as `quote-api serve --inspector` builds it."""
    return make_app(INSPECTOR=True)


@pytest.fixture
def inspecting(inspecting_app: Flask) -> FlaskClient:
    """A client of the inspecting app."""
    return inspecting_app.test_client()


def test_without_the_inspector_the_record_does_not_exist(
    client: FlaskClient, minter: Minter
) -> None:
    answer = client.get("/api/quotes", headers={**bearer(minter.token()), **FROM_PORTAL})
    assert answer.status_code == 200
    assert "X-Request-Id" not in answer.headers
    assert "X-Request-Id" not in answer.headers["Access-Control-Expose-Headers"]
    assert client.get("/_inspector/validations", headers=FROM_PORTAL).status_code == 404
    assert client.get("/_inspector/validations/abc", headers=FROM_PORTAL).status_code == 404
    assert "/_inspector/validations" not in client.get("/openapi.json").json["paths"]


def test_an_accepted_call_is_recorded_with_each_check_and_no_token(
    inspecting: FlaskClient, minter: Minter
) -> None:
    token = minter.token()
    answer = inspecting.get("/api/quotes", headers={**bearer(token), **FROM_PORTAL})
    assert answer.status_code == 200
    request_id = answer.headers["X-Request-Id"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    assert "X-Request-Id" in answer.headers["Access-Control-Expose-Headers"].split(", ")

    entry = inspecting.get(f"/_inspector/validations/{request_id}", headers=FROM_PORTAL)
    assert entry.status_code == 200
    assert entry.headers["Access-Control-Allow-Origin"] == PORTAL_ORIGIN
    record = entry.json
    assert record["outcome"] == "accepted"
    assert record["status"] == 200
    assert record["method"] == "GET"
    assert record["path"] == "/api/quotes"
    assert record["token_fingerprint"] == fingerprint(token)
    assert record["claims"]["sub"] == ALICE
    assert record["claims"]["aud"] == CLIENT_ID
    checks = {check["name"]: check for check in record["checks"]}
    for name in ("signature", "issuer", "audience", "time window", "lifetime"):
        assert checks[name]["passed"] is True, name
    assert checks["signature"]["detail"] == "RS256 with the portal's key"
    text = entry.get_data(as_text=True)
    assert token not in text
    assert token.split(".")[2] not in text


def test_a_refused_token_is_recorded_with_the_failed_check(
    inspecting: FlaskClient, minter: Minter
) -> None:
    answer = inspecting.get(
        "/api/quotes", headers={**bearer(minter.token(aud="someone-else")), **FROM_PORTAL}
    )
    assert answer.status_code == 401
    record = inspecting.get(
        f"/_inspector/validations/{answer.headers['X-Request-Id']}", headers=FROM_PORTAL
    ).json
    assert record["outcome"] == "refused"
    assert record["reason"] == "wrong audience"
    assert record["status"] == 401
    assert record["checks"][-1] == {
        "name": "audience",
        "passed": False,
        "detail": "wrong audience",
    }
    assert record["claims"]["aud"] == "someone-else"


def test_a_call_without_a_token_is_recorded_as_refused(inspecting: FlaskClient) -> None:
    answer = inspecting.get("/api/whoami", headers=FROM_PORTAL)
    record = inspecting.get(
        f"/_inspector/validations/{answer.headers['X-Request-Id']}", headers=FROM_PORTAL
    ).json
    assert record["outcome"] == "refused"
    assert record["token_fingerprint"] is None
    assert record["checks"] == []


def test_other_origins_are_refused_and_get_no_cors_grant(
    inspecting: FlaskClient, minter: Minter
) -> None:
    inspecting.get("/api/quotes", headers={**bearer(minter.token()), **FROM_PORTAL})
    for origin in ("http://evil.example", "http://localhost:8000.evil.example", "null"):
        answer = inspecting.get("/_inspector/validations", headers={"Origin": origin})
        assert answer.status_code == 403, origin
        assert "Access-Control-Allow-Origin" not in answer.headers
        assert answer.json["error"] == "origin_not_allowed"
        assert "validations" not in answer.json


def test_the_record_keeps_the_last_entries_newest_first(
    inspecting: FlaskClient, minter: Minter
) -> None:
    token = minter.token()
    ids = [
        inspecting.get("/api/quotes", headers={**bearer(token), **FROM_PORTAL}).headers[
            "X-Request-Id"
        ]
        for _ in range(RECORD_SIZE + 5)
    ]
    listing = inspecting.get("/_inspector/validations", headers=FROM_PORTAL).json["validations"]
    assert len(listing) == RECORD_SIZE
    assert listing[0]["request_id"] == ids[-1]
    assert listing[-1]["request_id"] == ids[5]
    gone = inspecting.get(f"/_inspector/validations/{ids[0]}", headers=FROM_PORTAL)
    assert gone.status_code == 404
    assert gone.json["error"] == "not_found"


def test_the_preflight_that_let_the_call_through_is_attached(
    inspecting: FlaskClient, minter: Minter
) -> None:
    inspecting.options(
        "/api/quotes",
        headers={
            **FROM_PORTAL,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization",
        },
    )
    answer = inspecting.get("/api/quotes", headers={**bearer(minter.token()), **FROM_PORTAL})
    record = inspecting.get(
        f"/_inspector/validations/{answer.headers['X-Request-Id']}", headers=FROM_PORTAL
    ).json
    assert record["preflight"]["request_headers"] == "authorization"
    assert record["preflight"]["allowed_origin"] == PORTAL_ORIGIN
    assert record["cors_allowed"] is True


def test_a_hostile_token_gets_a_bounded_summary(inspecting: FlaskClient, minter: Minter) -> None:
    token = minter.token(preferred_username="x" * 5000, aud=["a", "b"])
    answer = inspecting.get("/api/quotes", headers={**bearer(token), **FROM_PORTAL})
    assert answer.status_code == 401
    record = inspecting.get(
        f"/_inspector/validations/{answer.headers['X-Request-Id']}", headers=FROM_PORTAL
    ).json
    assert len(record["claims"]["preferred_username"]) == 80
    assert isinstance(record["claims"]["aud"], str)
    assert len(json.dumps(record)) < 4000


def test_the_openapi_document_lists_the_record_only_with_the_inspector(
    inspecting_app: Flask, inspecting: FlaskClient
) -> None:
    served = inspecting.get("/openapi.json").json
    assert served == openapi_document(inspector=True)
    routes = {
        (re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule), method.lower())
        for rule in inspecting_app.url_map.iter_rules()
        for method in rule.methods or ()
        if method not in {"HEAD", "OPTIONS"}
    }
    documented = {
        (path, method) for path, operations in served["paths"].items() for method in operations
    }
    assert documented == routes


def test_the_inspector_switch_reads_the_environment(
    monkeypatch: pytest.MonkeyPatch, db_path: Path, key_source: FixedKeySource
) -> None:
    monkeypatch.setenv("QUOTE_API_INSPECTOR", "true")
    app = create_app({"DB_PATH": str(db_path), "KEY_SOURCE": key_source})
    assert app.config["INSPECTOR"] is True
    monkeypatch.setenv("QUOTE_API_INSPECTOR", "false")
    app = create_app({"DB_PATH": str(db_path), "KEY_SOURCE": key_source})
    assert app.config["INSPECTOR"] is False
    assert app.extensions["quote_api"].get("record") is None


def test_serve_turns_the_record_on_only_with_the_switch() -> None:
    on = _config_from(build_parser().parse_args(["serve", "--inspector"]))
    assert on["INSPECTOR"] is True
    off = _config_from(build_parser().parse_args(["serve"]))
    # Not given on the command line: the environment or the default decides.
    assert "INSPECTOR" not in off
