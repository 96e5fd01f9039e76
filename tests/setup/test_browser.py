"""A merchant sets up and runs their store alone, in Debian's chromium against the live server and a real worker.

Every page is photographed at 1366x768 into var/artifacts/ (git-ignored) to be looked at, and
no response in a walk may be a 5xx. Waits are Playwright's own (auto-waiting `expect`) or
conditions polled with generous timeouts: the machine these run on is busy.
"""

import re
import time
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from integrations.models import Connection, Store, StoreMembership
from integrations.providers.loop.sandbox import return_payload
from integrations.sandbox.models import SandboxAccount
from integrations.sandbox.services import sandbox_webhook_send
from integrations.services.invites import invite_create
from integrations.services.stores import store_create
from integrations.wizard import services as wizard
from returns.models import RMA
from tests.conftest import wait_for
from tests.screens import screenshot

PASSWORD = "correct horse battery staple 7"
pytestmark = [pytest.mark.browser, pytest.mark.worker]


shot = screenshot


@pytest.fixture
def site(live_server: Any, settings: Any) -> str:
    """The live server as the public address: invite links, the sandbox and its webhooks use it."""
    settings.PUBLIC_BASE_URL = live_server.url
    # Retries after a failed push come within a second or two instead of ten.
    settings.RMA_PUSH_BACKOFF_SECONDS = 0.5
    return str(live_server.url)


