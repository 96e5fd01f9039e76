"""The support console in Debian's chromium at 1366x768 (issue 15): a return's case page and its evidence
links, a confirmation page, and no horizontal scroll on any changelist.

Screenshots go to var/artifacts/console/ for a person to look at.
"""

from typing import Any

import pytest
from django.contrib import admin
from django.urls import reverse
from playwright.sync_api import Page, expect

from config.env import VAR_DIR
from integrations.models import ApiCall, Connection, InboundWebhook
from returns.models import RMA, Return, TimelineEvent
from tests.conftest import admin_log_in
from tests.factories import (
    ConnectionFactory,
    InboundWebhookFactory,
    ReturnFactory,
    ReturnLineFactory,
    ReturnShipmentFactory,
    RMAFactory,
    RMALineFactory,
    ShippingLocationFactory,
)
from tests.setup.conftest import browser_type_launch_args  # noqa: F401 (the fixture: Debian's chromium)

ARTIFACTS = VAR_DIR / "artifacts" / "console"
LONG = "Unknown SKU TEE-BLK-M-" + "VERYLONGSKUWITHOUTSPACES" * 12 + " and the warehouse said no " * 10


def _story() -> dict[str, Any]:
    loop = ConnectionFactory(provider="loop", name="Loop (Acme)")
    store = loop.store
    shipmonk = ConnectionFactory(store=store, provider="shipmonk", consecutive_failures=3, last_error=LONG)
    location = ShippingLocationFactory(store=store, warehouse_connection=shipmonk, is_default=True)
    return_obj = ReturnFactory(
        store=store, connection=loop, state="open", outcome="refund", platform_action=Return.PlatformActionStatus.FAILED
    )
    ReturnLineFactory(
        return_obj=return_obj, sku="TEE-BLK-M", quantity=2, reason="Too small", processing_instruction="restock"
    )
    ReturnShipmentFactory(return_obj=return_obj)
    rma = RMAFactory(
        return_obj=return_obj,
        warehouse_connection=shipmonk,
        location=location,
        status=RMA.Status.NEEDS_ATTENTION,
        attempts=3,
        last_error=LONG,
    )
    RMALineFactory(rma=rma)
    webhook = InboundWebhookFactory(
        connection=loop, store=store, event_type="return.created", status=InboundWebhook.Status.PROCESSED
    )
    InboundWebhookFactory(connection=loop, store=store, status=InboundWebhook.Status.FAILED, error=LONG)
    call = ApiCall.objects.create(
        connection=shipmonk,
        provider="shipmonk",
        operation="rma_create",
        method="POST",
        url="https://api.shipmonk.test/v1/returns/" + "x" * 200,
        status_code=422,
        response_body='{"error": "Unknown SKU"}',
        error_class="ProviderPermanentError",
        error_message=LONG,
        rma=rma,
        return_obj=return_obj,
    )
    TimelineEvent.objects.create(
        return_obj=return_obj, kind="return_created", message="Return created in Loop", webhook=webhook
    )
    TimelineEvent.objects.create(
        return_obj=return_obj, rma=rma, kind="rma_planned", message=f"RMA {rma.number} planned", webhook=webhook
    )
    TimelineEvent.objects.create(
        return_obj=return_obj,
        rma=rma,
        kind="rma_rejected",
        level="error",
        message=f"ShipMonk rejected RMA {rma.number}: {LONG}"[:500],
        api_call=call,
    )
    ConnectionFactory(provider="trackstar", wms_name="shipstream", status=Connection.Status.CREDENTIALS_REJECTED)
    return {"return": return_obj, "rma": rma, "webhook": webhook, "call": call}


