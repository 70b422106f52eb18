"""The flow inspector on the portal's pages: off by default, its config block, the switches."""

from __future__ import annotations

import json
import re

import pytest
from flask.testing import FlaskClient

from portal_sim import create_app
from portal_sim.cli import _parser
from portal_sim.demo import banner

PAGES = ["/", "/SignIn", "/quote/", "/quote-callback/"]


def inspector_config(html: str) -> dict[str, object]:
    """The inspector's JSON data block of a rendered page."""
    block = re.search(
        r'<script id="inspector-config" type="application/json">(.*?)</script>', html, re.S
    )
    assert block, "the page has no inspector configuration"
    return json.loads(block.group(1))


@pytest.fixture
def inspecting(config: dict[str, object]) -> FlaskClient:
    """A portal started with --inspector."""
    config["INSPECTOR"] = True
    return create_app(config).test_client()


@pytest.mark.parametrize("path", PAGES)
def test_without_the_inspector_no_page_carries_the_panel(client: FlaskClient, path: str):
    html = client.get(path).get_data(as_text=True)
    assert "flow-inspector" not in html
    assert "inspector-config" not in html


@pytest.mark.parametrize("path", PAGES)
def test_with_the_inspector_every_page_carries_the_panel_and_its_script(
    inspecting: FlaskClient, path: str
):
    html = inspecting.get(path).get_data(as_text=True)
    assert '<aside id="flow-inspector"' in html
    assert '<script src="/static/js/flow-inspector.js"></script>' in html
    assert html.index("flow-inspector.js") < html.rindex("</body>")
    assert "Download trace" in html
    assert "Presenter mode" in html


def test_the_inspector_script_loads_before_the_quote_scripts(inspecting: FlaskClient):
    html = inspecting.get("/quote-callback/").get_data(as_text=True)
    assert html.index("js/flow-inspector.js") < html.index("js/quote-client.js")
    assert html.index("js/quote-client.js") < html.index("js/quote-callback.js")


def test_the_inspector_config_names_the_record_and_what_the_server_saw(
    inspecting: FlaskClient,
):
    html = inspecting.get("/quote-callback/?from=test").get_data(as_text=True)
    config = inspector_config(html)
    assert config == {
        "apiUrl": "http://127.0.0.1:8001",
        "recordUrl": "http://127.0.0.1:8001/_inspector/validations/",
        "presenter": False,
        "signInUrl": "/SignIn",
        "serverSaw": "GET /quote-callback/?from=test",
    }


def test_the_page_configuration_block_is_unchanged_by_the_inspector(
    client: FlaskClient, inspecting: FlaskClient
):
    pattern = re.compile(r'<script id="portal-config" type="application/json">(.*?)</script>', re.S)
    plain = pattern.search(client.get("/quote/").get_data(as_text=True))
    inspected = pattern.search(inspecting.get("/quote/").get_data(as_text=True))
    assert plain and inspected
    assert json.loads(plain.group(1)) == json.loads(inspected.group(1))


def test_presenter_mode_is_the_default_when_asked_for(config: dict[str, object]):
    # Presenter mode alone brings the panel along.
    config.update({"PRESENTER": True})
    html = create_app(config).test_client().get("/quote/").get_data(as_text=True)
    assert inspector_config(html)["presenter"] is True


def test_the_inspector_switch_reads_the_environment(
    config: dict[str, object], monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("PORTAL_INSPECTOR", "true")
    html = create_app(config).test_client().get("/").get_data(as_text=True)
    assert 'id="flow-inspector"' in html
    monkeypatch.setenv("PORTAL_INSPECTOR", "false")
    html = create_app(config).test_client().get("/").get_data(as_text=True)
    assert 'id="flow-inspector"' not in html


def test_serve_takes_inspector_and_presenter_switches():
    args = _parser().parse_args(["serve", "--inspector"])
    assert args.inspector is True
    assert args.presenter is False
    assert _parser().parse_args(["serve"]).inspector is False
    assert _parser().parse_args(["serve", "--presenter"]).presenter is True


def test_the_demo_banner_points_at_the_inspector():
    assert "flow inspector" in banner("http://localhost:8000", "http://127.0.0.1:8001")


def test_the_inspector_script_is_served(inspecting: FlaskClient):
    script = inspecting.get("/static/js/flow-inspector.js")
    assert script.status_code == 200
    text = script.get_data(as_text=True)
    # Everything goes into the page as text: no HTML parsing of any value.
    assert "innerHTML" not in text
    assert "insertAdjacentHTML" not in text
    script.close()


def test_the_static_folder_holds_the_inspector_styles(inspecting: FlaskClient):
    response = inspecting.get("/static/css/flow-inspector.css")
    assert response.status_code == 200
    assert "presenter-mode" in response.get_data(as_text=True)
    response.close()
