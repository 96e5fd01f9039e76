"""Loop webhooks: signed fixture in, expected rows out."""

import datetime as dt
from decimal import Decimal

import pytest

from integrations.models import InboundWebhook
from returns.models import Return, ReturnLine, ReturnShipment, TimelineEvent
from tests.conftest import load_fixture

from .conftest import post_webhook

PROCESSED = InboundWebhook.Status.PROCESSED
pytestmark = pytest.mark.django_db


def test_return_created(check_webhook):
    check_webhook(
        "loop",
        "return_created",
        {
            Return: [{"external_id": "880011", "order_name": "#1042", "state": "open", "total": Decimal("39.00")}],
            ReturnLine: [{"sku": "TEE-BLK-M", "quantity": 2, "reason": "Too small", "parent_reason": "Fit"}],
            ReturnShipment: [{"carrier": "USPS", "tracking_number": "9400100000000000000001"}],
        },
        webhook_status=PROCESSED,
    )
    messages = set(TimelineEvent.objects.values_list("message", flat=True))
    assert {"Return created in Loop", "Label created: USPS 9400100000000000000001"} <= messages


def test_return_updated_then_closed(check_webhook):
    check_webhook("loop", "return_created")
    check_webhook("loop", "return_updated", {Return: [{"state": "closed"}], ReturnShipment: [{"status": "in_transit"}]})
    check_webhook("loop", "return_closed", {Return: [{"state": "closed"}], ReturnLine: [{"quantity": 2}]})


def test_label_created_and_updated(check_webhook):
    check_webhook("loop", "return_created_no_label", {ReturnShipment: []})
    check_webhook("loop", "label_created", {ReturnShipment: [{"tracking_number": "1Z999AA10123456784"}]})
    check_webhook("loop", "label_updated", {ReturnShipment: [{"status": "in_transit"}]}, webhook_status=PROCESSED)


def test_label_before_its_return_is_retried_not_lost(check_webhook):
    webhook = check_webhook("loop", "label_created", webhook_status=InboundWebhook.Status.FAILED)
    assert "not known yet" in webhook.error


def test_label_request_issued_and_cancelled(check_webhook):
    check_webhook("loop", "return_created_no_label")
    check_webhook(
        "loop",
        "label_request_issued",
        {
            Return: [
                {
                    "destination_address": {
                        "name": "Returns CA1",
                        "company": "ShipMonk",
                        "address1": "1 Warehouse Way",
                        "city": "Ontario",
                        "state": "CA",
                        "zip": "91761",
                        "country": "United States",
                        "country_code": "US",
                    }
                }
            ]
        },
    )
    webhook = check_webhook("loop", "label_request_cancelled", webhook_status=PROCESSED)
    assert TimelineEvent.objects.filter(webhook=webhook, message="Label request cancelled").exists()


def test_happy_returns_shipment_fetches_details(check_webhook, monkeypatch):
    from integrations.providers.loop.client import LoopClient

    calls = []

    def fake_get(self, *, shipment_id):
        calls.append(shipment_id)
        return {
            "id": shipment_id,
            "tracking_number": "HR-TRACK-1",
            "carrier": "UPS",
            "status": "processed",
            "return_ids": ["880012"],
        }

    monkeypatch.setattr(LoopClient, "happy_returns_shipment_get", fake_get, raising=False)
    check_webhook("loop", "return_created_no_label")
    check_webhook(
        "loop",
        "happy_returns_shipment_processed",
        {ReturnShipment: [{"tracking_number": "HR-TRACK-1", "carrier": "UPS"}]},
        webhook_status=PROCESSED,
    )
    assert calls == ["HR-SHIP-0001"]


def test_unhandled_topic_is_kept_and_ignored(check_webhook):
    check_webhook("loop", "restock_requested", {Return: []}, status=200, webhook_status=InboundWebhook.Status.IGNORED)


def test_loop_lines_are_grouped_by_sku_and_reason():
    from integrations.providers.loop.mappers import return_lines

    lines, _ = return_lines(
        [
            {"line_item_id": 1, "sku": "A", "return_reason": "Too small"},
            {"line_item_id": 2, "sku": "A", "return_reason": "Too small"},
            {"line_item_id": 3, "sku": "A", "return_reason": "Damaged"},
            {"line_item_id": 4, "sku": "B", "return_reason": "Too small"},
        ]
    )
    assert [(line.sku, line.reason, line.quantity) for line in lines] == [
        ("A", "Too small", 2),
        ("A", "Damaged", 1),
        ("B", "Too small", 1),
    ]


def test_out_of_order_update_does_not_regress(check_webhook):
    check_webhook("loop", "return_created")
    check_webhook("loop", "return_updated")
    check_webhook("loop", "return_updated_older", {Return: [{"state": "closed"}], ReturnLine: [{"quantity": 2}]})
    ret = Return.objects.get()
    assert ret.platform_updated_at == dt.datetime(2025, 3, 3, 8, 0, tzinfo=dt.UTC)
    assert TimelineEvent.objects.filter(kind="stale_update_ignored").count() == 1


def test_unicode_escaped_slashes_and_whitespace_verify_on_raw_bytes(client, connection_for):
    import json

    connection = connection_for("loop")
    raw = load_fixture("loop", "return_created_unicode")
    assert b"\\/" in raw
    assert "☕".encode() in raw
    assert b"  " in raw
    reserialised = json.dumps(json.loads(raw)).encode()
    assert reserialised != raw
    # Signed over the raw bytes, but we receive the re-serialised body: must fail.
    assert post_webhook(client, connection, reserialised, headers=_loop_sig(connection, raw)).status_code == 401
    assert post_webhook(client, connection, raw).status_code == 202
    stored = InboundWebhook.objects.order_by("-id").first()
    assert bytes(stored.body) == raw


def _loop_sig(connection, body):
    from .signing import signed_headers

    return signed_headers(connection, body)


def test_label_before_its_return_stays_pending_while_the_task_retries(client, connection_for):
    from integrations.services.webhooks import WebhookRetryLater, webhook_process

    post_webhook(client, connection_for("loop"), load_fixture("loop", "label_created"))
    webhook = InboundWebhook.objects.get()
    with pytest.raises(WebhookRetryLater):
        webhook_process(webhook_id=webhook.pk, final_attempt=False)
    webhook.refresh_from_db()
    assert (webhook.status, webhook.attempts) == (InboundWebhook.Status.PENDING, 1)
    post_webhook(client, connection_for("loop"), load_fixture("loop", "return_created_no_label"))
    webhook_process(webhook_id=InboundWebhook.objects.order_by("-id").first().pk)
    assert webhook_process(webhook_id=webhook.pk) == PROCESSED
    assert ReturnShipment.objects.get().tracking_number == "1Z999AA10123456784"


def test_the_shoppers_address_order_tags_and_a_happy_returns_drop_off_are_kept(check_webhook):
    """What routing rules match besides the lines: the shopper's country, region and postal code (Loop's
    documented `address`), the order's tags (a comma-separated string here) and how the parcel comes back."""
    check_webhook(
        "loop",
        "return_created_happy_returns",
        {
            Return: [
                {
                    "customer_country_code": "US",
                    "customer_region": "Nevada",
                    "customer_postal_code": "89501",
                    "order_tags": ["vip", "Wholesale"],
                    "return_method": "happy_returns",
                }
            ],
        },
        webhook_status=PROCESSED,
    )


def test_a_return_with_a_carrier_label_comes_back_by_mail(check_webhook):
    check_webhook("loop", "return_created", {Return: [{"return_method": "mail", "order_tags": []}]})
