"""The warehouse step's webhook section in Debian's chromium at 1366x768: a ShipStream merchant finds the URL and
topics, makes a new signing key, copies it once, and does not see it again after a reload; a ShipMonk merchant is
told that ShipMonk's support sets them up. Photographed into var/artifacts/warehouse-webhooks/; no 5xx."""

from functools import partial
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Page, expect

from integrations.models import Store, StoreMembership
from tests.factories import ConnectionFactory
from tests.screens import screenshot

PASSWORD = "correct horse battery staple 7"
pytestmark = [pytest.mark.browser]


shot = partial(screenshot, folder="warehouse-webhooks")


@pytest.fixture
def owner_page(live_server: Any, page: Page, transactional_db: None, settings: Any) -> tuple[Page, Store, str]:
    settings.PUBLIC_BASE_URL = live_server.url  # the address merchants paste into their warehouse system
    store = Store.objects.create(name="Reno Tees", slug="reno-tees")
    user = get_user_model().objects.create_user(username="ro", password=PASSWORD)
    StoreMembership.objects.create(store=store, user=user, role=StoreMembership.Role.OWNER)
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(f"{live_server.url}/setup/login/")
    page.get_by_label("Username").fill("ro")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    return page, store, f"{live_server.url}/setup/stores/{store.slug}/warehouse/"


def test_a_shipstream_merchant_makes_a_signing_key_and_sees_it_once(
    owner_page: tuple[Page, Store, str], server_errors: list[str]
) -> None:
    page, store, url = owner_page
    connection = ConnectionFactory(store=store, provider="shipstream", base_url="https://reno.shipstream.example")
    old = connection.webhook_secret
    page.goto(url)
    section = page.get_by_role("region", name="Send ShipStream webhooks to Backhaul")
    site = page.url.split("/setup/")[0]
    expect(section.get_by_label("ShipStream webhook URL")).to_have_value(site + connection.webhook_path)
    expect(section.get_by_role("cell", name="delivery:status_changed", exact=True)).to_be_visible()
    shot(page, "1-shipstream-webhooks")

    section.get_by_role("button", name="Generate a new webhook secret key").click()
    secret_box = page.get_by_label("ShipStream webhook secret key")
    expect(secret_box).to_be_visible()
    connection.refresh_from_db()
    assert secret_box.input_value() == connection.webhook_secret != old
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    shot(page, "2-shipstream-new-key-once")

    page.goto(url)
    expect(page.get_by_text("A webhook secret key is set")).to_be_visible()
    assert connection.webhook_secret not in page.content()
    shot(page, "3-shipstream-after-reload")


def test_a_shipmonk_merchant_is_told_its_support_sets_them_up(
    owner_page: tuple[Page, Store, str], server_errors: list[str]
) -> None:
    page, store, url = owner_page
    ConnectionFactory(store=store, provider="shipmonk", external_account_id="12345")
    page.goto(url)
    section = page.get_by_role("region", name="Send ShipMonk webhooks to Backhaul")
    expect(section.get_by_text("ShipMonk's support team sets these webhooks up")).to_be_visible()
    expect(section.get_by_role("button")).to_have_count(0)
    shot(page, "4-shipmonk-webhooks")


def test_a_shipstream_first_save_that_fails_its_check_still_shows_the_key_and_keeps_it(
    owner_page: tuple[Page, Store, str], server_errors: list[str]
) -> None:
    """The signing key is made on the first save, even when the check then fails (a mistyped password): the page
    shows it once beside the refusal, and the corrected save keeps that key, so the one copied still verifies."""
    from integrations.sandbox.models import SandboxAccount
    from integrations.sandbox.services import DEFAULT_WAREHOUSES

    page, store, url = owner_page
    site = url.split("/setup/")[0]
    account = SandboxAccount.objects.create(
        provider="shipstream", name="Reno", username="api-user", api_key="ss-pass-0001", warehouses=DEFAULT_WAREHOUSES
    )
    instance = f"{site}{account.base_path}".rstrip("/")  # the merchant's ShipStream instance, simulated here
    page.goto(url)
    page.get_by_label("ShipStream (direct").check()
    page.get_by_label("ShipStream API username").fill("api-user")
    page.get_by_label("ShipStream API password").fill("ss-pass-typo")
    page.get_by_label("ShipStream instance URL").fill(instance)
    page.get_by_role("button", name="Save and list warehouses").click()
    expect(page.locator(".check.bad").first).to_contain_text("401")
    secret_box = page.get_by_label("ShipStream webhook secret key")
    expect(secret_box).to_be_visible()
    connection = store.connections.get(provider="shipstream")
    shown = secret_box.input_value()
    assert shown == connection.webhook_secret
    expect(page.get_by_role("link", name="Copied it: on to shipping locations →")).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    shot(page, "5-shipstream-first-save-fails-key-shown")

    # The password retyped (write-only: never shown back); the check passes and the way on is the locations.
    page.get_by_label("ShipStream API password").fill("ss-pass-0001")
    page.get_by_role("button", name="Save and list warehouses").click()
    expect(page.get_by_role("heading", name="3. Link your shipping locations")).to_be_visible()
    connection.refresh_from_db()
    assert connection.webhook_secret == shown
    shot(page, "6-shipstream-fixed-on-to-locations")

    # Back to the step (by its address: the page that showed the key answered a POST, which the browser will not
    # show again without resending it): the key is set, not shown.
    page.goto(url)
    expect(page.get_by_text("A webhook secret key is set")).to_be_visible()
    expect(page.locator(".status")).to_contain_text("Connected")
    assert shown not in page.content()
    shot(page, "7-shipstream-back-key-not-shown")
