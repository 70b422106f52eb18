"""The flow inspector in a real browser: every hop in order, presenter mode, the trace download.

These tests use a pair of services started with --inspector; the session's other pair runs
without it and shows that the panel and the API's record are absent by default.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Page, Route, expect

from tests.e2e.support import ALICE_ID, Harness, SignIn
from tests.e2e.test_quote_flow import QUOTE_BUTTON, TOKEN_BUTTON, rewrite_authorize_state

pytestmark = pytest.mark.e2e

IMPLICIT_STEPS = [
    "authorize-request",
    "token-issued",
    "state-validated",
    "api-request",
    "api-validated",
    "quote-rendered",
]
TOKEN_STEPS = ["token-request", "token-received", "api-request", "api-validated", "quote-rendered"]
JWT = re.compile(r"eyJ[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{20,}")


def steps(page: Page):
    """The steps the panel lists."""
    return page.locator("#flow-inspector [data-step]")


def step(page: Page, name: str):
    """One step of the panel."""
    return page.locator(f"#flow-inspector [data-step={name}]")


def expect_steps(page: Page, names: list[str]) -> None:
    """The panel lists exactly these steps, in this order, none of them still waiting."""
    expect(steps(page)).to_have_count(len(names))
    for index, name in enumerate(names):
        expect(steps(page).nth(index)).to_have_attribute("data-step", name)
    for name in names:
        expect(step(page, name)).not_to_have_attribute("data-status", "waiting")


def field_value(page: Page, name: str, label: str):
    """The value shown for one labelled field of a step."""
    return step(page, name).locator(f"dt:text-is('{label}') + dd")


@pytest.fixture
def portal(inspecting_harness: Harness) -> str:
    """The inspecting portal's origin."""
    return inspecting_harness.portal_url


@pytest.fixture
def signed_in(page: Page, portal: str) -> SignIn:
    """Alice, signed in on the inspecting portal, on the quote page."""
    sign_in = SignIn(page, portal)
    sign_in("alice@contoso.com")
    return sign_in


def presenter_mode(page: Page, on: bool) -> None:
    """Switch presenter mode with the panel's own toggle."""
    toggle = page.get_by_label("Presenter mode")
    if on:
        toggle.check()
    else:
        toggle.uncheck()


def test_without_the_inspector_there_is_no_panel_and_no_record(
    page: Page, harness: Harness, sign_in: SignIn
) -> None:
    sign_in("alice@contoso.com")
    page.get_by_role("button", name=QUOTE_BUTTON).click()
    expect(page.locator("#quote-result").get_by_role("table")).to_be_visible()
    expect(page.locator("#flow-inspector")).to_have_count(0)
    assert "flow-inspector" not in page.content()
    answer = requests.get(
        f"{harness.api_url}/_inspector/validations",
        headers={"Origin": harness.portal_url},
        timeout=10,
    )
    assert answer.status_code == 404


