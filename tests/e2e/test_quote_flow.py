"""The quote flow in a real browser: button, sign-in, fragment, state check, call to the API."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest
from playwright.sync_api import Dialog, Page, Request, Route, expect

from tests.e2e.support import ALICE_ID, BOB_ID, MALLORY, MARKUP_NAME, Harness, SignIn, start_pair

pytestmark = pytest.mark.e2e

QUOTE_BUTTON = "Give me a Quote!"
TOKEN_BUTTON = "Get a quote with the token endpoint"


def quote_rows(page: Page):
    """The body rows of the rendered quote table."""
    return page.locator("#quote-result").get_by_role("row").filter(has=page.get_by_role("cell"))


def api_calls(page: Page, harness: Harness) -> list[str]:
    """Collect every request the page makes to the quote API, for tests that expect none."""
    calls: list[str] = []

    def record(request: Request) -> None:
        if request.url.startswith(harness.api_url):
            calls.append(request.url)

    page.on("request", record)
    return calls


def rewrite_authorize_state(page: Page, state: str | None) -> None:
    """Change (or drop) the state the page sends, as an attacker's own authorize link would."""

    def handle(route: Route) -> None:
        parts = urlsplit(route.request.url)
        query = [(k, v) for k, v in parse_qsl(parts.query) if k != "state"]
        if state is not None:
            query.append(("state", state))
        route.continue_(url=urlunsplit(parts._replace(query=urlencode(query))))

    page.route("**/_services/auth/authorize?*", handle)


def expect_quotes_of(page: Page, harness: Harness, contact_id: str) -> None:
    """The result shows exactly the contact's quotes, each with its number and product."""
    quotes = harness.quotes_of(contact_id)
    assert quotes, "the demo data gives every demo customer some quotes"
    expect(quote_rows(page)).to_have_count(len(quotes))
    result = page.locator("#quote-result")
    for quote in quotes:
        expect(result.get_by_role("cell", name=quote["number"], exact=True)).to_be_visible()
    expect(page.locator("#flow-error")).to_be_hidden()


def test_alice_gets_her_quotes_through_the_implicit_grant(
    page: Page, harness: Harness, sign_in: SignIn
) -> None:
    sign_in("alice@contoso.com")
    page.get_by_role("button", name=QUOTE_BUTTON).click()

    expect(page).to_have_url(f"{harness.portal_url}/quote-callback/")
    expect_quotes_of(page, harness, ALICE_ID)
    expect(page.locator("#quote-result")).to_contain_text("alice@contoso.com")
    headers = page.locator("#quote-result").get_by_role("columnheader")
    expect(headers).to_have_text(["Number", "Product", "Quantity", "Total", "Currency", "Status"])


def test_bob_sees_only_his_own_quotes(page: Page, harness: Harness, sign_in: SignIn) -> None:
    sign_in("bob@fabrikam.com")
    page.get_by_role("button", name=QUOTE_BUTTON).click()

    expect_quotes_of(page, harness, BOB_ID)
    result = page.locator("#quote-result")
    for quote in harness.quotes_of(ALICE_ID):
        expect(result.get_by_role("cell", name=quote["number"], exact=True)).to_have_count(0)


def test_anonymous_user_signs_in_and_lands_straight_back_in_the_flow(
    page: Page, harness: Harness, sign_in: SignIn
) -> None:
    page.goto("/quote/")
    page.get_by_role("button", name=QUOTE_BUTTON).click()

    expect(page).to_have_url(re.compile(r"/SignIn\?returnUrl="))
    sign_in.fill_form("alice@contoso.com")

    expect(page).to_have_url(f"{harness.portal_url}/quote-callback/")
    expect_quotes_of(page, harness, ALICE_ID)


def test_forged_state_fails_validation_and_calls_nothing(
    page: Page, harness: Harness, sign_in: SignIn
) -> None:
    sign_in("alice@contoso.com")
    calls = api_calls(page, harness)
    rewrite_authorize_state(page, "forgedByAnAttacker01")
    page.get_by_role("button", name=QUOTE_BUTTON).click()

    expect(page.locator("#flow-error")).to_contain_text("State validation failed")
    expect(page.locator("#flow-error")).to_contain_text("does not match")
    expect(quote_rows(page)).to_have_count(0)
    assert calls == []


def test_missing_state_fails_validation_and_calls_nothing(
    page: Page, harness: Harness, sign_in: SignIn
) -> None:
    sign_in("alice@contoso.com")
    calls = api_calls(page, harness)
    rewrite_authorize_state(page, None)
    page.get_by_role("button", name=QUOTE_BUTTON).click()

    expect(page.locator("#flow-error")).to_contain_text("State validation failed")
    expect(page.locator("#flow-error")).to_contain_text("no state")
    expect(quote_rows(page)).to_have_count(0)
    assert calls == []


