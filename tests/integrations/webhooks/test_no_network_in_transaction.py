"""No provider request while a database transaction is open on the webhook path (reliability.md rule 11).

Processing a webhook may need the network: routing asks the WMS for the original order, ShipStream's
quantities are read with delivery.search, ShipBob's return is read when its webhook names no SKUs, a Happy
Returns shipment is fetched from Loop. Those
requests run in the prepare step, before the processing transaction opens, so no row lock waits on
a provider and a rollback never erases the ApiCall row support needs.

The tests are transactional (no outer test transaction), so `in_transaction` is exactly what
production sees. The probe is shown to see a transaction first, and every scenario asserts that
requests were made, so the check cannot pass by recording nothing.
"""

import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.db import transaction
from pytest_httpserver import HTTPServer

from integrations import ratelimit
from integrations.http import request_sending
from integrations.models import ApiCall, Connection, InboundWebhook
from integrations.providers.loop.sandbox import return_payload as loop_return_payload
from integrations.registry import get_warehouse_client
from integrations.services.webhooks import webhook_process, webhook_receive
from returns.models import RMA, Return, ReturnShipment
from tests.conftest import load_fixture
from tests.factories import RMAFactory, RMALineFactory
from tests.integrations.webhooks.signing import signed_headers
from tests.returns.rmas.conftest import json_response, make_location, make_return, make_store, make_warehouse

pytestmark = pytest.mark.django_db(transaction=True)

Status = InboundWebhook.Status


@pytest.fixture(autouse=True)
def _fresh(settings: Any) -> None:
    settings.PROVIDER_CONNECT_TIMEOUT = 2.0
    settings.PROVIDER_READ_TIMEOUT = 2.0
    cache.clear()
    ratelimit._limiter().storage.reset()


@pytest.fixture
def requests_seen() -> Iterator[list[tuple[str, bool]]]:
    """(operation, a transaction was open) for every provider request made while the test runs."""
    seen: list[tuple[str, bool]] = []

    def record(sender: type, *, operation: str, in_transaction: bool, **kwargs: Any) -> None:
        seen.append((operation, in_transaction))

    request_sending.connect(record)
    yield seen
    request_sending.disconnect(record)


def _receive(connection: Connection, payload: dict[str, Any]) -> InboundWebhook:
    body = json.dumps(payload).encode()
    result = webhook_receive(
        provider=connection.provider,
        endpoint_token=connection.endpoint_token,
        headers={"Content-Type": "application/json", **signed_headers(connection, body)},
        body=body,
        remote_addr="127.0.0.1",
    )
    assert result.status_code == 202, result
    return result.webhook


def _loop(store: Any, httpserver: HTTPServer) -> Connection:
    from tests.returns.outcomes.conftest import make_platform

    return make_platform(store, httpserver)


def test_the_probe_sees_an_open_transaction(httpserver: HTTPServer, requests_seen: list[tuple[str, bool]]) -> None:
    httpserver.expect_request("/v1/integrations/warehouses").respond_with_json({"data": []})
    client = get_warehouse_client(connection=make_warehouse(make_store(), httpserver))
    client.warehouses_list()
    with transaction.atomic():
        client.warehouses_list()
    assert requests_seen == [("warehouses_list", False), ("warehouses_list", True)]


def test_routing_asks_the_wms_for_the_order_before_the_transaction(
    httpserver: HTTPServer, requests_seen: list[tuple[str, bool]]
) -> None:
    store = make_store()
    loop = _loop(store, httpserver)
    wms = make_warehouse(store, httpserver)
    make_location(store, wms, name="Ontario", wms_warehouse_code="CA1", is_default=True)
    newark = make_location(store, wms, name="Newark", wms_warehouse_code="NJ1")
    httpserver.expect_request("/v1/integrations/orders").respond_with_json(
        {"status": 200, "data": {"order_key": "shopify-9", "order_number": "#1042", "warehouse": "NJ1"}}
    )
    payload = loop_return_payload(return_id="880011", order_name="#1042", lines=[{"sku": "TEE-BLK-M"}])
    webhook = _receive(loop, payload)
    assert webhook_process(webhook_id=webhook.pk) == Status.PROCESSED
    assert RMA.objects.get().location == newark  # the answer reached planning
    assert requests_seen == [("order_find", False)]


def _shipstream_rma(store: Any, httpserver: HTTPServer) -> RMA:
    wms = make_warehouse(store, httpserver, provider="shipstream")
    location = make_location(store, wms, wms_warehouse_code="3")
    ret = make_return(store, lines=[{"sku": "TEE-BLK-M", "quantity": 2}], external_id="880011")
    rma = RMAFactory(return_obj=ret, warehouse_connection=wms, location=location, number="1042", status="submitted")
    RMALineFactory(rma=rma, sku="TEE-BLK-M", quantity=2)
    return rma


PUTAWAY = {
    "topic": "delivery:putaway",
    "message": {
        "delivery_id": 42,
        "increment_id": "2000042",
        "delivery_type": "rma",
        "merchant_ref": "1042",
        "new_status": "put_away",
        "event_timestamp": "2025-03-02 10:00:00",
    },
}


