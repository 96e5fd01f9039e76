"""Step 5: the synthetic return is sent as a signed platform webhook; the polled partial shows its progress."""

import html
import json
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from integrations.models import ApiCall, Connection, Store
from integrations.sandbox.models import SandboxAccount, SandboxReturn, SandboxWebhookDelivery
from returns.models import RMA, TimelineEvent
from tests.factories import ReturnFactory, ReturnLineFactory, ReturnShipmentFactory, RMAFactory, RMALineFactory
from warehouses.models import ShippingLocation

pytestmark = pytest.mark.django_db


def url(store: Store, name: str, **kwargs: Any) -> str:
    return reverse(f"setup:{name}", kwargs={"slug": store.slug, **kwargs})


@pytest.fixture
def ready(store: Store) -> dict[str, Connection]:
    platform = Connection.objects.create(
        store=store, role="returns_platform", provider="loop", api_key="k", webhook_secret="whs"
    )
    wms = Connection.objects.create(store=store, role="warehouse", provider="shipmonk", api_key="k")
    ShippingLocation.objects.create(
        store=store, name="West", warehouse_connection=wms, wms_warehouse_code="CA1", is_default=True
    )
    return {"platform": platform, "wms": wms}


def test_without_the_sandbox_the_page_explains_why(
    merchant_client: Client, store: Store, ready: dict, settings: Any
) -> None:
    settings.SANDBOX_ENABLED = False
    page = merchant_client.get(url(store, "test")).content.decode()
    assert "Test returns are not available on this server" in page
    assert "Create a test return" not in page
    response = merchant_client.post(url(store, "test"), follow=True)
    assert "turned off on this server" in response.content.decode()
    assert not SandboxWebhookDelivery.objects.exists()


def test_the_platform_must_be_connected_first(merchant_client: Client, store: Store) -> None:
    response = merchant_client.post(url(store, "test"), follow=True)
    assert "Connect your returns platform first" in response.content.decode()


def test_a_loop_test_return_is_queued_as_a_signed_webhook_to_the_stores_endpoint(
    merchant_client: Client, store: Store, ready: dict, settings: Any
) -> None:
    settings.PUBLIC_BASE_URL = "http://127.0.0.1:8123"
    response = merchant_client.post(url(store, "test"))
    delivery = SandboxWebhookDelivery.objects.get()
    assert response["Location"] == f"{url(store, 'test')}?run={delivery.pk}"
    account = SandboxAccount.objects.get()
    assert (account.provider, account.connection_id) == ("loop", ready["platform"].pk)
    assert delivery.url == f"http://127.0.0.1:8123/webhooks/loop/{ready['platform'].endpoint_token}/"
    body = json.loads(delivery.body)
    assert body["test"] is True
    assert body["trigger"] == "return.created"
    assert [item["sku"] for item in body["line_items"]] == ["BACKHAUL-TEST-TEE"] * 2 + ["BACKHAUL-TEST-CAP"]
    assert body["labels"][0]["tracking_number"].startswith("9400")
    assert body["order_name"].startswith("#TEST-")

    merchant_client.post(url(store, "test"))
    assert SandboxAccount.objects.count() == 1  # created on demand, once


def test_mapped_skus_are_used_for_a_redo_test_return(merchant_client: Client, store: Store, ready: dict) -> None:
    ready["platform"].delete()
    Connection.objects.create(
        store=store,
        role="returns_platform",
        provider="redo",
        api_key="k",
        webhook_secret="tok",
        external_account_id="s",
    )
    store.sku_mappings.create(platform_sku="TEE-M", wms_sku="100234")
    merchant_client.post(url(store, "test"))
    body = json.loads(SandboxWebhookDelivery.objects.get().body)
    assert body["type"] == "created"
    assert body["test"] is True
    assert [(i["sku"], i["quantity"]) for i in body["return"]["items"]] == [("TEE-M", 2), ("BACKHAUL-TEST-TEE", 1)]
    assert body["return"]["shipment"]["tracker"].startswith("9400")


def _delivery(store: Store, connection: Connection, external_id: str, status_code: int | None = None) -> Any:
    account = SandboxAccount.objects.create(provider="loop", connection=connection)
    return SandboxWebhookDelivery.objects.create(
        account=account,
        url="http://x/",
        event_type="return.created",
        body=json.dumps({"id": external_id}),
        status_code=status_code,
    )