def _log_in(page: Page, site: str, username: str) -> None:
    page.goto(f"{site}/setup/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def _member(store: Store, django_user_model: Any, username: str = "mia") -> Any:
    user = django_user_model.objects.create_user(username=username, email=f"{username}@example.com", password=PASSWORD)
    StoreMembership.objects.create(store=store, user=user, role=StoreMembership.Role.OWNER)
    return user


def _sandbox_store(name: str) -> Store:
    """A store connected to the sandbox Loop and ShipMonk through the wizard's own services (steps 1-3)."""
    store = store_create(name=name)
    platform = wizard.returns_platform_save(store=store, provider="loop", credentials={}, sandbox=True).connection
    assert wizard.connection_verify(connection=platform).ok
    wms = wizard.warehouse_system_save(store=store, kind="shipmonk", credentials={}, sandbox=True).connection
    fetched = wizard.warehouses_fetch(connection=wms, refresh=True)
    assert fetched.ok, fetched.message
    wizard.location_save(
        store=store,
        location=None,
        data={"name": "West coast"},
        warehouse=fetched.warehouses[0],
        connection=wms,
        is_default=True,
    )
    return store


def _sandbox_account(store: Store, provider: str) -> SandboxAccount:
    return SandboxAccount.objects.get(connection__store=store, provider=provider)


def test_an_invited_merchant_sets_up_loop_and_shipmonk_on_the_sandbox_alone(
    site: str, celery_worker: Any, page: Page, server_errors: list[str], admin_user: Any, tmp_path: Path
) -> None:
    store = store_create(name="Acme Tees")
    page.goto(invite_create(store=store, created_by=admin_user, role="owner").url)

    # The invite: the cursor waits in the sign-up form.
    expect(page.get_by_role("heading", name="Join Acme Tees on Backhaul")).to_be_visible()
    expect(page.get_by_label("User name")).to_be_focused()
    shot(page, "01-invite")
    page.get_by_label("User name").fill("mia")
    page.get_by_label("Email").fill("mia@example.com")
    page.locator("#id_signup-password1").fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.get_by_role("button", name="Create account and join").click()

    # 1. The sandbox Loop, first with a mistyped key.
    expect(page.get_by_role("heading", name="1. Connect your returns platform")).to_be_visible()
    page.get_by_label("Loop", exact=True).check()
    page.get_by_label("Try it with the sandbox Loop or Redo").check()
    page.get_by_label("Loop API key").fill("typo-key")
    page.get_by_role("button", name="Save and check connection").click()
    alert = page.locator(".check.bad").first
    expect(alert).to_contain_text("The sandbox Loop answered 401 Unauthorized.")
    expect(alert).to_contain_text("Check the Loop API key")
    expect(page.locator("#id_loop_api_key_error")).to_have_text(
        "Refused by the sandbox Loop (401). Enter it again, copied in full."
    )
    shot(page, "02-platform-wrong-key")
    # Left blank, the sandbox's own key (shown on the page) is used.
    expect(page.get_by_label("Try it with the sandbox Loop or Redo")).to_be_checked()
    page.get_by_role("button", name="Save and check connection").click()
    expect(page.locator(".messages")).to_contain_text("Loop accepted the API key")
    expect(page.locator(".sandbox")).to_contain_text("Your connection uses the sandbox Loop")
    shot(page, "03-platform-sandbox")
    # The browser's back button shows the step as it is now.
    page.go_back()
    expect(page.get_by_role("heading", name="1. Connect your returns platform")).to_be_visible()
    expect(page.locator(".status")).to_contain_text("Connected")
    page.get_by_role("link", name="Next →").click()

    # 2. The sandbox ShipMonk with a mistyped key, then ShipMonk -> TrackStar -> ShipStream -> ShipMonk.
    page.get_by_label("ShipMonk (direct").check()
    page.get_by_label("Try it with a sandbox warehouse system").check()
    page.get_by_label("ShipMonk API key").fill("typo-key")
    page.get_by_role("button", name="Save and list warehouses").click()
    expect(page.locator(".check.bad").first).to_contain_text("The sandbox ShipMonk answered 401 Unauthorized")
    expect(page.locator("#id_shipmonk_api_key_error")).to_contain_text("Refused by the sandbox ShipMonk (401)")
    shot(page, "04-warehouse-wrong-key")
    page.get_by_role("button", name="Save and list warehouses").click()
    expect(page.get_by_role("heading", name="3. Link your shipping locations")).to_be_visible()
    expect(page.locator(".messages")).to_contain_text("answered with 2 warehouses")
    for kind, listed in (
        ("ShipMonk through TrackStar", "Ontario, CA (CA1)"),
        ("ShipStream (direct", "Ontario, CA (#1)"),
        ("ShipMonk (direct", "Ontario, CA (CA1)"),
    ):
        page.go_back()
        expect(page.get_by_role("heading", name="2. Connect your warehouse system")).to_be_visible()
        page.get_by_label(kind).check()
        expect(page.get_by_label("Try it with a sandbox warehouse system")).to_be_checked()
        page.get_by_role("button", name="Save and list warehouses").click()
        expect(page.get_by_role("heading", name="3. Link your shipping locations")).to_be_visible()
        expect(page.get_by_label("Warehouse in your WMS")).to_contain_text(listed)
    shot(page, "05-locations")

    # 3. A location linked to a warehouse of the live list.
    page.get_by_label("Location name").fill("West coast")
    page.get_by_label("Warehouse in your WMS").select_option(label="Ontario, CA (CA1)")
    page.get_by_role("button", name="Add location").click()
    expect(page.get_by_role("table")).to_contain_text("CA1")
    page.get_by_role("link", name="Next →").click()

    # 4. Rules, and the SKU mapping (optional) that the test return then uses.
    csv_file = tmp_path / "skus.csv"
    csv_file.write_text("platform_sku,wms_sku\nTEE-BLK-M,100234\n")
    page.get_by_label("SKU mapping CSV").set_input_files(csv_file)
    page.get_by_role("button", name="Upload mappings").click()
    expect(page.locator("#import-result")).to_contain_text("1 added")
    shot(page, "06-rules")
    page.get_by_role("button", name="Save rules and continue").click()

    # 5. The test return: the RMA and checks of what the sandbox ShipMonk really received.
    page.get_by_role("button", name="Create a test return").click()
    expect(page.locator(".event.rma-created")).to_contain_text("created at", timeout=60_000)
    expect(page.locator(".checks li.ok")).to_have_count(4)
    products = page.locator(".checks li", has_text="Products")
    expect(products).to_contain_text("SKUs at the warehouse: 100234 (your TEE-BLK-M), BACKHAUL-TEST-TEE")
    expect(page.locator("#test-run h3")).to_contain_text("as the warehouse received them")
    shot(page, "07-test-return")
    page.get_by_role("link", name="Next →").click()

    # 6. Go live: the button is gone afterwards.
    page.get_by_role("button", name="Go live").click()
    expect(page.locator(".messages")).to_contain_text("Loop and ShipMonk are now live.")
    expect(page.get_by_role("button", name="Go live")).to_have_count(0)
    shot(page, "08-live")
    assert {c.status for c in Connection.objects.filter(store=store, provider__in=("loop", "shipmonk"))} == {
        Connection.Status.ACTIVE
    }

    # Later: a shopper's return arrives from Loop and reaches the warehouse.
    loop = _sandbox_account(store, "loop")
    label = {"status": "new", "carrier": "USPS", "tracking_number": "9400111000000001042", "line_items": []}
    payload = return_payload(
        return_id="900001", order_name="#1042", lines=[{"sku": "TEE-BLK-M", "quantity": 1}], label=label
    )
    sandbox_webhook_send(account=loop, event_type="return.created", payload=payload)
    wait_for(lambda: RMA.objects.filter(store=store, number="1042", status="submitted").exists(), timeout=60)

    # The merchant's home: their returns, each RMA and its timeline.
    page.goto(f"{site}/setup/")
    expect(page.get_by_role("heading", name="Acme Tees")).to_be_visible()
    expect(page.get_by_text("Nothing needs your action.")).to_be_visible()
    shot(page, "09-overview")
    page.locator(".storenav").get_by_role("link", name="Returns").click()
    page.get_by_label("Order").fill("#1042")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("table.returns tbody tr")).to_have_count(1)
    shot(page, "10-returns")
    page.get_by_role("link", name="#1042").click()
    expect(page.get_by_role("heading", name="RMA 1042")).to_contain_text("Submitted to the warehouse")
    expect(page.locator(".rma-card")).to_contain_text("Sent to ShipMonk, West coast (CA1)")
    expect(page.locator(".rma-card table")).to_contain_text("100234")
    expect(page.locator(".timeline")).to_contain_text("ShipMonk RMA 1042 created at CA1")
    shot(page, "11-return")