def test_the_same_callback_url_works_once_only(
    page: Page, harness: Harness, sign_in: SignIn
) -> None:
    sign_in("alice@contoso.com")
    with page.expect_response(re.compile(r"/_services/auth/authorize\?")) as answer:
        page.get_by_role("button", name=QUOTE_BUTTON).click()
    callback_url = answer.value.headers["location"]
    assert "#token=" in callback_url
    expect_quotes_of(page, harness, ALICE_ID)

    # Replayed in a new tab of the same browser, as a copied link or a reopened history entry.
    replay = page.context.new_page()
    calls = api_calls(replay, harness)
    replay.goto(callback_url)

    expect(replay.locator("#flow-error")).to_contain_text("State validation failed")
    expect(replay.locator("#flow-error")).to_contain_text("already used")
    expect(quote_rows(replay)).to_have_count(0)
    assert replay.evaluate("window.location.hash") == ""
    assert calls == []


def test_a_callback_url_opened_again_in_the_same_tab_is_refused(
    page: Page, harness: Harness, sign_in: SignIn
) -> None:
    sign_in("alice@contoso.com")
    with page.expect_response(re.compile(r"/_services/auth/authorize\?")) as answer:
        page.get_by_role("button", name=QUOTE_BUTTON).click()
    callback_url = answer.value.headers["location"]
    expect_quotes_of(page, harness, ALICE_ID)

    # Only the fragment differs from the current address, so the browser does not reload.
    calls = api_calls(page, harness)
    page.goto(callback_url)

    expect(page.locator("#flow-error")).to_contain_text("State validation failed")
    expect(quote_rows(page)).to_have_count(0)
    expect(page).to_have_url(f"{harness.portal_url}/quote-callback/")
    assert calls == []


def test_the_token_leaves_the_address_bar_and_is_kept_nowhere(
    page: Page, harness: Harness, sign_in: SignIn
) -> None:
    sign_in("alice@contoso.com")
    page.get_by_role("button", name=QUOTE_BUTTON).click()
    expect_quotes_of(page, harness, ALICE_ID)

    expect(page).to_have_url(f"{harness.portal_url}/quote-callback/")
    assert page.evaluate("window.location.hash") == ""
    stored = page.evaluate("JSON.stringify([localStorage, sessionStorage, document.cookie])")
    assert "eyJ" not in stored
    assert all(c["name"] != "quote_flow_state" for c in page.context.cookies())


def test_token_endpoint_button_gets_quotes_when_signed_in(
    page: Page, harness: Harness, sign_in: SignIn
) -> None:
    sign_in("bob@fabrikam.com")
    page.get_by_role("button", name=TOKEN_BUTTON).click()

    expect_quotes_of(page, harness, BOB_ID)
    expect(page).to_have_url(f"{harness.portal_url}/quote/")


def test_token_endpoint_button_sends_an_anonymous_user_to_sign_in_and_back(
    page: Page, harness: Harness, sign_in: SignIn
) -> None:
    page.goto("/quote/")
    page.get_by_role("button", name=TOKEN_BUTTON).click()

    expect(page).to_have_url(re.compile(r"/SignIn\?returnUrl=%2Fquote%2F"))
    sign_in.fill_form("alice@contoso.com")

    expect_quotes_of(page, harness, ALICE_ID)
    expect(page).to_have_url(f"{harness.portal_url}/quote/")


def test_unregistered_redirect_uri_shows_the_portal_error_document(
    page: Page, harness: Harness, sign_in: SignIn
) -> None:
    sign_in("alice@contoso.com")
    query = urlencode(
        {
            "client_id": "quote-demo-client",
            "redirect_uri": "https://attacker.example/steal",
            "response_type": "token",
            "state": "abc",
        }
    )
    page.goto(f"/_services/auth/authorize?{query}")

    expect(page.locator("body")).to_contain_text('"ErrorId":"PortalSTS')
    expect(page).to_have_url(re.compile(rf"^{re.escape(harness.portal_url)}/_services/auth/"))


