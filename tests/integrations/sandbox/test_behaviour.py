"""Failure injection, receiving, and webhooks signed the way the real providers sign them."""

import json

import pytest
import responses
from django.test import Client

from integrations.sandbox.models import SandboxAccount, SandboxReturn, SandboxWebhookDelivery
from integrations.sandbox.services import sandbox_receive, sandbox_webhook_deliver
from tests.integrations.sandbox.test_validation import SHIPMONK_OK, TRACKSTAR_HEADERS, TRACKSTAR_OK, post_json


def test_server_errors_are_injected_then_the_call_succeeds(client: Client, shipmonk: SandboxAccount):
    shipmonk.failure_mode = SandboxAccount.FailureMode.SERVER_ERROR
    shipmonk.failures_remaining = 2
    shipmonk.save()
    url = f"{shipmonk.base_path}v1/integrations/returns"
    codes = [post_json(client, url, SHIPMONK_OK, **{"Api-Key": "sm-key"}).status_code for _ in range(3)]
    assert codes == [503, 503, 200]
    assert SandboxReturn.objects.count() == 1


def test_rate_limit_is_injected_with_retry_after(client: Client, trackstar: SandboxAccount):
    trackstar.failure_mode = SandboxAccount.FailureMode.RATE_LIMITED
    trackstar.failures_remaining = 1
    trackstar.retry_after_seconds = 7
    trackstar.save()
    response = post_json(client, f"{trackstar.base_path}wms/returns", TRACKSTAR_OK, **TRACKSTAR_HEADERS)
    assert response.status_code == 429
    assert response["Retry-After"] == "7"
    assert response["x-ratelimit-remaining"] == "0"
    assert not SandboxReturn.objects.exists()


def test_timeout_after_work_does_the_work_then_answers_late(client: Client, shipmonk: SandboxAccount):
    shipmonk.failure_mode = SandboxAccount.FailureMode.TIMEOUT_AFTER_WORK
    shipmonk.failures_remaining = 1
    shipmonk.late_answer_seconds = 0.2
    shipmonk.save()
    response = post_json(client, f"{shipmonk.base_path}v1/integrations/returns", SHIPMONK_OK, **{"Api-Key": "sm-key"})
    assert response.status_code == 200
    assert SandboxReturn.objects.get().rma_number == "1042"


@pytest.mark.parametrize(
    ("mode", "received", "restocked"),
    [("fully_received", 2, 2), ("short", 1, 1), ("excess", 3, 3), ("damaged", 2, 0)],
)
def test_receiving_modes(shipmonk: SandboxAccount, mode: str, received: int, restocked: int, settings):
    settings.PUBLIC_BASE_URL = "http://127.0.0.1:9"
    sandbox_return = SandboxReturn.objects.create(
        account=shipmonk,
        external_id="100001",
        rma_number="1042",
        warehouse="CA1",
        items=[{"sku": "TEE-BLK-M", "quantity": 2}],
        request_body=SHIPMONK_OK,
    )
    sandbox_receive(sandbox_return=sandbox_return, mode=mode)
    (line,) = sandbox_return.received
    assert (line["received"], line["restocked"]) == (received, restocked)
    delivery = SandboxWebhookDelivery.objects.get()
    body = json.loads(delivery.body)
    assert body["rma"] == "1042"
    assert body["status"] == "returned"
    assert body["items"][0]["received_quantity"] == received
    assert delivery.url == f"http://127.0.0.1:9/webhooks/shipmonk/{shipmonk.connection.endpoint_token}/"


@responses.activate
def test_trackstar_webhook_is_svix_signed(trackstar: SandboxAccount, settings):
    from integrations.providers.trackstar.sandbox import new_svix_secret

    settings.PUBLIC_BASE_URL = "http://127.0.0.1:9"
    trackstar.connection.webhook_secret = new_svix_secret()
    trackstar.connection.save()
    sandbox_return = SandboxReturn.objects.create(
        account=trackstar,
        external_id="ret_1",
        rma_number="1042",
        warehouse="wh_ca",
        order_ref="ord_1042",
        items=[{"sku": "TEE-BLK-M", "quantity": 2}],
        request_body=TRACKSTAR_OK,
    )
    sandbox_receive(sandbox_return=sandbox_return, mode="short")
    delivery = SandboxWebhookDelivery.objects.get()
    responses.add(responses.POST, delivery.url, status=200)
    sandbox_webhook_deliver(delivery_id=delivery.pk)
    sent = responses.calls[0].request
    assert sent.headers["svix-signature"].startswith("v1,")
    assert {"svix-id", "svix-timestamp"} <= set(sent.headers)
    assert json.loads(sent.body)["event_type"] == "return.updated"
    delivery.refresh_from_db()
    assert delivery.status_code == 200
    assert delivery.delivered_at is not None


def test_control_endpoint_receives_an_rma(client: Client, shipmonk: SandboxAccount, settings):
    settings.PUBLIC_BASE_URL = "http://127.0.0.1:9"
    post_json(client, f"{shipmonk.base_path}v1/integrations/returns", SHIPMONK_OK, **{"Api-Key": "sm-key"})
    bad = post_json(client, f"{shipmonk.base_path}_control/receive", {"rma": "1042", "mode": "lost"})
    good = post_json(client, f"{shipmonk.base_path}_control/receive", {"rma": "1042", "mode": "short"})
    assert bad.status_code == 400
    assert good.json() == {"rma": "1042", "status": "returned"}


def test_sandbox_is_not_mounted_when_disabled(client: Client, shipmonk: SandboxAccount, settings):
    import importlib

    from django.urls import clear_url_caches

    import config.urls

    url = f"{shipmonk.base_path}v1/integrations/warehouses"
    assert client.get(url, headers={"Api-Key": "sm-key"}).status_code == 200
    settings.SANDBOX_ENABLED = False
    try:
        importlib.reload(config.urls)
        clear_url_caches()
        assert client.get(url, headers={"Api-Key": "sm-key"}).status_code == 404
    finally:
        settings.SANDBOX_ENABLED = True
        importlib.reload(config.urls)
        clear_url_caches()
