"""A merchant completes the wizard in Debian's chromium against the sandbox providers, with a real worker.

Steps 1–4, then the test return (step 5) arrives as a signed Loop webhook and its RMA is planned;
test data may reach a sandbox WMS before go-live, so the test page shows the RMA creation
entry and the four checks at once; step 6 then makes the connections live.
"""

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from config.env import VAR_DIR
from integrations.models import Connection, Store, StoreMembership
from returns.models import RMA

ARTIFACTS = VAR_DIR / "test-artifacts"


@pytest.mark.browser
@pytest.mark.worker
def test_merchant_completes_the_wizard_against_the_sandbox(
    live_server: Any, celery_worker: Any, page: Page, settings: Any, django_user_model: Any, tmp_path: Path
) -> None:
    settings.PUBLIC_BASE_URL = live_server.url
    settings.TRACKSTAR_API_KEY = "org-key-for-tests"
    store = Store.objects.create(name="Sandbox Tees", slug="sandbox-tees", is_sandbox=True)
    user = django_user_model.objects.create_user(username="mia", password="correct horse battery")
    StoreMembership.objects.create(store=store, user=user)
    page.set_default_timeout(15_000)

    page.goto(f"{live_server.url}/setup/")
    page.get_by_label("Username").fill("mia")
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Log in").click()

    # 1. Returns platform
    expect(page.get_by_role("heading", name="1. Connect your returns platform")).to_be_visible()
    page.get_by_label("Loop", exact=True).check()
    page.get_by_label("Try it with the sandbox").check()
    page.get_by_role("button", name="Save and check connection").click()
    expect(page.get_by_role("status").first).to_contain_text("Loop accepted the API key")
    endpoint = store.connections.get(provider="loop").webhook_path
    expect(page.get_by_label("Webhook URL")).to_have_value(f"{live_server.url}{endpoint}")
    expect(page.get_by_label("Loop API key")).to_have_value("")
    page.get_by_role("link", name="Next →").click()

    # 2. Warehouse system: ShipMonk through a TrackStar access token
    page.get_by_label("ShipMonk through TrackStar").check()
    page.get_by_label("Try it with a sandbox warehouse system").check()
    page.get_by_role("button", name="Save and list warehouses").click()

    # 3. Shipping locations
    expect(page.get_by_role("heading", name="3. Link your shipping locations")).to_be_visible()
    expect(page.get_by_role("status").first).to_contain_text("answered with 2 warehouses")
    page.get_by_label("Location name").fill("West coast")
    page.get_by_label("Warehouse in your WMS").select_option(label="Ontario, CA (CA1)")
    expect(page.get_by_label("Default location")).to_be_checked()
    page.get_by_role("button", name="Add location").click()
    expect(page.get_by_role("table")).to_contain_text("TrackStar 1 · CA1")
    page.get_by_role("link", name="Next →").click()

    # 4. Rules and a SKU mapping file with one bad row
    expect(page.get_by_text("Manual is recommended")).to_be_visible()
    csv_file = tmp_path / "skus.csv"
    csv_file.write_text("platform_sku,wms_sku\nTEE-BLK-M,100234\n,100235\n")
    page.get_by_label("SKU mapping CSV").set_input_files(csv_file)
    page.get_by_role("button", name="Upload mappings").click()
    expect(page.locator("#import-result")).to_contain_text("1 added, 0 updated, 0 unchanged, 1 row skipped")
    expect(page.get_by_role("table")).to_contain_text("platform_sku is empty")
    page.get_by_label("Manual: the platform processes after the warehouse does").check()
    page.get_by_label("When the return is created").check()
    page.get_by_role("button", name="Save rules and continue").click()

    # 5. Test return: the signed webhook arrives, the return is created and its RMA planned
    page.get_by_role("button", name="Create a test return").click()
    run = page.locator("#test-run")
    expect(run).to_contain_text("Return created in Loop", timeout=30_000)
    # Test data may reach a sandbox WMS before go-live: the RMA is created at step 5.
    expect(page.locator(".event.rma-created")).to_contain_text("RMA", timeout=30_000)
    expect(page.locator(".event.rma-created")).to_contain_text("created at CA1")
    checks = page.locator(".checks li")
    expect(checks).to_have_count(4)
    for label in ("Order linkage", "Products", "Quantities", "Tracking"):
        expect(page.locator(".checks li.ok", has_text=label)).to_be_visible()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "setup-wizard-test-step.png"), full_page=True)
    page.get_by_role("link", name="Next →").click()

    # 6. Go live: the connections become active
    expect(page.get_by_role("heading", name="6. Go live")).to_be_visible()
    page.get_by_role("button", name="Go live").click()
    expect(page.locator(".messages")).to_contain_text("now live")
    assert set(store.connections.values_list("status", flat=True)) == {Connection.Status.ACTIVE}
    rma = RMA.objects.get(store=store)
    assert rma.status == RMA.Status.SUBMITTED
    assert rma.is_test
    assert [(line.platform_sku, line.sku, line.quantity) for line in rma.lines.order_by("sku")] == [
        ("TEE-BLK-M", "100234", 2),
        ("BACKHAUL-TEST-TEE", "BACKHAUL-TEST-TEE", 1),
    ]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "setup-wizard-go-live.png"), full_page=True)