def test_a_warehouse_failing_at_the_test_step_is_named_within_seconds(
    site: str, celery_worker: Any, page: Page, server_errors: list[str], django_user_model: Any
) -> None:
    store = _sandbox_store("Failing Tees")
    _member(store, django_user_model)
    shipmonk = _sandbox_account(store, "shipmonk")
    _log_in(page, site, "mia")

    # A 503: named within seconds of the attempt, and the step that lost its tick says why.
    shipmonk.failure_mode, shipmonk.failures_remaining = SandboxAccount.FailureMode.SERVER_ERROR, 1000
    shipmonk.save()
    page.goto(f"{site}/setup/stores/{store.slug}/test/")
    page.get_by_role("button", name="Create a test return").click()
    started = time.monotonic()
    run = page.locator("#test-run")
    expect(run).to_contain_text("ShipMonk did not take RMA", timeout=30_000)
    named_after = time.monotonic() - started
    expect(run).to_contain_text("ShipMonk answered 503 Service Unavailable")
    expect(run).to_contain_text("and tries again by itself")
    shot(page, "12-test-warehouse-503")
    assert named_after < 30, f"the 503 was named {named_after:.1f}s after the attempt"
    page.get_by_role("link", name="Warehouse system").click()
    expect(page.locator(".status")).to_contain_text("No longer working")
    expect(page.locator(".status")).to_contain_text("shipmonk answered 503")
    shot(page, "13-warehouse-lost-its-tick")

    # The warehouse recovers: Backhaul's own retry creates the RMA, the page follows.
    SandboxAccount.objects.filter(pk=shipmonk.pk).update(failures_remaining=0)
    page.go_back()
    expect(page.locator(".event.rma-created")).to_contain_text("created at", timeout=60_000)

    # A 401: the credentials were changed at ShipMonk; the test step points at step 2.
    SandboxAccount.objects.filter(pk=shipmonk.pk).update(failure_mode="")
    shipmonk.refresh_from_db()
    shipmonk.api_key = "sbx_rotated_key"
    shipmonk.save()
    page.goto(f"{site}/setup/stores/{store.slug}/test/")
    page.get_by_role("button", name=re.compile("Create (another|a) test return")).click()
    expect(run).to_contain_text("ShipMonk rejected the credentials", timeout=30_000)
    expect(run).to_contain_text("ShipMonk answered 401 Unauthorized")
    shot(page, "14-test-warehouse-401")
    run.get_by_role("link", name="Step 2: warehouse system").click()
    expect(page.locator(".sandbox")).to_contain_text("sbx_rotated_key")
    page.get_by_role("button", name="Save and list warehouses").click()
    expect(page.locator(".messages")).to_contain_text("answered with 2 warehouses")
    # Working credentials release the RMA that waited for them.
    wait_for(lambda: not RMA.objects.filter(store=store, status="pending").exists(), timeout=60)
    assert Connection.objects.get(store=store, provider="shipmonk").status == Connection.Status.DRAFT

    # An unknown SKU: the warehouse's refusal, with the way to the SKU mapping.
    SandboxAccount.objects.filter(pk=shipmonk.pk).update(skus=["100234"])
    page.goto(f"{site}/setup/stores/{store.slug}/test/")
    page.get_by_role("button", name=re.compile("Create (another|a) test return")).click()
    expect(run).to_contain_text("ShipMonk refused RMA", timeout=30_000)
    expect(run).to_contain_text("does not exist")
    expect(run.get_by_role("link", name="Step 4: SKU mapping")).to_be_visible()
    shot(page, "15-test-unknown-sku")