def _delivery_search(httpserver: HTTPServer) -> None:
    delivery = {
        "increment_id": "2000042",
        "merchant_ref": "1042",
        "status": "put_away",
        "items": [{"sku": "TEE-BLK-M", "qty_expected": 2, "qty_received": 2, "qty_putaway": 2, "damage_type": "none"}],
    }
    httpserver.expect_request("/api/jsonrpc", method="POST").respond_with_handler(
        lambda request: json_response(
            {"jsonrpc": "2.0", "id": json.loads(request.get_data())["id"], "result": {"results": [delivery]}}
        )
    )


def test_shipstream_quantities_are_read_before_the_transaction(
    httpserver: HTTPServer, requests_seen: list[tuple[str, bool]]
) -> None:
    rma = _shipstream_rma(make_store(), httpserver)
    _delivery_search(httpserver)
    webhook = _receive(rma.warehouse_connection, PUTAWAY)
    assert webhook_process(webhook_id=webhook.pk) == Status.PROCESSED
    assert rma.lines.get().received_quantity == 2
    assert requests_seen == [("delivery_get", False)]


HAPPY_RETURNS_SHIPMENT = {
    "topic": "happy.returns.shipment",
    "trigger": "shipment.processed",
    "happy_returns_shipment_id": "HR-SHIP-0001",
}


def test_a_happy_returns_shipment_is_fetched_before_the_transaction(
    httpserver: HTTPServer, requests_seen: list[tuple[str, bool]]
) -> None:
    store = make_store()
    loop = _loop(store, httpserver)
    make_return(store, connection=loop, external_id="880012")
    httpserver.expect_request("/happy-returns/shipments/HR-SHIP-0001").respond_with_json(
        {"id": "HR-SHIP-0001", "tracking_number": "HR-TRACK-1", "carrier": "UPS", "return_ids": ["880012"]}
    )
    webhook = _receive(loop, HAPPY_RETURNS_SHIPMENT)
    assert webhook_process(webhook_id=webhook.pk) == Status.PROCESSED
    assert ReturnShipment.objects.get(return_obj__external_id="880012").tracking_number == "HR-TRACK-1"
    assert requests_seen == [("happy_returns_shipment", False)]


def test_the_api_call_of_a_failed_fetch_survives_the_failed_processing(httpserver: HTTPServer) -> None:
    store = make_store()
    loop = _loop(store, httpserver)
    httpserver.expect_request("/happy-returns/shipments/HR-SHIP-0001").respond_with_json({"error": "down"}, status=503)
    webhook = _receive(loop, HAPPY_RETURNS_SHIPMENT)
    assert webhook_process(webhook_id=webhook.pk, final_attempt=True) == Status.FAILED
    call = ApiCall.objects.get(operation="happy_returns_shipment")
    assert (call.status_code, call.error_class, call.connection_id) == (503, "ProviderUnavailable", loop.pk)
    assert "ProviderUnavailable" in InboundWebhook.objects.get(pk=webhook.pk).error


def test_the_api_call_survives_when_applying_the_event_fails_afterwards(
    httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    rma = _shipstream_rma(make_store(), httpserver)
    _delivery_search(httpserver)

    def broken(**kwargs: Any) -> str:
        raise RuntimeError("the outcome could not be decided")

    # Fails inside the processing transaction, after the RMA row was changed: everything rolls back...
    monkeypatch.setattr("returns.services.rma_events.return_outcome_evaluate", broken)
    webhook = _receive(rma.warehouse_connection, PUTAWAY)
    assert webhook_process(webhook_id=webhook.pk) == Status.FAILED
    rma.refresh_from_db()
    assert (rma.status, rma.lines.get().received_quantity) == ("submitted", 0)
    # ... except the record of the request made before it.
    call = ApiCall.objects.get(operation="delivery_get")
    assert (call.status_code, call.error_class) == (200, "")
    assert Return.objects.get().timeline.filter(kind="rma_received").count() == 0


def test_shipbob_reads_a_return_without_skus_before_the_transaction(
    httpserver: HTTPServer, requests_seen: list[tuple[str, bool]]
) -> None:
    """ShipBob's return.completed names no SKUs: GET /return/{id} is asked in the prepare step."""
    store = make_store()
    wms = make_warehouse(store, httpserver, provider="shipbob")
    location = make_location(store, wms, wms_warehouse_code="22")
    ret = make_return(store, lines=[{"sku": "TEE-BLK-M", "quantity": 2}], external_id="880011")
    rma = RMAFactory(return_obj=ret, warehouse_connection=wms, location=location, number="1042", external_id="1234567")
    RMALineFactory(rma=rma, sku="TEE-BLK-M", quantity=2)
    httpserver.expect_request("/2026-01/return/1234567").respond_with_data(
        load_fixture("shipbob", "return_get_completed"), content_type="application/json"
    )
    webhook = _receive(wms, json.loads(load_fixture("shipbob", "return_completed")))
    assert webhook_process(webhook_id=webhook.pk) == Status.PROCESSED
    rma.refresh_from_db()
    assert (rma.status, rma.lines.get().received_quantity) == ("received", 2)
    assert requests_seen == [("rma_get", False)]