def test_product_name_with_markup_is_shown_as_text_and_runs_nothing(
    page: Page, harness: Harness, sign_in: SignIn
) -> None:
    dialogs: list[str] = []

    def record(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", record)
    sign_in(MALLORY["email"])
    page.get_by_role("button", name=QUOTE_BUTTON).click()

    result = page.locator("#quote-result")
    expect(result.get_by_role("cell", name=MARKUP_NAME, exact=True)).to_be_visible()
    expect(result.locator("img")).to_have_count(0)
    assert dialogs == []


def test_expired_token_is_not_sent_and_a_new_one_is_offered(
    page: Page, harness: Harness, sign_in: SignIn
) -> None:
    page.clock.install()
    sign_in("alice@contoso.com")
    page.get_by_role("button", name=QUOTE_BUTTON).click()
    expect_quotes_of(page, harness, ALICE_ID)

    # The demo token lives 900 s; jump the page's clock past it.
    page.clock.fast_forward("16:00")
    calls = api_calls(page, harness)
    page.get_by_role("button", name="Refresh quotes").click()

    expect(page.locator("#flow-error")).to_contain_text("Your token has expired")
    assert calls == []
    page.locator("#flow-error").get_by_role("button", name="Get a new token").click()
    expect_quotes_of(page, harness, ALICE_ID)


@pytest.fixture
def stopped_api(tmp_path: Path) -> Iterator[Harness]:
    """A portal whose quote API has been stopped."""
    pair = start_pair(tmp_path)
    pair.api.stop()
    try:
        yield pair
    finally:
        pair.portal.stop()


def test_stopped_api_gives_a_readable_error(page: Page, stopped_api: Harness) -> None:
    page.goto(f"{stopped_api.portal_url}/SignIn?returnUrl=/quote/")
    SignIn(page, stopped_api.portal_url).fill_form("alice@contoso.com")
    page.get_by_role("button", name=QUOTE_BUTTON).click()

    error = page.locator("#flow-error")
    expect(error).to_contain_text("could not be reached")
    expect(error).to_contain_text(stopped_api.api_url)


def test_token_endpoint_refusal_shows_the_portal_error_in_words(
    page: Page, harness: Harness, sign_in: SignIn
) -> None:
    setting = "ImplicitGrantFlow/RegisteredClientId"
    changed = harness.admin("PUT", f"/settings/{setting}", json={"value": "another-client"})
    assert changed.status_code == 200, changed.text
    try:
        sign_in("alice@contoso.com")
        page.get_by_role("button", name=TOKEN_BUTTON).click()

        error = page.locator("#flow-error")
        expect(error).to_contain_text("The portal refused: PortalSTS0001")
        expect(error).to_contain_text("not a valid client Id")
        expect(quote_rows(page)).to_have_count(0)
    finally:
        harness.admin("DELETE", f"/settings/{setting}")


@pytest.fixture
def api_for_another_client(tmp_path: Path) -> Iterator[Harness]:
    """A portal whose quote API expects tokens issued to a different client id."""
    pair = start_pair(tmp_path, api_client_id="another-client")
    try:
        yield pair
    finally:
        pair.api.stop()
        pair.portal.stop()


def test_api_refusal_shows_the_reason_from_www_authenticate(
    page: Page, api_for_another_client: Harness
) -> None:
    portal = api_for_another_client.portal_url
    page.goto(f"{portal}/SignIn?returnUrl=/quote/")
    SignIn(page, portal).fill_form("alice@contoso.com")
    page.get_by_role("button", name=QUOTE_BUTTON).click()

    error = page.locator("#flow-error")
    expect(error).to_contain_text("The quote API refused the token (401 invalid_token)")
    expect(error).to_contain_text("wrong audience")


@pytest.fixture
def api_for_another_origin(tmp_path: Path) -> Iterator[Harness]:
    """A portal whose quote API allows (by CORS) only some other portal's origin."""
    pair = start_pair(tmp_path, api_portal_url="http://localhost:9")
    try:
        yield pair
    finally:
        pair.api.stop()
        pair.portal.stop()


def test_api_refusing_the_origin_by_cors_gives_a_readable_error(
    page: Page, api_for_another_origin: Harness
) -> None:
    portal = api_for_another_origin.portal_url
    page.goto(f"{portal}/SignIn?returnUrl=/quote/")
    SignIn(page, portal).fill_form("alice@contoso.com")
    page.get_by_role("button", name=QUOTE_BUTTON).click()

    error = page.locator("#flow-error")
    expect(error).to_contain_text("refused this page's origin")
    expect(error).to_contain_text(portal)


@pytest.mark.parametrize("state", ["p07T@lst@T3", "my@pp$tate"])
def test_a_state_with_reserved_characters_comes_back_intact(
    page: Page, harness: Harness, sign_in: SignIn, state: str
) -> None:
    sign_in("alice@contoso.com")
    # The seed's and Microsoft's sample states, stored as the page would store its own.
    page.context.add_cookies(
        [
            {
                "name": "quote_flow_state",
                "value": state,
                "url": f"{harness.portal_url}/quote-callback/",
            }
        ]
    )
    query = urlencode(
        {
            "client_id": "quote-demo-client",
            "redirect_uri": f"{harness.portal_url}/quote-callback/",
            "response_type": "token",
            "state": state,
        }
    )
    page.goto(f"/_services/auth/authorize?{query}")

    expect_quotes_of(page, harness, ALICE_ID)


def test_fragment_values_are_percent_decoded_and_plus_stays_plus(page: Page) -> None:
    page.goto("/quote-callback/")
    parsed = page.evaluate(
        "QuoteClient.parseFragment('#token=a.b+c.d&state=my%40pp%24tate&expires_in=900&flag')"
    )
    assert parsed == {"token": "a.b+c.d", "state": "my@pp$tate", "expires_in": "900", "flag": ""}


def test_each_state_is_twenty_fresh_url_safe_characters(page: Page) -> None:
    page.goto("/quote/")
    states = page.evaluate("Array.from({length: 50}, () => QuoteClient.randomState())")
    assert len(set(states)) == 50
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{20}", state) for state in states)
