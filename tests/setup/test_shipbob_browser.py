"""A merchant connects ShipBob in the wizard, in Debian's chromium against the live server: with the sandbox
(a mistyped token first, then the sandbox's own) through a test return that reaches the fake ShipBob; and with
typed keys (a wrong token, then the right one) against a ShipBob address set for the deployment.

Every page is photographed at 1366x768 into var/artifacts/shipbob/ to be looked at; no response may be a 5xx.
"""

from collections.abc import Iterator
from functools import partial
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Page, expect

from integrations.models import Store, StoreMembership
from integrations.sandbox.models import SandboxAccount, SandboxReturn
from integrations.sandbox.services import DEFAULT_WAREHOUSES
from integrations.services.stores import store_create
from integrations.wizard import services as wizard
from tests.conftest import running_worker
from tests.screens import screenshot

PASSWORD = "correct horse battery staple 7"
pytestmark = [pytest.mark.browser]


shot = partial(screenshot, folder="shipbob")


@pytest.fixture
def celery_worker(transactional_db: None) -> Iterator[Any]:
    """One worker thread: the push records ShipBob's answer before the fake's return.created is delivered.
    With two, that webhook can be applied first, and the push then drops the return's id (a race in the push
    service, reproduced in tests/returns/rmas/test_warehouse_event_before_the_push_answer.py)."""
    with running_worker(concurrency=1) as worker:
        yield worker


@pytest.fixture
def site(live_server: Any, settings: Any) -> str:
    settings.PUBLIC_BASE_URL = live_server.url
    settings.RMA_PUSH_BACKOFF_SECONDS = 0.5
    return str(live_server.url)


def _owner_of(store: Store, page: Page, site: str) -> None:
    user = get_user_model().objects.create_user(username="bo", password=PASSWORD)
    StoreMembership.objects.create(store=store, user=user, role=StoreMembership.Role.OWNER)
    page.goto(f"{site}/setup/login/")
    page.get_by_label("Username").fill("bo")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


@pytest.mark.worker
def test_shipbob_with_the_sandbox_a_mistyped_token_then_a_test_return(
    site: str, celery_worker: Any, page: Page, server_errors: list[str]
) -> None:
    store = store_create(name="Bob's Tees")
    loop = wizard.returns_platform_save(store=store, provider="loop", credentials={}, sandbox=True).connection
    assert wizard.connection_verify(connection=loop).ok
    _owner_of(store, page, site)

    # 2. The sandbox ShipBob, first with a mistyped token: refused as ShipBob refuses it, the field named.
    page.goto(f"{site}/setup/stores/{store.slug}/warehouse/")
    page.get_by_label("ShipBob (direct").check()
    expect(page.get_by_label("ShipBob channel ID")).to_be_visible()
    expect(page.get_by_label("ShipBob signing secret")).to_be_visible()
    page.get_by_label("Try it with a sandbox warehouse system").check()
    page.get_by_label("ShipBob personal access token").fill("typo-token")
    page.get_by_role("button", name="Save and list warehouses").click()
    alert = page.locator(".check.bad").first
    expect(alert).to_contain_text("The sandbox ShipBob answered 401 Unauthorized")
    expect(alert).to_contain_text("/2026-01/fulfillment-center")
    expect(page.locator("#id_shipbob_api_key_error")).to_contain_text("Refused by the sandbox ShipBob (401)")
    shot(page, "01-sandbox-wrong-token")

    # Left blank, the sandbox's own token and channel (shown on the page) are used.
    page.get_by_role("button", name="Save and list warehouses").click()
    expect(page.get_by_role("heading", name="3. Link your shipping locations")).to_be_visible()
    expect(page.locator(".messages")).to_contain_text("ShipBob answered with 2 warehouses")
    expect(page.get_by_label("Warehouse in your WMS")).to_contain_text("Ontario, CA (#1)")
    shot(page, "02-sandbox-locations")
    page.go_back()
    expect(page.locator(".sandbox")).to_contain_text("Your connection uses the sandbox ShipBob")
    expect(page.locator(".sandbox")).to_contain_text("ShipBob channel ID")
    expect(page.locator(".sandbox")).to_contain_text("ShipBob signing secret")
    shot(page, "03-sandbox-connected")
    page.go_forward()

    # 3. A location on the first fulfillment center; 4. rules as they are; 5. a test return.
    page.get_by_label("Location name").fill("Main")
    page.get_by_label("Warehouse in your WMS").select_option(label="Ontario, CA (#1)")
    page.get_by_role("button", name="Add location").click()
    expect(page.get_by_role("table")).to_contain_text("Main")
    page.get_by_role("link", name="Next →").click()
    page.get_by_role("button", name="Save rules and continue").click()
    page.get_by_role("button", name="Create a test return").click()
    expect(page.locator(".event.rma-created")).to_contain_text("created at", timeout=60_000)
    expect(page.locator(".checks li.ok")).to_have_count(4, timeout=30_000)
    expect(page.locator("#test-run h3")).to_contain_text("as the warehouse received them")
    shot(page, "04-sandbox-test-return")
    held = SandboxReturn.objects.get(account__connection__store=store)
    assert held.request_body["fulfillment_center"] == {"id": 1}
    assert {i["requested_action"] for i in held.request_body["inventory"]} <= {"Default", "Restock", "Quarantine"}


