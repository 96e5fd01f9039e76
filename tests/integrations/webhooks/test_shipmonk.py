"""ShipMonk webhooks: Basic Auth (+ X-Sm-Signature), shipment notifications and return status changes."""

import datetime as dt
import json

import pytest
from django.test import Client

from integrations.models import InboundWebhook
from integrations.services.webhooks import webhook_process
from returns.models import RMA, OrphanReceipt, RMALine, TimelineEvent
from tests.conftest import load_fixture
from tests.factories import RMAFactory, RMALineFactory, ShippingLocationFactory
from tests.integrations.webhooks.conftest import post_webhook
from warehouses.models import Fulfillment

PROCESSED = InboundWebhook.Status.PROCESSED
pytestmark = pytest.mark.django_db


def test_shipment_notification_with_several_packages(check_webhook, connection_for):
    conn = connection_for("shipmonk")
    location = ShippingLocationFactory(store=conn.store, warehouse_connection=conn, wms_warehouse_code="CA1")
    check_webhook(
        "shipmonk",
        "shipment_notification",
        {
            Fulfillment: [
                {
                    "order_key": "shopify-5550001112",
                    "warehouse_code": "CA1",
                    "location_id": location.pk,
                    "tracking_numbers": ["9400100000000000000002", "9400100000000000000003"],
                    "ordered_at": dt.datetime(2025, 3, 1, 18, 0, tzinfo=dt.UTC),
                    # {date, timezone: America/Los_Angeles} legacy form.
                    "shipped_at": dt.datetime(2025, 3, 2, 22, 5, tzinfo=dt.UTC),
                }
            ]
        },
        webhook_status=PROCESSED,
    )


def test_split_order_gives_one_fulfillment_per_shipment(check_webhook):
    check_webhook("shipmonk", "shipment_notification")
    check_webhook(
        "shipmonk", "shipment_notification_split", {Fulfillment: [{"warehouse_code": "CA1"}, {"warehouse_code": "NJ2"}]}
    )


def test_same_notification_twice_is_one_fulfillment(check_webhook):
    check_webhook("shipmonk", "shipment_notification")
    check_webhook(
        "shipmonk",
        "shipment_notification",
        {Fulfillment: [{"warehouse_code": "CA1"}]},
        status=200,
        webhook_status=InboundWebhook.Status.DUPLICATE,
    )


def test_return_status_change_updates_rma(check_webhook, connection_for):
    conn = connection_for("shipmonk")
    rma = RMAFactory(number="1042", warehouse_connection=conn, return_obj__store=conn.store)
    RMALineFactory(rma=rma, sku="TEE-BLK-M", quantity=2)
    check_webhook(
        "shipmonk", "return_status_en_route", {RMA: [{"status": "in_transit", "warehouse_status": "en_route"}]}
    )
    check_webhook(
        "shipmonk",
        "return_status_returned",
        {
            RMA: [{"status": "received", "outcome": "fully_received"}],
            RMALine: [{"received_quantity": 2, "restocked_quantity": 2}],
        },
        webhook_status=PROCESSED,
    )
    assert TimelineEvent.objects.filter(message="Received at CA1: 2 × TEE-BLK-M, good, restocked").exists()


def test_older_return_status_does_not_regress(check_webhook, connection_for):
    conn = connection_for("shipmonk")
    rma = RMAFactory(number="1042", warehouse_connection=conn, return_obj__store=conn.store)
    RMALineFactory(rma=rma, sku="TEE-BLK-M", quantity=2)
    check_webhook("shipmonk", "return_status_returned")
    check_webhook("shipmonk", "return_status_en_route", {RMA: [{"status": "received"}]})


def test_news_of_an_rma_we_do_not_know_is_ignored(check_webhook):
    webhook = check_webhook("shipmonk", "return_status_en_route", webhook_status=InboundWebhook.Status.IGNORED)
    assert "no RMA 1042" in webhook.error


