"""The factory: configuration order, the demo scenario's identities, and what gets logged."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from portal_sim import create_app
from tests.portal.support import ADMIN, ALICE, BOB, CLIENT_ID, PASSWORD, PORTAL_ID, AuthActions

DEMO_CONTACTS = {
    ALICE: ("5d9c2f1a-7e3b-4a6c-9d8e-0f1a2b3c4d01", "Alice", "Adams", False),
    BOB: ("5d9c2f1a-7e3b-4a6c-9d8e-0f1a2b3c4d02", "Bob", "Brown", False),
    ADMIN: ("5d9c2f1a-7e3b-4a6c-9d8e-0f1a2b3c4d03", "Pat", "Admin", True),
}


def test_demo_scenario_has_the_shared_contact_ids_and_roles(app):
    portal = app.extensions["portal_sim"]
    assert portal.portal_id == PORTAL_ID
    assert portal.page_client_id == CLIENT_ID
    found = {
        c.email: (c.id, c.given_name, c.family_name, c.is_administrator)
        for c in portal.contacts.all()
    }
    assert found == DEMO_CONTACTS


def test_importing_the_package_creates_nothing(tmp_path: Path):
    script = "import portal_sim, portal_sim.cli, portal_sim.auth, portal_sim.admin"
    subprocess.run([sys.executable, "-c", script], cwd=tmp_path, check=True)
    assert list(tmp_path.iterdir()) == []


def test_environment_is_read_with_the_portal_prefix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, config: dict[str, object]
):
    monkeypatch.setenv("PORTAL_API_URL", "http://127.0.0.1:9999")
    monkeypatch.setenv("PORTAL_DATA_DIR", str(tmp_path / "from-env"))
    del config["DATA_DIR"]
    del config["API_URL"]
    app = create_app(config)
    assert app.extensions["portal_sim"].api_url == "http://127.0.0.1:9999"
    assert (tmp_path / "from-env" / "certificates").is_dir()


def test_explicit_config_wins_over_the_environment(
    monkeypatch: pytest.MonkeyPatch, config: dict[str, object]
):
    monkeypatch.setenv("PORTAL_API_URL", "http://127.0.0.1:9999")
    assert create_app(config).extensions["portal_sim"].api_url == "http://127.0.0.1:8001"


def test_admin_key_is_generated_when_not_configured(config: dict[str, object]):
    del config["ADMIN_KEY"]
    first = create_app(config).config["ADMIN_KEY"]
    second = create_app(config).config["ADMIN_KEY"]
    assert len(first) >= 20
    assert first != second


def test_logs_follow_each_step_without_passwords_or_whole_tokens(
    client: FlaskClient, auth: AuthActions, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.INFO, logger="portal_sim")
    auth.sign_in()
    token = client.post("/_services/auth/token", query_string={"client_id": CLIENT_ID}).data
    client.post("/_services/auth/token", query_string={"client_id": "nobody"})
    text = caplog.text
    assert "signed in" in text
    assert f"POST /_services/auth/token: token {token.decode()[:10]}... issued for contact" in text
    assert f"and client '{CLIENT_ID}'" in text
    assert token.decode()[:11] not in text
    assert PASSWORD not in text
    assert "client 'nobody' refused with PortalSTS0001 (correlation id " in text