def test_the_partial_polls_until_the_return_arrives(merchant_client: Client, store: Store, ready: dict) -> None:
    delivery = _delivery(store, ready["platform"], "test-abc")
    partial_url = url(store, "test_timeline", delivery_id=delivery.pk)
    partial = merchant_client.get(partial_url)
    assert partial.status_code == 200
    assert "Sending the webhook" in partial.content.decode()
    page = merchant_client.get(f"{url(store, 'test')}?run={delivery.pk}").content.decode()
    region = re.search(r'<div id="test-run"[^>]*>', page).group(0)
    assert 'role="status"' in region
    assert 'aria-live="polite"' in region
    assert f'hx-get="{partial_url}"' in region
    assert 'hx-trigger="every 1s"' in region
    assert 'hx-swap="innerHTML"' in region


def test_a_refused_delivery_stops_polling_and_says_why(merchant_client: Client, store: Store, ready: dict) -> None:
    delivery = _delivery(store, ready["platform"], "test-abc", status_code=401)
    partial = merchant_client.get(url(store, "test_timeline", delivery_id=delivery.pk))
    assert partial.status_code == 286  # htmx: stop polling
    assert "Your endpoint answered HTTP 401" in partial.content.decode()
    assert "hx-trigger" not in merchant_client.get(f"{url(store, 'test')}?run={delivery.pk}").content.decode()


def _test_return(store: Store, platform: Connection, wms: Connection, *, sent_quantity: int = 2) -> RMA:
    ret = ReturnFactory(store=store, connection=platform, external_id="test-abc", order_name="#TEST-1", is_test=True)
    ReturnLineFactory(return_obj=ret, sku="TEE", line_key="TEE", quantity=2)
    ReturnLineFactory(return_obj=ret, sku="CAP", line_key="CAP", quantity=1)
    shipment = ReturnShipmentFactory(return_obj=ret, tracking_number="9400111")
    TimelineEvent.objects.create(return_obj=ret, kind="return_created", message="Return created in Loop")
    rma = RMAFactory(
        return_obj=ret,
        warehouse_connection=wms,
        number="TEST-1",
        order_name="#TEST-1",
        shipment=shipment,
        status=RMA.Status.PENDING,
    )
    RMALineFactory(rma=rma, sku="100234", platform_sku="TEE", quantity=sent_quantity)
    RMALineFactory(rma=rma, sku="CAP", platform_sku="CAP", quantity=1)
    return rma


def test_a_test_rma_waiting_for_go_live_is_explained(merchant_client: Client, store: Store, ready: dict) -> None:
    rma = _test_return(store, ready["platform"], ready["wms"])
    Connection.objects.filter(pk=ready["wms"].pk).update(status="paused")
    # What rma_push leaves on an RMA whose connection takes no pushes now.
    RMA.objects.filter(pk=rma.pk).update(
        last_error="Waiting: support paused the connection to ShipMonk. This RMA is sent once it is resumed."
    )
    delivery = _delivery(store, ready["platform"], "test-abc", status_code=200)
    partial = merchant_client.get(url(store, "test_timeline", delivery_id=delivery.pk))
    assert partial.status_code == 286
    assert "Waiting for go live" in partial.content.decode()
    assert "ShipMonk is not live yet (paused)" in partial.content.decode()


def test_an_rma_not_tried_yet_is_waited_for(merchant_client: Client, store: Store, ready: dict) -> None:
    _test_return(store, ready["platform"], ready["wms"])
    delivery = _delivery(store, ready["platform"], "test-abc", status_code=200)
    partial = merchant_client.get(url(store, "test_timeline", delivery_id=delivery.pk))
    assert partial.status_code == 200  # a draft connection takes test RMAs for a sandbox: keep watching
    assert "waiting for the warehouse RMA" in partial.content.decode()