def test_a_parcel_received_for_an_rma_we_do_not_know_is_kept_as_an_orphan_receipt(check_webhook):
    webhook = check_webhook(
        "shipmonk",
        "return_status_returned",
        {
            OrphanReceipt: [
                {
                    "rma_number": "1042",
                    "external_id": "5501",
                    "status": "received",
                    "state": "open",
                    "tracking_numbers": ["9400100000000000000001"],
                    "order_refs": ["shopify-5550001112", "5550001112"],
                    "lines": [{"sku": "TEE-BLK-M", "expected": 2, "received": 2, "restocked": 2}],
                }
            ]
        },
        webhook_status=PROCESSED,
    )
    assert OrphanReceipt.objects.get().webhook_id == webhook.pk


def test_a_return_the_warehouse_made_itself_has_no_rma_and_is_kept_by_shipmonks_id(check_webhook):
    check_webhook(
        "shipmonk",
        "return_status_returned_no_rma",
        {OrphanReceipt: [{"rma_number": "", "wms_key": "id:5599", "tracking_numbers": ["9400100000000000000077"]}]},
        webhook_status=PROCESSED,
    )
    # Another parcel the warehouse made a return for at the same moment is not a duplicate of it.
    body = json.loads(load_fixture("shipmonk", "return_status_returned_no_rma"))
    body["id"] = 5600
    connection = InboundWebhook.objects.get().connection
    assert post_webhook(Client(), connection, json.dumps(body).encode()).status_code == 202
    webhook_process(webhook_id=InboundWebhook.objects.order_by("-id").first().pk)
    assert sorted(OrphanReceipt.objects.values_list("wms_key", flat=True)) == ["id:5599", "id:5600"]


def test_a_return_made_by_another_integration_is_not_ours(check_webhook):
    webhook = check_webhook(
        "shipmonk",
        "return_status_returned_native_loop",
        {OrphanReceipt: []},
        webhook_status=InboundWebhook.Status.IGNORED,
    )
    assert webhook.error == "ShipMonk return 1042 was made by its loop integration, not Backhaul: not ours to report"


def test_order_status_change_is_ignored(check_webhook):
    check_webhook("shipmonk", "order_status_change", status=200, webhook_status=InboundWebhook.Status.IGNORED)


@pytest.mark.parametrize("encoding", ["hex", "base64"])
def test_signature_accepted_as_hex_or_base64(check_webhook, encoding):
    check_webhook("shipmonk", "shipment_notification", sm_encoding=encoding, webhook_status=PROCESSED)


def test_wrong_basic_password_is_401(check_webhook):
    check_webhook("shipmonk", "shipment_notification", {Fulfillment: []}, status=401, password="wrong")


def test_signature_required_when_a_key_is_configured(check_webhook, connection_for, client):
    from tests.conftest import load_fixture

    from .conftest import post_webhook
    from .signing import signed_headers

    conn = connection_for("shipmonk")
    body = load_fixture("shipmonk", "shipment_notification")
    headers = signed_headers(conn, body)
    del headers["X-Sm-Signature"]
    assert post_webhook(client, conn, body, headers=headers).status_code == 401
    assert InboundWebhook.objects.get().verification_reason == "missing X-Sm-Signature header"


def test_basic_auth_only_when_no_signing_key(check_webhook, connection_for):
    connection_for("shipmonk", webhook_secret="")
    check_webhook("shipmonk", "shipment_notification", secret="", webhook_status=PROCESSED)


def test_a_return_names_its_tracking_numbers_and_the_orders_key_and_id() -> None:
    from integrations.providers.shipmonk.mappers import return_status_event

    event = return_status_event(json.loads(load_fixture("shipmonk", "return_status_returned")))
    assert event.tracking_numbers == ("9400100000000000000001",)
    assert event.order_refs == ("shopify-5550001112", "5550001112")
    assert event.foreign_source == ""
    native = return_status_event(json.loads(load_fixture("shipmonk", "return_status_returned_native_loop")))
    assert native.foreign_source == "loop"
