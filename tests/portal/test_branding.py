"""Branding from the scenario file: the customer's name, logo and colours, checked before use."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from hypothesis import given
from hypothesis import strategies as st

from portal_sim import create_app
from portal_sim.branding import BrandingError, is_css_colour, logo_url, parse_branding
from portal_sim.cli import main
from portal_sim.scenario import ScenarioError

STATIC = Path(__file__).resolve().parents[2] / "static"
PIXEL = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"
    "YPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


def scenario_file(tmp_path: Path, branding: object) -> Path:
    """A settings file that sets only the branding."""
    path = tmp_path / "brand.json"
    path.write_text(json.dumps({"branding": branding}), encoding="utf-8")
    return path


def branded(config: dict[str, object], tmp_path: Path, branding: object) -> FlaskClient:
    """A portal started with a scenario file carrying this branding."""
    config["SETTINGS_FILE"] = str(scenario_file(tmp_path, branding))
    return create_app(config).test_client()


@pytest.mark.parametrize(
    "colour",
    [
        "#0f6cbd",
        "#FFF",
        "#11223344",
        "rebeccapurple",
        "RED",
        "rgb(10, 20, 30)",
        "rgba(10 20 30 / 50%)",
        "hsl(210deg 80% 40%)",
        "transparent",
    ],
)
def test_plain_css_colours_are_accepted(colour: str):
    assert is_css_colour(colour)


@pytest.mark.parametrize(
    "colour",
    [
        "red; } body { display: none",
        "url(javascript:alert(1))",
        "expression(alert(1))",
        "#12345",
        "var(--x)",
        "rgb(1,2,3);color:red",
        "</style><script>alert(1)</script>",
        "red\n}",
        "rgb(1\n2\n3)",
        "rgb(1\u20002 3)",
        "rgb(1, 2, 3) !important",
        "notacolour",
        "",
    ],
)
def test_anything_that_could_carry_css_or_markup_is_not_a_colour(colour: str):
    assert not is_css_colour(colour)


@given(st.text(max_size=40) | st.from_regex(r"(rgb|hsl)a?\(.{0,30}\)", fullmatch=True))
def test_no_accepted_colour_can_end_the_declaration_or_call_anything(text: str):
    if is_css_colour(text):
        assert not set(text) & set(";{}<>\"'\\:@!")
        lowered = text.lower()
        assert "url" not in lowered
        assert "var" not in lowered
        assert "\n" not in text.strip()


def test_the_company_name_logo_and_colours_show_on_every_page(
    config: dict[str, object], tmp_path: Path
):
    client = branded(
        config,
        tmp_path,
        {
            "company_name": "Fabrikam <Quotes> & Co",
            "logo": PIXEL,
            "colors": {"primary": "#7a1f5c", "header_text": "white", "link": "rgb(20, 80, 160)"},
        },
    )
    for path in ("/", "/quote/", "/SignIn"):
        html = client.get(path).get_data(as_text=True)
        assert "Fabrikam &lt;Quotes&gt; &amp; Co" in html, path
        assert f'<img class="brand-logo" src="{PIXEL}" alt="">' in html
        assert '<link rel="stylesheet" href="/branding.css">' in html
        assert "Contoso portal" not in html
    css = client.get("/branding.css")
    assert css.mimetype == "text/css"
    assert css.get_data(as_text=True) == (
        ":root {\n  --brand-primary: #7a1f5c;\n  --brand-header-text: white;\n"
        "  --brand-link: rgb(20, 80, 160);\n}\n"
    )


def test_the_brand_stylesheet_is_served_from_the_portal_so_the_csp_allows_it(
    config: dict[str, object], tmp_path: Path
):
    client = branded(config, tmp_path, {"colors": {"primary": "navy"}})
    response = client.get("/quote/")
    assert "style-src 'self'" in response.headers["Content-Security-Policy"]
    assert 'style="' not in response.get_data(as_text=True)


def test_without_branding_the_pages_look_as_before(client: FlaskClient):
    html = client.get("/").get_data(as_text=True)
    assert ">Contoso portal</a>" in html
    assert "branding.css" not in html
    assert client.get("/branding.css").get_data(as_text=True) == ""


def test_a_logo_can_be_a_file_under_static(config: dict[str, object], tmp_path: Path):
    static = tmp_path / "static"
    (static / "img").mkdir(parents=True)
    (static / "img" / "logo.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    assert logo_url("img/logo.svg", static) == "/static/img/logo.svg"
    assert logo_url("/static/img/logo.svg", static) == "/static/img/logo.svg"


@pytest.mark.parametrize(
    "logo",
    [
        "../portal_sim/scenarios/demo.json",
        "img/../../secret.png",
        "/etc/passwd.png",
        "https://evil.example/logo.png",
        "javascript:alert(1)",
        "data:text/html;base64,PHNjcmlwdD4=",
        'data:image/png;base64,AAAA" onerror="alert(1)',
        "img/absent.png",
        "css/site.css",
        "img/logo.png?x=1",
    ],
)
def test_a_logo_must_be_an_image_under_static_or_an_image_data_url(logo: str):
    with pytest.raises(BrandingError):
        logo_url(logo, STATIC)


@pytest.mark.parametrize(
    ("branding", "message"),
    [
        ("Fabrikam", "must be an object"),
        ({"company": "x"}, "unknown keys"),
        ({"company_name": "x" * 61}, "at most 60"),
        ({"company_name": "a\nb"}, "control characters"),
        ({"company_name": 7}, "must be text"),
        ({"colors": {"background": "red"}}, "unknown slot"),
        ({"colors": {"primary": "red;}"}}, "is not a CSS colour"),
        ({"colors": {"primary": 7}}, "is not a CSS colour"),
        ({"colors": ["red"]}, "must be an object"),
        ({"logo": 7}, "must be a string"),
    ],
)
def test_unusable_branding_is_refused_with_a_reason(branding: object, message: str):
    with pytest.raises(BrandingError, match=message):
        parse_branding(branding, STATIC)


def test_a_bad_branding_stops_the_portal_from_starting(
    config: dict[str, object], tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    path = scenario_file(tmp_path, {"colors": {"primary": "red; } * { display: none"}})
    config["SETTINGS_FILE"] = str(path)
    with pytest.raises(ScenarioError):
        create_app(config)
    code = main(["serve", "--settings", str(path), "--data-dir", str(tmp_path / "data")])
    assert code == 2
    assert "branding.colors.primary" in capsys.readouterr().err


def test_the_shipped_branding_example_starts_a_branded_portal(config: dict[str, object]):
    example = Path(__file__).resolve().parents[2] / "portal_sim/scenarios/fabrikam-branding.json"
    config["SETTINGS_FILE"] = str(example)
    client = create_app(config).test_client()
    html = client.get("/").get_data(as_text=True)
    assert '<img class="brand-logo" src="/static/img/fabrikam-logo.svg" alt="">Fabrikam' in html
    logo = client.get("/static/img/fabrikam-logo.svg")
    assert logo.status_code == 200
    logo.close()
    assert "--brand-header-background: #5c1645;" in client.get("/branding.css").get_data(
        as_text=True
    )
