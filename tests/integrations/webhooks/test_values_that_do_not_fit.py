"""Processing never fails on a value that does not fit its column (issue 13): text is cut, an identifier
is refused with a clear error on the webhook row, NUL never reaches PostgreSQL.

PostgreSQL only: SQLite stores a varchar of any length and NUL in text, so it cannot show the bug.
"""

import contextlib
import json
from collections.abc import Iterator

import pytest
from celery.contrib.testing.worker import start_worker
from django.test import Client

from config.celery import app as celery_app
from integrations.models import InboundWebhook, Store
from integrations.services.webhooks import webhook_process
from returns.models import RMA, Return, ReturnLine, ReturnShipment
from returns.rma_numbers import RMA_BASE_MAX_LENGTH
from tests.conftest import load_fixture, purge_broker, wait_for
from tests.factories import ConnectionFactory, InboundWebhookFactory, ShippingLocationFactory, StoreFactory

from .conftest import assert_pages_show, post_webhook

Status = InboundWebhook.Status
pytestmark = pytest.mark.postgres


@contextlib.contextmanager
def webhooks_worker() -> Iterator[None]:
    """A real worker on the webhooks queue only: planned RMAs stay queued instead of reaching a WMS."""
    purge_broker()
    with start_worker(
        celery_app, pool="threads", concurrency=1, perform_ping_check=False, queues=["webhooks"], shutdown_timeout=30
    ):
        yield


def _oversized_loop_return() -> bytes:
    payload = json.loads(load_fixture("loop", "return_created"))
    payload["order_name"] = "#" + "9" * 99  # fits its column; the RMA number built from it must fit too
    payload["customer_detail"]["first_name"] = "Jane\u0000" + "e" * 300
    payload["return_total"] = "1e40"
    payload["labels"][0]["carrier"] = "C" * 500
    payload["labels"][0]["url"] = "https://example.invalid/" + "l" * 2000
    payload["labels"][0]["status"] = "new\u0000"
    for item in payload["line_items"]:
        item["return_reason"] = "Too small \u0000" + "!" * 400  # part of the line's key too
        item["title"] = "T" * 1000
        item["sku"] = "S" * 200
    payload["address"] = {"name\u0000": "x\u0000y"}
    payload["customer_detail"]["last_name"] = "Do\ud800e"  # a lone surrogate: UTF-8 cannot encode it
    return json.dumps(payload).encode()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_processes_a_return_full_of_values_that_do_not_fit():
    store = StoreFactory(rma_trigger=Store.RmaTrigger.ON_RETURN_CREATED)
    conn = ConnectionFactory(store=store)
    ShippingLocationFactory(store=store, is_default=True)
    with webhooks_worker():
        assert post_webhook(Client(), conn, _oversized_loop_return()).status_code == 202
        webhook = InboundWebhook.objects.get()

        def done() -> bool:
            webhook.refresh_from_db()
            return webhook.status != Status.PENDING

        wait_for(done, timeout=60)
    assert (webhook.status, webhook.error) == (Status.PROCESSED, "")
    ret = Return.objects.get()
    assert (ret.customer_name, ret.total) == (("Jane\ufffd" + "e" * 300 + " Do\ufffde")[:200], None)
    line = ReturnLine.objects.get()
    assert (line.sku, line.title, line.quantity) == ("S" * 200, "T" * 300, 2)
    assert line.reason == ("Too small \ufffd" + "!" * 400)[:300]
    assert len(line.line_key) == 200
    shipment = ReturnShipment.objects.get()
    assert (len(shipment.carrier), len(shipment.label_url), shipment.status) == (100, 1000, "new\ufffd")
    assert shipment.line_keys == [line.line_key]  # the label still names the line whose key was hashed
    rma = RMA.objects.get()
    assert rma.number == "9" * RMA_BASE_MAX_LENGTH
    assert webhook.truncated["events[0].payload.data.lines[0].title"] == 1000
    assert webhook.truncated["events[0].payload.data.lines[0].title"] == 1000
    assert_pages_show([webhook.pk])


@pytest.mark.django_db
def test_an_identifier_that_does_not_fit_fails_the_row_with_its_reason_not_a_database_error():
    """A row stored before the endpoint refused such bodies (or replayed) is failed with a clear error."""
    conn = ConnectionFactory()
    payload = json.loads(load_fixture("loop", "return_created"))
    for item in payload["line_items"]:
        item["sku"] = "S" * 250
    webhook = InboundWebhookFactory(
        connection=conn, status=Status.PENDING, verification="valid", body=json.dumps(payload).encode()
    )
    assert webhook_process(webhook_id=webhook.pk) == Status.FAILED
    webhook.refresh_from_db()
    assert webhook.error == "WebhookParseError: sku is 250 characters long (at most 200)"
    assert not Return.objects.exists()


@pytest.mark.django_db
def test_a_shipment_notification_with_nul_and_long_values_is_stored():
    conn = ConnectionFactory(provider="shipmonk")
    payload = json.loads(load_fixture("shipmonk", "shipment_notification"))
    payload["carrier"] = "UPS\u0000" + "x" * 300
    payload["warehouse"] = "CA1\u0000"
    payload["packages"][0]["note\u0000"] = "fragile\u0000"
    webhook = InboundWebhookFactory(
        connection=conn, status=Status.PENDING, verification="valid", body=json.dumps(payload).encode()
    )
    assert webhook_process(webhook_id=webhook.pk) == Status.PROCESSED
    from warehouses.models import Fulfillment

    fulfillment = Fulfillment.objects.get()
    assert (fulfillment.carrier, fulfillment.warehouse_code) == ("UPS\ufffd" + "x" * 96, "CA1\ufffd")


@pytest.mark.django_db
def test_a_warehouse_status_with_nul_and_too_long_is_applied_cut():
    from tests.factories import RMAFactory, RMALineFactory

    conn = ConnectionFactory(provider="shipmonk")
    rma = RMAFactory(number="1042", warehouse_connection=conn, return_obj__store=conn.store)
    RMALineFactory(rma=rma, sku="TEE-BLK-M", quantity=2)
    payload = json.loads(load_fixture("shipmonk", "return_status_en_route"))
    payload["status"] = "en_route\u0000" + "z" * 100
    webhook = InboundWebhookFactory(
        connection=conn, status=Status.PENDING, verification="valid", body=json.dumps(payload).encode()
    )
    assert webhook_process(webhook_id=webhook.pk) == Status.PROCESSED
    rma.refresh_from_db()
    assert rma.warehouse_status == ("en_route\ufffd" + "z" * 100)[:60]