def _login(page: Page, live_server: Any, django_user_model: Any) -> None:
    # Not "support": the timeline's "by <name>" must come from the request, not the services' default word.
    django_user_model.objects.create_superuser("dana", "dana@example.com", "correct horse battery")
    admin_log_in(page, live_server.url, username="dana", password="correct horse battery")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_case_page_evidence_links_and_a_confirmation(live_server: Any, page: Page, django_user_model: Any) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    story = _story()
    _login(page, live_server, django_user_model)
    case_url = f"{live_server.url}{reverse('admin:returns_return_change', args=[story['return'].pk])}"

    response = page.goto(case_url)
    assert response is not None
    assert response.status == 200
    expect(page.locator("#content")).to_contain_text("RMA planned")
    expect(page.locator("#content")).to_contain_text("Failed: needs support")
    page.screenshot(path=str(ARTIFACTS / "case-page.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")

    page.locator("a.bh-evidence-webhook").first.click()
    expect(page).to_have_url(
        f"{live_server.url}{reverse('admin:integrations_inboundwebhook_change', args=[story['webhook'].pk])}"
    )
    page.goto(case_url)
    page.locator("a.bh-evidence-api-call").first.click()
    expect(page.locator("#content")).to_contain_text("Unknown SKU")
    page.screenshot(path=str(ARTIFACTS / "case-evidence-api-call.png"))

    page.goto(case_url)
    page.get_by_role("link", name="Retry push").click()
    expect(page.locator("#content")).to_contain_text("fresh attempt budget")
    page.screenshot(path=str(ARTIFACTS / "confirm-retry-push.png"))
    page.get_by_role("button", name="Yes, do it").click()
    expect(page).to_have_url(case_url)
    expect(page.locator(".messagelist")).to_contain_text("queued for another push")
    expect(page.locator("#content")).to_contain_text("queued again by dana")
    page.screenshot(path=str(ARTIFACTS / "case-after-retry.png"), full_page=True)

    # Changing one's mind: "No, take me back" returns to the case page and changes nothing.
    page.get_by_role("link", name="Correct status").first.click()
    page.get_by_role("link", name="No, take me back").click()
    expect(page).to_have_url(case_url)
    assert RMA.objects.get(pk=story["rma"].pk).status == RMA.Status.PENDING

    # A reason of spaces first: refused on the form, nothing changed; then a real one.
    page.get_by_role("link", name="Correct status").first.click()
    page.get_by_label("Status").select_option(label="Cancelled")
    page.get_by_label("Why?").fill("   ")
    page.get_by_role("button", name="Yes, do it").click()
    expect(page.locator(".errorlist")).to_contain_text("Say why: the reason is kept on the return's timeline.")
    page.screenshot(path=str(ARTIFACTS / "confirm-correct-status-no-reason.png"))
    assert RMA.objects.get(pk=story["rma"].pk).status == RMA.Status.PENDING
    page.get_by_label("Why?").fill("Warehouse lost the parcel")
    page.get_by_role("button", name="Yes, do it").click()
    expect(page).to_have_url(case_url)
    expect(page.locator("#content")).to_contain_text("by dana: Warehouse lost the parcel")
    assert RMA.objects.get(pk=story["rma"].pk).status == RMA.Status.CANCELLED
    page.screenshot(path=str(ARTIFACTS / "case-after-correction.png"), full_page=True)

    connection_id = story["rma"].warehouse_connection_id
    page.goto(f"{live_server.url}{reverse('admin:integrations_connection_change', args=[connection_id])}")
    expect(page.locator("#content")).to_contain_text("failed calls in a row")
    page.screenshot(path=str(ARTIFACTS / "connection-page.png"), full_page=True)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_no_changelist_scrolls_sideways_at_1366(live_server: Any, page: Page, django_user_model: Any) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    _story()
    _login(page, live_server, django_user_model)
    too_wide = {}
    for model in sorted(admin.site._registry, key=lambda m: m._meta.label):
        name = f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"
        response = page.goto(f"{live_server.url}{reverse(name)}")
        assert response is not None
        assert response.status == 200, name
        # The page, and the results area beside the open navigation sidebar: a table wider than its area hides
        # its last columns behind a sideways scroll.
        widths = page.evaluate(
            """() => {
                const page = document.documentElement, results = document.querySelector('#changelist .results');
                return {page: [page.scrollWidth, page.clientWidth],
                        results: results ? [results.scrollWidth, results.clientWidth] : [0, 0],
                        sidebar: !!document.querySelector('#nav-sidebar') &&
                                 getComputedStyle(document.querySelector('#nav-sidebar')).display !== 'none'}
            }"""
        )
        assert widths["sidebar"], name
        if widths["page"][0] > widths["page"][1] or widths["results"][0] > widths["results"][1]:
            too_wide[model._meta.label] = widths
        page.screenshot(path=str(ARTIFACTS / f"changelist-{model._meta.label_lower}.png"))
    assert too_wide == {}, "\n".join(f"{k}: {v}" for k, v in too_wide.items())