def test_alices_flow_shows_every_hop_in_order_with_its_contents(
    page: Page, inspecting_harness: Harness, signed_in: SignIn, portal: str
) -> None:
    page.get_by_role("button", name=QUOTE_BUTTON).click()
    expect(page).to_have_url(f"{portal}/quote-callback/")
    expect(page.locator("#quote-result").get_by_role("table")).to_be_visible()

    # Signed in already: the portal needed no sign-in step.
    expect_steps(page, IMPLICIT_STEPS)
    for name in IMPLICIT_STEPS:
        caption = step(page, name).locator(".inspector-caption")
        expect(caption).to_have_text(re.compile(r"^[^.]+\.( [^.]+[.]){1,2}"))

    authorize = step(page, "authorize-request")
    expect(field_value(page, "authorize-request", "client_id")).to_have_text("quote-demo-client")
    expect(field_value(page, "authorize-request", "redirect_uri")).to_have_text(
        f"{portal}/quote-callback/"
    )
    expect(field_value(page, "authorize-request", "state")).to_have_text(
        re.compile(r"^[A-Za-z0-9_-]{20}$")
    )
    expect(field_value(page, "authorize-request", "nonce")).to_have_text(
        re.compile(r"^[A-Za-z0-9_-]{20}$")
    )
    expect(authorize).to_contain_text("/_services/auth/authorize?client_id=quote-demo-client")
    expect(authorize).to_have_attribute("data-status", "done")

    issued = step(page, "token-issued")
    expect(field_value(page, "token-issued", "Redirected to")).to_contain_text(
        "/quote-callback/#token=eyJ"
    )
    expect(field_value(page, "token-issued", "Reached a server?")).to_contain_text(
        '"GET /quote-callback/"'
    )
    expect(field_value(page, "token-issued", "Header")).to_have_text(
        re.compile(r'^\{"alg":"RS256","typ":"JWT","nonce":"[A-Za-z0-9_-]{20}"\}$')
    )
    expect(field_value(page, "token-issued", "Claims")).to_contain_text(f'"sub": "{ALICE_ID}"')
    claims = field_value(page, "token-issued", "Claims")
    expect(claims).to_contain_text('"aud": "quote-demo-client"')
    expect(field_value(page, "token-issued", "nonce")).to_have_text("matches the one sent")
    countdown = issued.locator(".inspector-countdown")
    expect(countdown).to_have_text(re.compile(r"^in 1[45]:[0-5]\d$"))
    first = countdown.inner_text()
    expect(countdown).not_to_have_text(first)

    expect(field_value(page, "state-validated", "Result")).to_have_text(
        "pass: the states are equal"
    )
    sent_state = field_value(page, "authorize-request", "state").inner_text()
    expect(field_value(page, "state-validated", "Cookie held")).to_have_text(sent_state)
    expect(field_value(page, "state-validated", "Came back")).to_have_text(sent_state)

    expect(field_value(page, "api-request", "Request")).to_have_text(
        f"GET {inspecting_harness.api_url}/api/quotes"
    )
    expect(field_value(page, "api-request", "Authorization")).to_have_text(
        re.compile(r"^Bearer eyJ\S{7}… \(\d+ characters\)$")
    )
    expect(field_value(page, "api-request", "CORS preflight")).to_contain_text(
        f"Access-Control-Request-Headers: authorization; the API allowed origin {portal}"
    )
    expect(field_value(page, "api-request", "Answer")).to_have_text("200")

    expect(field_value(page, "api-validated", "Outcome")).to_have_text("accepted (HTTP 200)")
    for check in ("signature", "issuer", "audience", "time window", "lifetime"):
        expect(field_value(page, "api-validated", check)).to_contain_text("pass")
    expect(field_value(page, "api-validated", "signature")).to_contain_text("portal's key")
    expect(field_value(page, "api-validated", "issuer")).to_contain_text(
        portal.removeprefix("http://")
    )
    expect(field_value(page, "api-validated", "CORS preflight")).to_contain_text(
        f"allowed origin {portal}"
    )

    quotes = inspecting_harness.quotes_of(ALICE_ID)
    expect(field_value(page, "quote-rendered", "Quotes")).to_have_text(str(len(quotes)))
    expect(field_value(page, "quote-rendered", "For")).to_have_text("alice@contoso.com")

    # No whole token anywhere on the page, nor in what the panel keeps between pages.
    assert not JWT.search(page.locator("#flow-inspector").inner_text())
    stored = page.evaluate("window.sessionStorage.getItem('flowInspector.flow')")
    assert not JWT.search(stored)


def test_the_steps_of_earlier_pages_survive_the_sign_in_and_the_redirect(
    page: Page, portal: str
) -> None:
    page.goto(f"{portal}/quote/")
    page.get_by_role("button", name=QUOTE_BUTTON).click()

    expect(page).to_have_url(re.compile(r"/SignIn\?returnUrl="))
    expect_steps(page, ["authorize-request", "sign-in"])
    expect(field_value(page, "sign-in", "Why")).to_contain_text("no portal session cookie")
    SignIn(page, portal).fill_form("alice@contoso.com")

    expect(page).to_have_url(f"{portal}/quote-callback/")
    expect_steps(page, ["authorize-request", "sign-in", *IMPLICIT_STEPS[1:]])


def test_a_forged_state_stops_the_flow_at_state_validated_with_the_reason(
    page: Page, signed_in: SignIn, portal: str
) -> None:
    rewrite_authorize_state(page, "forgedByAnAttacker01")
    page.get_by_role("button", name=QUOTE_BUTTON).click()

    expect(page.locator("#flow-error")).to_contain_text("State validation failed")
    expect_steps(page, ["authorize-request", "token-issued", "state-validated"])
    failed = step(page, "state-validated")
    expect(failed).to_have_attribute("data-status", "failed")
    expect(failed.locator(".inspector-reason")).to_have_text(
        "Stopped here: the state that came back differs from the one this browser sent"
    )
    expect(field_value(page, "state-validated", "Came back")).to_have_text("forgedByAnAttacker01")
    expect(field_value(page, "state-validated", "Result")).to_contain_text("fail")