def test_shipbob_with_typed_keys_a_wrong_token_then_the_right_one(
    site: str, page: Page, server_errors: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """No sandbox ticked: the merchant types the token, channel and signing secret; ShipBob's address for this
    deployment (SHIPBOB_BASE_URL) is a simulated account here, with credentials of its own."""
    account = SandboxAccount.objects.create(
        provider="shipbob", name="Typed", api_key="sb-pat-typed-0001", account_id="56232", warehouses=DEFAULT_WAREHOUSES
    )
    monkeypatch.setenv("SHIPBOB_BASE_URL", f"{site}{account.base_path}".rstrip("/"))
    store = store_create(name="Typed Tees")
    _owner_of(store, page, site)
    page.goto(f"{site}/setup/stores/{store.slug}/warehouse/")
    page.get_by_label("ShipBob (direct").check()
    page.get_by_label("ShipBob personal access token").fill("sb-pat-wrong")
    page.get_by_label("ShipBob channel ID").fill("56232")
    page.get_by_label("ShipBob signing secret").fill("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
    page.get_by_role("button", name="Save and list warehouses").click()
    alert = page.locator(".check.bad").first
    expect(alert).to_contain_text("ShipBob answered 401 Unauthorized")
    expect(alert).to_contain_text("Check the ShipBob personal access token")
    expect(page.locator("#id_shipbob_api_key_error")).to_contain_text("Refused by ShipBob (401)")
    shot(page, "05-typed-wrong-token")

    # The right token with a channel that is not the token's: named at setup, not at the first return.
    page.get_by_label("ShipBob personal access token").fill("sb-pat-typed-0001")
    page.get_by_label("ShipBob channel ID").fill("99999")
    page.get_by_role("button", name="Save and list warehouses").click()
    expect(alert).to_contain_text("Backhaul checked your settings with ShipBob (GET ")
    expect(alert).to_contain_text("ShipBob answered: Channel 99999 is not one of this token's channels.")
    expect(alert).to_contain_text("56232 (PAT Channel)")
    expect(alert).to_contain_text("Change the ShipBob channel ID")
    expect(alert).not_to_contain_text("No answer")
    expect(page.locator("#id_shipbob_external_account_id_error")).to_contain_text("Channel 99999")
    shot(page, "05b-typed-wrong-channel")

    # Only the channel is typed again: the token and the signing secret saved with the earlier tries are kept.
    page.get_by_label("ShipBob channel ID").fill("56232")
    page.get_by_role("button", name="Save and list warehouses").click()
    expect(page.get_by_role("heading", name="3. Link your shipping locations")).to_be_visible()
    expect(page.locator(".messages")).to_contain_text("ShipBob answered with 2 warehouses")
    shot(page, "06-typed-locations")
    connection = store.connections.get(provider="shipbob")
    assert (connection.base_url, connection.external_account_id) == ("", "56232")
    assert connection.api_key == "sb-pat-typed-0001"
    assert connection.webhook_secret == "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    page.go_back()
    expect(page.locator(".sandbox")).to_have_count(0)
    shot(page, "07-typed-connected")
