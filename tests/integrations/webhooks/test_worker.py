"""1,000 webhooks accepted with no worker running; a real worker then processes every one."""

import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.db import OperationalError
from django.test import Client

from config.celery import app as celery_app
from integrations.models import InboundWebhook, Store
from returns.models import Return
from tests.conftest import purge_broker, wait_for
from tests.factories import ConnectionFactory, StoreFactory

from .conftest import post_webhook

COUNT = 1000
BODY = (
    '{"topic":"return","trigger":"return.created","id":"%d","state":"open","created_at":"2025-03-01T10:00:00Z",'
    '"edited_at":null,"order_name":"#%d","currency":"USD","line_items":[{"line_item_id":%d,"sku":"TEE-BLK-M",'
    '"return_reason":"Too small","outcome":"refund"}]}'
)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_thousand_webhooks_accepted_without_worker_then_all_processed():
    # Label-triggered store: the returns have no label, so RMA planning has little to do here.
    conn = ConnectionFactory(store=StoreFactory(rma_trigger=Store.RmaTrigger.ON_LABEL_CREATED))
    client = Client()
    purge_broker()
    started = time.monotonic()
    codes = {post_webhook(client, conn, (BODY % (n, n, n)).encode()).status_code for n in range(COUNT)}
    assert codes == {202}
    assert InboundWebhook.objects.filter(status=InboundWebhook.Status.PENDING).count() == COUNT
    accepted_in = time.monotonic() - started

    def all_processed() -> bool:
        try:
            return InboundWebhook.objects.filter(status=InboundWebhook.Status.PROCESSED).count() == COUNT
        except OperationalError:  # in-memory SQLite: the worker holds the table lock this instant
            return False

    # Not running_worker(): it purges the broker first, and the 1,000 messages are the point.
    with start_worker(
        celery_app, pool="threads", concurrency=2, perform_ping_check=False, queues=["webhooks"], shutdown_timeout=30
    ):
        wait_for(all_processed, timeout=240, interval=1.0)
    assert Return.objects.count() == COUNT
    assert not InboundWebhook.objects.exclude(status=InboundWebhook.Status.PROCESSED).exists()
    print(f"accepted {COUNT} in {accepted_in:.1f}s, processed in {time.monotonic() - started - accepted_in:.1f}s")  # noqa: T201