def test_the_token_endpoint_path_has_its_own_steps(
    page: Page, signed_in: SignIn, inspecting_harness: Harness
) -> None:
    page.get_by_role("button", name=TOKEN_BUTTON).click()
    expect(page.locator("#quote-result").get_by_role("table")).to_be_visible()

    expect_steps(page, TOKEN_STEPS)
    expect(field_value(page, "token-request", "Request")).to_contain_text(
        "POST /_services/auth/token?client_id=quote-demo-client"
    )
    expect(field_value(page, "token-received", "expires_in")).to_have_text("900")
    expect(field_value(page, "token-received", "Claims")).to_contain_text(ALICE_ID)
    expect(field_value(page, "api-validated", "Outcome")).to_have_text("accepted (HTTP 200)")


def test_the_token_endpoint_path_shows_the_sign_in_it_needed(page: Page, portal: str) -> None:
    page.goto(f"{portal}/quote/")
    page.get_by_role("button", name=TOKEN_BUTTON).click()
    expect(page).to_have_url(re.compile(r"/SignIn\?returnUrl="))
    expect(field_value(page, "sign-in", "Why")).to_contain_text("X-Responded-JSON")
    SignIn(page, portal).fill_form("alice@contoso.com")

    expect(page.locator("#quote-result").get_by_role("table")).to_be_visible()
    expect_steps(page, [TOKEN_STEPS[0], "sign-in", *TOKEN_STEPS[1:]])


def test_presenter_mode_waits_for_next_before_each_hop(
    page: Page, signed_in: SignIn, portal: str
) -> None:
    presenter_mode(page, on=True)
    expect(page.locator("body")).to_have_class(re.compile(r"\bpresenter-mode\b"))
    page.get_by_role("button", name=QUOTE_BUTTON).click()

    expect(step(page, "authorize-request")).to_have_attribute("data-status", "waiting")
    next_button = page.locator("#flow-inspector").get_by_role("button", name="Next")
    expect(next_button).to_be_visible()
    expect(page).to_have_url(f"{portal}/quote/")
    next_button.click()

    expect(page).to_have_url(f"{portal}/quote-callback/")
    # The callback page stops before calling the API.
    expect(step(page, "api-request")).to_have_attribute("data-status", "waiting")
    expect(step(page, "state-validated")).to_have_attribute("data-status", "done")
    expect(page.locator("#quote-result").get_by_role("table")).to_have_count(0)
    expect(step(page, "api-validated")).to_have_count(0)
    page.keyboard.press("ArrowRight")

    expect(page.locator("#quote-result").get_by_role("table")).to_be_visible()
    expect(next_button).to_be_hidden()
    expect_steps(page, IMPLICIT_STEPS)


def test_leaving_presenter_mode_during_a_pause_carries_on(
    page: Page, signed_in: SignIn, portal: str
) -> None:
    presenter_mode(page, on=True)
    page.get_by_role("button", name=TOKEN_BUTTON).click()
    expect(step(page, "token-request")).to_have_attribute("data-status", "waiting")
    presenter_mode(page, on=False)

    expect(page.locator("#quote-result").get_by_role("table")).to_be_visible()
    expect_steps(page, TOKEN_STEPS)
    expect(page.locator("body")).not_to_have_class(re.compile(r"\bpresenter-mode\b"))


def test_masked_values_stay_masked_until_clicked(page: Page, signed_in: SignIn) -> None:
    presenter_mode(page, on=True)
    page.get_by_role("button", name=TOKEN_BUTTON).click()
    page.locator("#flow-inspector").get_by_role("button", name="Next").click()
    page.keyboard.press("ArrowRight")
    expect(page.locator("#quote-result").get_by_role("table")).to_be_visible()

    token = field_value(page, "token-received", "Token")
    authorization = field_value(page, "api-request", "Authorization")
    for masked in (token, authorization):
        expect(masked.get_by_role("button")).to_have_text("•••••• show")
        expect(masked).not_to_contain_text("eyJ")

    token.get_by_role("button", name="Show Token").click()
    expect(token).to_have_text(re.compile(r"^eyJ\S{7}… \(\d+ characters\)$"))
    # Revealing one value leaves the others masked, and it stays open when the panel redraws.
    expect(authorization.get_by_role("button", name="Show Authorization")).to_be_visible()
    expect(authorization).not_to_contain_text("eyJ")
    presenter_mode(page, on=False)
    presenter_mode(page, on=True)
    expect(token).to_have_text(re.compile(r"^eyJ\S{7}… \(\d+ characters\)$"))
    expect(authorization.get_by_role("button", name="Show Authorization")).to_be_visible()


