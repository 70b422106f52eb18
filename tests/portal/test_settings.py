"""Site settings: names, defaults, clamping, scenario files and the simulated cache delay."""

from __future__ import annotations

import json
from pathlib import Path

import jwt
import pytest
from flask import Flask
from flask.testing import FlaskClient

from portal_sim import create_app
from portal_sim.scenario import ScenarioError, load_scenario
from portal_sim.settings import (
    CACHE_SECONDS,
    TOKEN_EXPIRATION_TIME,
    SiteSettings,
    clamp_lifetime,
    split_list,
)
from tests.portal.support import CALLBACK, CLIENT_ID, AuthActions, fragment_of


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, 900),
        ("", 900),
        ("abc", 900),
        ("12.5", 900),
        ("900", 900),
        (" 120 ", 120),
        ("59", 60),
        ("0", 60),
        ("-5", 60),
        ("60", 60),
        ("3600", 3600),
        ("3601", 3600),
        ("99999999999999999999", 3600),
    ],
)
def test_token_lifetime_is_clamped_as_the_product_does(value: str | None, expected: int):
    assert clamp_lifetime(value) == expected


@pytest.mark.parametrize(("value", "expected"), [("30", 60), ("1200", 1200), ("7200", 3600)])
def test_expires_in_and_exp_follow_the_clamped_lifetime(
    app: Flask, client: FlaskClient, auth: AuthActions, value: str, expected: int
):
    app.extensions["portal_sim"].settings.set(TOKEN_EXPIRATION_TIME, value)
    auth.sign_in()
    response = client.post("/_services/auth/token", query_string={"client_id": CLIENT_ID})
    assert response.headers["expires_in"] == str(expected)
    claims = jwt.decode(response.get_data(as_text=True), options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == expected


def test_semicolon_lists_ignore_blanks():
    assert split_list(" a; b ;;c; ") == ["a", "b", "c"]
    assert split_list("") == []


def test_setting_names_are_compared_without_case(app: Flask, client: FlaskClient, auth):
    app.extensions["portal_sim"].settings.set("implicitgrantflow/tokenexpirationtime", "120")
    auth.sign_in()
    response = client.post("/_services/auth/token")
    assert response.headers["expires_in"] == "120"
    configured = app.extensions["portal_sim"].settings.configured()
    assert [name for name in configured if name.lower() == TOKEN_EXPIRATION_TIME.lower()] == [
        "implicitgrantflow/tokenexpirationtime"
    ]


def test_demo_scenario_registers_the_demo_client_on_the_portals_origin(app: Flask):
    configured = app.extensions["portal_sim"].settings.configured()
    assert configured["ImplicitGrantFlow/RegisteredClientId"] == CLIENT_ID
    assert configured[f"ImplicitGrantFlow/{CLIENT_ID}/RedirectUri"] == CALLBACK
    assert configured["Connector/ImplicitGrantFlowEnabled"] == "True"
    assert configured[TOKEN_EXPIRATION_TIME] == "900"


def test_redirect_uri_follows_the_configured_origin(config: dict[str, object]):
    config["PUBLIC_ORIGIN"] = "http://localhost:8600"
    app = create_app(config)
    configured = app.extensions["portal_sim"].settings.configured()
    assert configured[f"ImplicitGrantFlow/{CLIENT_ID}/RedirectUri"] == (
        "http://localhost:8600/quote-callback/"
    )
    assert app.extensions["portal_sim"].issuer == "localhost:8600"


def test_settings_file_overrides_the_demo_scenario(tmp_path: Path, config: dict[str, object]):
    override = tmp_path / "short.json"
    override.write_text(json.dumps({"settings": {TOKEN_EXPIRATION_TIME: "300"}}))
    config["SETTINGS_FILE"] = str(override)
    app = create_app(config)
    client = app.test_client()
    AuthActions(client).sign_in()
    location = client.get(
        "/_services/auth/authorize",
        query_string={"client_id": CLIENT_ID, "redirect_uri": CALLBACK},
    ).location
    assert fragment_of(location)["expires_in"] == "300"


def test_settings_file_can_replace_the_contacts(tmp_path: Path):
    override = tmp_path / "people.json"
    override.write_text(json.dumps({"contacts": [{"email": "eve@example.com", "password": "pw"}]}))
    scenario = load_scenario(override=override)
    assert [c["email"] for c in scenario.contacts] == ["eve@example.com"]


@pytest.mark.parametrize(
    "content", ["not json", "[]", '{"settings": []}', '{"surprise": 1}', '{"contacts": {}}']
)
def test_unusable_settings_file_is_reported(tmp_path: Path, content: str):
    override = tmp_path / "bad.json"
    override.write_text(content)
    with pytest.raises(ScenarioError):
        load_scenario(override=override)


def test_missing_settings_file_is_reported(tmp_path: Path):
    with pytest.raises(ScenarioError, match="cannot read"):
        load_scenario(override=tmp_path / "absent.json")


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_changes_apply_at_once_by_default():
    settings = SiteSettings({TOKEN_EXPIRATION_TIME: "900"}, clock=FakeClock())
    settings.set(TOKEN_EXPIRATION_TIME, "120")
    assert settings.served().lifetime == 120


def test_cache_delay_keeps_old_values_until_it_expires():
    clock = FakeClock()
    settings = SiteSettings({TOKEN_EXPIRATION_TIME: "900", CACHE_SECONDS: "900"}, clock=clock)
    settings.set(TOKEN_EXPIRATION_TIME, "120")
    assert settings.configured()[TOKEN_EXPIRATION_TIME] == "120"
    assert settings.served().lifetime == 900
    clock.now += 899
    assert settings.served().lifetime == 900
    clock.now += 1
    assert settings.served().lifetime == 120


def test_changing_the_cache_delay_applies_at_once():
    clock = FakeClock()
    settings = SiteSettings({TOKEN_EXPIRATION_TIME: "900", CACHE_SECONDS: "900"}, clock=clock)
    settings.set(TOKEN_EXPIRATION_TIME, "120")
    settings.set(CACHE_SECONDS, "0")
    assert settings.served().lifetime == 120


def test_cache_delay_flag_reaches_the_site(config: dict[str, object]):
    config["SETTINGS_CACHE_SECONDS"] = 600
    app = create_app(config)
    settings = app.extensions["portal_sim"].settings
    settings.set(TOKEN_EXPIRATION_TIME, "120")
    assert settings.cache_seconds() == 600
    assert settings.served().lifetime == 900


def test_reset_goes_back_to_the_scenario_value():
    settings = SiteSettings({TOKEN_EXPIRATION_TIME: "900"})
    settings.set(TOKEN_EXPIRATION_TIME, "120")
    assert settings.delete(TOKEN_EXPIRATION_TIME.upper())
    assert settings.served().lifetime == 900
    assert not settings.delete(TOKEN_EXPIRATION_TIME)