def test_rejected_credentials_after_go_live_are_emailed_and_fixed_from_the_merchants_pages(
    site: str, celery_worker: Any, page: Page, server_errors: list[str], django_user_model: Any
) -> None:
    store = _sandbox_store("Live Tees")
    wizard.store_go_live(store=store)
    _member(store, django_user_model)
    shipmonk = _sandbox_account(store, "shipmonk")
    shipmonk.api_key = "sbx_rotated_key"
    shipmonk.save()
    payload = return_payload(return_id="900077", order_name="#1077", lines=[{"sku": "CAP-NVY", "quantity": 2}])
    sandbox_webhook_send(account=_sandbox_account(store, "loop"), event_type="return.created", payload=payload)

    def rejected() -> bool:
        return Connection.objects.filter(store=store, status=Connection.Status.CREDENTIALS_REJECTED).exists()

    wait_for(rejected, timeout=60)
    wait_for(lambda: len(mail.outbox) == 1, timeout=60)
    email = mail.outbox[0]
    assert email.to == ["mia@example.com"]
    assert email.subject == "[Backhaul] Live Tees: a provider rejected the credentials"
    assert f"{site}/setup/stores/{store.slug}/warehouse/" in email.body
    rma = RMA.objects.get(store=store, number="1077")
    assert (rma.status, rma.attempts) == (RMA.Status.PENDING, 0)

    _log_in(page, site, "mia")
    expect(page.get_by_role("heading", name="Live Tees")).to_be_visible()
    action = page.locator(".action").first
    expect(action).to_contain_text("ShipMonk rejected the credentials")
    expect(action).to_contain_text("Credentials rejected by ShipMonk: shipmonk answered 401")
    expect(page.locator(f"#connection-{shipmonk.connection_id}")).to_contain_text("Credentials rejected")
    shot(page, "16-overview-credentials-rejected")
    action.get_by_role("link", name="Change the ShipMonk credentials").click()
    page.get_by_role("button", name="Save and list warehouses").click()
    expect(page.locator(".messages")).to_contain_text("answered with 2 warehouses")
    wait_for(lambda: RMA.objects.filter(pk=rma.pk, status="submitted").exists(), timeout=60)
    page.goto(f"{site}/setup/stores/{store.slug}/home/")
    expect(page.get_by_text("Nothing needs your action.")).to_be_visible()
    page.locator(f"#connection-{shipmonk.connection_id}").get_by_role("button", name="Test ShipMonk again").click()
    expect(page.locator(".messages")).to_contain_text("ShipMonk: ShipMonk answered")
    shot(page, "17-overview-healthy")
    page.goto(f"{site}/setup/notifications/")
    expect(page.get_by_label("A provider rejected the credentials")).to_be_checked()
    shot(page, "18-email-settings")


def test_a_second_merchant_is_refused_everywhere(
    site: str, page: Page, server_errors: list[str], django_user_model: Any
) -> None:
    store = store_create(name="Private Tees")
    other = store_create(name="Eve's Shop")
    _member(other, django_user_model, username="eve")
    _log_in(page, site, "eve")
    for path in ("", "platform/", "warehouse/", "locations/", "test/", "live/", "home/", "returns/"):
        response = page.goto(f"{site}/setup/stores/{store.slug}/{path}")
        assert response is not None
        assert response.status == 404, path
        expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
        expect(page.locator("main")).not_to_contain_text("Private Tees")
    shot(page, "19-not-found")


def test_a_sandbox_this_server_may_not_call_is_explained_twice_and_leaves_nothing_half_made(
    site: str, page: Page, server_errors: list[str], settings: Any, django_user_model: Any
) -> None:
    """The live server is plain http on loopback: with private URLs refused, its own sandbox is too."""
    settings.ALLOW_PRIVATE_PROVIDER_URLS = False
    store = store_create(name="Acme Tees")
    _member(store, django_user_model)
    _log_in(page, site, "mia")
    page.goto(f"{site}/setup/stores/{store.slug}/platform/")
    page.get_by_label("Loop", exact=True).check()
    page.get_by_label("Try it with the sandbox Loop or Redo").check()
    for attempt in (1, 2):  # saving again says the same, and still writes nothing
        page.get_by_role("button", name="Save and check connection").click()
        refusal = page.get_by_text("The sandbox's address")
        expect(refusal).to_contain_text(f"({site}) is refused on this server")
        expect(refusal).to_contain_text("enter your real account's credentials and untick the sandbox")
        expect(page.get_by_label("Loop", exact=True)).to_be_checked()
        expect(page.get_by_label("Try it with the sandbox Loop or Redo")).to_be_checked()
        assert not store.connections.exists(), attempt
        assert not SandboxAccount.objects.exists(), attempt
    shot(page, "20-sandbox-refused")


def test_a_visitor_runs_the_demo_after_logging_in(
    site: str, page: Page, server_errors: list[str], admin_user: Any
) -> None:
    page.goto(f"{site}/")
    page.get_by_role("button", name="Run the demo").click()
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill("password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Run the demo")).to_be_visible()
    shot(page, "20-demo")
    page.get_by_role("button", name="Run the demo").click()
    expect(page.locator(".messages")).to_contain_text("Demo started")
