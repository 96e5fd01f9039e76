"""Redo webhooks: bearer-token verified, return events → the same objects as Loop."""

import pytest

from integrations.models import InboundWebhook
from returns.models import Return, ReturnLine, ReturnShipment

PROCESSED = InboundWebhook.Status.PROCESSED
pytestmark = pytest.mark.django_db


def test_created(check_webhook):
    check_webhook(
        "redo",
        "created",
        {
            Return: [
                {
                    "platform": "redo",
                    "external_id": "65aa00000000000000000001",
                    "order_name": "#2042",
                    "destination_id": "loc-reno",
                    "customer_name": "Jane Doe",
                }
            ],
            ReturnLine: [
                {"sku": "TEE-BLK-M", "quantity": 2, "reason_code": "size_too_small"},
                {"sku": "CAP-RED", "quantity": 1, "reason_code": "damaged"},
            ],
            ReturnShipment: [{"tracking_number": "9400100000000000000777", "status": "pre_transit"}],
        },
        webhook_status=PROCESSED,
    )


def test_updated(check_webhook):
    check_webhook("redo", "created")
    check_webhook("redo", "updated", {Return: [{"state": "in_transit"}], ReturnShipment: [{"status": "in_transit"}]})


def test_backfill_creates_a_missing_return(check_webhook):
    check_webhook(
        "redo", "backfill", {Return: [{"state": "complete"}], ReturnLine: [{"sku": "SOCK-3PK", "quantity": 3}]}
    )


def test_wrong_bearer_token_is_401_and_kept(check_webhook):
    webhook = check_webhook("redo", "created", {Return: []}, status=401, secret="not-the-token")
    assert webhook.status == InboundWebhook.Status.REJECTED
    assert webhook.verification == InboundWebhook.Verification.INVALID
    # The bearer token itself is never stored.
    assert "not-the-token" not in str(webhook.headers)


def test_the_shoppers_address_and_the_orders_tags_are_kept(check_webhook):
    """Redo's shopper is `source` (its mailingAddress; `destination` is the warehouse); a label is mail."""
    check_webhook(
        "redo",
        "created_shopper_and_tags",
        {
            Return: [
                {
                    "customer_country_code": "CA",
                    "customer_region": "ON",
                    "customer_postal_code": "M5V 2T6",
                    "order_tags": ["vip", "wholesale"],
                    "return_method": "mail",
                }
            ],
        },
        webhook_status=PROCESSED,
    )