def test_the_rma_creation_entry_ends_polling_and_ticks_the_checks(
    merchant_client: Client, store: Store, ready: dict
) -> None:
    rma = _test_return(store, ready["platform"], ready["wms"])
    RMA.objects.filter(pk=rma.pk).update(status=RMA.Status.SUBMITTED, pushed_tracking_numbers=["9400111"])
    TimelineEvent.objects.create(
        return_obj=rma.return_obj,
        rma=rma,
        kind="rma_submitted",
        level="success",
        message="ShipMonk RMA TEST-1 created at CA1",
    )
    delivery = _delivery(store, ready["platform"], "test-abc", status_code=200)
    response = merchant_client.get(url(store, "test_timeline", delivery_id=delivery.pk))
    html = response.content.decode()
    assert response.status_code == 286
    assert "RMA created" in html
    assert 'class="event success rma-created"' in html
    assert [(c.label, c.ok) for c in response.context["run"].checks] == [
        ("Order linkage", True),
        ("Products", True),
        ("Quantities", True),
        ("Tracking", True),
    ]
    progress = merchant_client.get(url(store, "test")).context["progress"]
    assert [s.done for s in progress if s.slug == "test"] == [True]


def test_a_quantity_mismatch_fails_its_check(merchant_client: Client, store: Store, ready: dict) -> None:
    rma = _test_return(store, ready["platform"], ready["wms"], sent_quantity=1)
    RMA.objects.filter(pk=rma.pk).update(pushed_tracking_numbers=["9400111"])
    TimelineEvent.objects.create(
        return_obj=rma.return_obj, rma=rma, kind="rma_submitted", level="success", message="RMA created"
    )
    delivery = _delivery(store, ready["platform"], "test-abc", status_code=200)
    checks = merchant_client.get(url(store, "test_timeline", delivery_id=delivery.pk)).context["run"].checks
    assert {c.label: c.ok for c in checks} == {
        "Order linkage": True,
        "Products": True,
        "Quantities": False,
        "Tracking": True,
    }


def test_the_checks_read_what_the_warehouse_received_after_sku_mapping(
    merchant_client: Client, store: Store, ready: dict
) -> None:
    rma = _test_return(store, ready["platform"], ready["wms"])
    TimelineEvent.objects.create(
        return_obj=rma.return_obj, rma=rma, kind="rma_submitted", level="success", message="RMA created"
    )
    account = SandboxAccount.objects.create(provider="shipmonk", connection=ready["wms"])
    # The warehouse's own copy: one TEE short and no tracking, whatever Backhaul's rows say.
    SandboxReturn.objects.create(
        account=account,
        external_id="100001",
        rma_number="TEST-1",
        order_ref="shopify-TEST-1",
        items=[{"sku": "100234", "quantity": 1}, {"sku": "CAP", "quantity": 1}],
        tracking_numbers=[],
    )
    delivery = _delivery(store, ready["platform"], "test-abc", status_code=200)
    response = merchant_client.get(url(store, "test_timeline", delivery_id=delivery.pk))
    run = response.context["run"]
    assert run.checks_source == "as the warehouse received them"
    checks = {c.label: c for c in run.checks}
    assert checks["Products"].ok
    assert checks["Products"].detail == "SKUs at the warehouse: 100234 (your TEE), CAP"
    assert "the warehouse links it to shopify-TEST-1" in checks["Order linkage"].detail
    assert not checks["Quantities"].ok
    assert checks["Quantities"].detail == "100234: 1 of 2, CAP: 1 of 1"
    assert not checks["Tracking"].ok
    assert checks["Tracking"].detail == "Label 9400111; at the warehouse: —"


def _failed_push(rma: RMA, status: int, words: str) -> None:
    ApiCall.objects.create(
        connection=rma.warehouse_connection,
        provider="shipmonk",
        operation="rma_create",
        method="POST",
        url="https://api.shipmonk.com/v1/integrations/returns",
        status_code=status,
        error_class="ProviderUnavailable" if status >= 500 else "ProviderRejected",
        error_message=f"shipmonk answered {status}: {words}",
        rma=rma,
    )


def test_a_warehouse_failing_with_503_is_shown_while_backhaul_retries(
    merchant_client: Client, store: Store, ready: dict
) -> None:
    rma = _test_return(store, ready["platform"], ready["wms"])
    _failed_push(rma, 503, "Service temporarily unavailable")
    RMA.objects.filter(pk=rma.pk).update(
        attempts=1, last_error="shipmonk answered 503: Service temporarily unavailable"
    )
    delivery = _delivery(store, ready["platform"], "test-abc", status_code=200)
    response = merchant_client.get(url(store, "test_timeline", delivery_id=delivery.pk))
    assert response.status_code == 200  # still watching: the retry may succeed
    page = html.unescape(response.content.decode())
    assert "ShipMonk did not take RMA TEST-1 yet." in page
    assert "ShipMonk answered 503 Service Unavailable: “Service temporarily unavailable”." in page
    assert "and tries again by itself" in page
    assert "waiting for the warehouse RMA" not in page