def test_the_trace_download_parses_and_holds_no_whole_token(
    page: Page, signed_in: SignIn, tmp_path: Path
) -> None:
    page.get_by_role("button", name=QUOTE_BUTTON).click()
    expect(page.locator("#quote-result").get_by_role("table")).to_be_visible()
    expect_steps(page, IMPLICIT_STEPS)
    token = page.evaluate("window.FlowInspector.trace(true)")["steps"][1]["fields"]
    whole = next(f["value"] for f in token if f["label"] == "Token")
    assert JWT.fullmatch(whole)

    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download trace").click()
    download = download_info.value
    assert download.suggested_filename == "flow-trace.json"
    saved = tmp_path / "trace.json"
    download.save_as(saved)
    text = saved.read_text(encoding="utf-8")
    trace = json.loads(text)

    assert trace["tokens"] == "shortened"
    assert trace["path"] == "implicit"
    assert [s["name"] for s in trace["steps"]] == IMPLICIT_STEPS
    assert all(s["caption"] for s in trace["steps"])
    assert whole not in text
    assert whole.split(".")[2] not in text
    assert not JWT.search(text)
    validated = next(s for s in trace["steps"] if s["name"] == "api-validated")
    checks = {f["label"]: f["value"] for f in validated["fields"]}
    assert checks["signature"].startswith("pass")

    page.get_by_label("Full tokens in the trace").check()
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download trace").click()
    full_path = tmp_path / "full.json"
    download_info.value.save_as(full_path)
    full = json.loads(full_path.read_text(encoding="utf-8"))
    assert full["tokens"].startswith("whole")
    assert whole in full_path.read_text(encoding="utf-8")


def test_the_record_endpoint_refuses_other_origins(inspecting_harness: Harness) -> None:
    api = inspecting_harness.api_url
    allowed = requests.get(
        f"{api}/_inspector/validations",
        headers={"Origin": inspecting_harness.portal_url},
        timeout=10,
    )
    assert allowed.status_code == 200
    assert allowed.headers["Access-Control-Allow-Origin"] == inspecting_harness.portal_url
    refused = requests.get(
        f"{api}/_inspector/validations", headers={"Origin": "http://evil.example"}, timeout=10
    )
    assert refused.status_code == 403
    assert "Access-Control-Allow-Origin" not in refused.headers


def test_a_refused_token_shows_the_failed_check_from_the_apis_record(
    page: Page, signed_in: SignIn, inspecting_harness: Harness
) -> None:
    def tamper(route: Route) -> None:
        headers = dict(route.request.headers)
        token = headers["authorization"].removeprefix("Bearer ")
        head, body, signature = token.split(".")
        flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
        headers["authorization"] = f"Bearer {head}.{body}.{flipped}"
        route.continue_(headers=headers)

    page.route(f"{inspecting_harness.api_url}/api/quotes*", tamper)
    page.get_by_role("button", name=TOKEN_BUTTON).click()

    expect(page.locator("#flow-error")).to_contain_text("refused the token")
    expect_steps(page, ["token-request", "token-received", "api-request", "api-validated"])
    validated = step(page, "api-validated")
    expect(validated).to_have_attribute("data-status", "failed")
    expect(validated.locator(".inspector-reason")).to_have_text(
        "Stopped here: signature check failed"
    )
    expect(field_value(page, "api-validated", "signature")).to_have_text(
        re.compile(r"^FAIL — signature check failed$")
    )
    expect(field_value(page, "api-request", "Answer")).to_have_text("401")


def test_a_portal_refusal_on_the_token_endpoint_stops_at_token_received(
    page: Page, signed_in: SignIn, inspecting_harness: Harness
) -> None:
    setting = "ImplicitGrantFlow/RegisteredClientId"
    changed = inspecting_harness.admin("PUT", f"/settings/{setting}", json={"value": "another"})
    assert changed.status_code == 200, changed.text
    try:
        page.get_by_role("button", name=TOKEN_BUTTON).click()
        expect(page.locator("#flow-error")).to_contain_text("PortalSTS0001")
        expect_steps(page, ["token-request", "token-received"])
        received = step(page, "token-received")
        expect(received).to_have_attribute("data-status", "failed")
        expect(received.locator(".inspector-reason")).to_contain_text(
            "The portal refused: PortalSTS0001"
        )
    finally:
        inspecting_harness.admin("DELETE", f"/settings/{setting}")


def test_the_inspector_runs_under_the_pages_policy_without_a_script_error(
    page: Page, portal: str
) -> None:
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on(
        "console",
        lambda message: problems.append(message.text) if message.type == "error" else None,
    )
    page.goto(f"{portal}/quote/")
    page.get_by_role("button", name=QUOTE_BUTTON).click()
    SignIn(page, portal).fill_form("alice@contoso.com")
    expect(page.locator("#quote-result").get_by_role("table")).to_be_visible()
    expect(step(page, "api-validated")).to_have_attribute("data-status", "done")
    with page.expect_download():
        page.get_by_role("button", name="Download trace").click()
    assert problems == []
