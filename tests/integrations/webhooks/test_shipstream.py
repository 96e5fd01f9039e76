"""ShipStream webhooks: X-Plugin-Hmac-Sha256, delivery:* → the RMA matched by merchant_ref."""

import pytest

from integrations.models import InboundWebhook
from returns.models import RMA
from tests.factories import RMAFactory

PROCESSED = InboundWebhook.Status.PROCESSED
pytestmark = pytest.mark.django_db


@pytest.fixture
def rma(connection_for):
    conn = connection_for("shipstream")
    return RMAFactory(number="1042", warehouse_connection=conn, return_obj__store=conn.store)


def test_delivery_status_changed(check_webhook, rma):
    check_webhook(
        "shipstream",
        "delivery_status_changed",
        {RMA: [{"status": "received", "warehouse_status": "processed"}]},
        webhook_status=PROCESSED,
    )


def test_older_delivery_event_does_not_regress(check_webhook, rma):
    check_webhook("shipstream", "delivery_status_changed")
    check_webhook("shipstream", "delivery_status_changed_older", {RMA: [{"status": "received"}]})


def test_other_topics_are_ignored(check_webhook):
    check_webhook("shipstream", "order_shipped", status=200, webhook_status=InboundWebhook.Status.IGNORED)


def test_wrong_secret_is_401(check_webhook, rma):
    check_webhook("shipstream", "delivery_status_changed", {RMA: [{"status": "submitted"}]}, status=401, secret="nope")


def test_a_delivery_names_its_merchant_order_for_an_orphan_receipt() -> None:
    import json

    from integrations.providers.shipstream.mappers import delivery_event
    from tests.conftest import load_fixture

    body = json.loads(load_fixture("shipstream", "delivery_status_changed"))
    assert delivery_event(body["topic"], body["message"]).order_refs == ("#1042",)