def test_an_unknown_sku_stops_the_test_and_points_at_the_sku_mapping(
    merchant_client: Client, store: Store, ready: dict
) -> None:
    rma = _test_return(store, ready["platform"], ready["wms"])
    _failed_push(rma, 422, "items[0].sku: unknown SKU 100234")
    RMA.objects.filter(pk=rma.pk).update(
        status="needs_attention", attempts=1, last_error="shipmonk answered 422: items[0].sku: unknown SKU 100234"
    )
    delivery = _delivery(store, ready["platform"], "test-abc", status_code=200)
    response = merchant_client.get(url(store, "test_timeline", delivery_id=delivery.pk))
    assert response.status_code == 286
    page = html.unescape(response.content.decode())
    assert "ShipMonk refused RMA TEST-1." in page
    assert "ShipMonk answered 422 Unprocessable Entity: “items[0].sku: unknown SKU 100234”." in page
    assert f'href="{url(store, "rules")}"' in page


def test_rejected_credentials_stop_the_test_and_point_at_step_2(
    merchant_client: Client, store: Store, ready: dict
) -> None:
    rma = _test_return(store, ready["platform"], ready["wms"])
    _failed_push(rma, 401, "Invalid API key")
    Connection.objects.filter(pk=ready["wms"].pk).update(status="credentials_rejected")
    RMA.objects.filter(pk=rma.pk).update(last_error="shipmonk answered 401: Invalid API key")
    delivery = _delivery(store, ready["platform"], "test-abc", status_code=200)
    response = merchant_client.get(url(store, "test_timeline", delivery_id=delivery.pk))
    assert response.status_code == 286
    page = html.unescape(response.content.decode())
    assert "ShipMonk rejected the credentials." in page
    assert "ShipMonk answered 401 Unauthorized: “Invalid API key”." in page
    assert f'href="{url(store, "warehouse")}"' in page


def test_a_connection_that_failed_after_working_shows_why_it_lost_its_tick(
    merchant_client: Client, store: Store, ready: dict
) -> None:
    from django.utils import timezone

    Connection.objects.filter(pk=ready["wms"].pk).update(
        last_success_at=timezone.now(), last_error="shipmonk answered 503: Service temporarily unavailable"
    )
    page = html.unescape(merchant_client.get(url(store, "warehouse")).content.decode())
    assert "No longer working" in page
    assert "Since then: “shipmonk answered 503: Service temporarily unavailable”." in page
    step = next(s for s in merchant_client.get(url(store, "test")).context["progress"] if s.slug == "warehouse")
    assert (step.done, step.problem) == (False, "shipmonk answered 503: Service temporarily unavailable")


def test_a_webhook_that_cannot_reach_the_endpoint_is_named(merchant_client: Client, store: Store, ready: dict) -> None:
    delivery = _delivery(store, ready["platform"], "test-abc")
    SandboxWebhookDelivery.objects.filter(pk=delivery.pk).update(
        attempts=1, response_body="ConnectionError: Connection refused (http://127.0.0.1:8000)"
    )
    response = merchant_client.get(url(store, "test_timeline", delivery_id=delivery.pk))
    assert response.status_code == 200  # retried by itself: keep watching
    page = html.unescape(response.content.decode())
    assert "Backhaul could not deliver the test webhook to your store's endpoint (http://x/)" in page
    assert "PUBLIC_BASE_URL" in page


def test_nothing_moving_points_at_the_worker(merchant_client: Client, store: Store, ready: dict) -> None:
    import datetime as dt

    from django.utils import timezone

    delivery = _delivery(store, ready["platform"], "test-abc")
    fresh = merchant_client.get(url(store, "test_timeline", delivery_id=delivery.pk)).content.decode()
    assert "Nothing has moved" not in fresh
    SandboxWebhookDelivery.objects.filter(pk=delivery.pk).update(created_at=timezone.now() - dt.timedelta(seconds=45))
    page = merchant_client.get(url(store, "test_timeline", delivery_id=delivery.pk)).content.decode()
    assert "Nothing has moved for 4" in page
    assert "is it running?" in page
