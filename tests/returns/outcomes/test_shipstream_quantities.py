"""ShipStream delivery:* carries no per-item quantities: delivery.search by merchant_ref fills them in."""

import json
from typing import Any
from unittest import mock

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from integrations.inbound import InboundWarehouseReturnEvent
from returns.models import RMA
from returns.services.warehouse_events import rma_apply_warehouse_event
from tests.factories import RMAFactory, RMALineFactory
from tests.returns.outcomes.conftest import make_platform
from tests.returns.rmas.conftest import make_location, make_return, make_store, make_warehouse

pytestmark = pytest.mark.django_db


def _jsonrpc(result: Any) -> Any:
    calls: list[dict[str, Any]] = []

    def handler(request: Request) -> Response:
        body = json.loads(request.get_data())
        calls.append(body)
        if isinstance(result, Exception):
            error = {"code": -32602, "message": str(result)}
            return Response(json.dumps({"jsonrpc": "2.0", "id": body["id"], "error": error}), 200)
        return Response(json.dumps({"jsonrpc": "2.0", "id": body["id"], "result": result}), 200)

    return handler, calls


def _world(httpserver: HTTPServer) -> RMA:
    store = make_store()
    make_platform(store, httpserver)
    wms = make_warehouse(store, httpserver, provider="shipstream")
    location = make_location(store, wms, wms_warehouse_code="3")
    ret = make_return(store, lines=[{"sku": "TEE-BLK-M", "quantity": 2}], platform="loop", external_id="880011")
    rma = RMAFactory(return_obj=ret, warehouse_connection=wms, location=location, number="1042")
    RMALineFactory(rma=rma, sku="TEE-BLK-M", quantity=2)
    return rma


EVENT = InboundWarehouseReturnEvent(
    rma_number="1042", external_id="2000042", status="received", warehouse_status="put_away"
)


def test_put_away_reads_quantities_and_decides_the_platform_action(httpserver: HTTPServer) -> None:
    delivery = {
        "increment_id": "2000042",
        "merchant_ref": "1042",
        "status": "put_away",
        "items": [{"sku": "TEE-BLK-M", "qty_expected": 2, "qty_received": 1, "qty_putaway": 1, "damage_type": "none"}],
    }
    handler, calls = _jsonrpc({"totalCount": 1, "results": [delivery]})
    httpserver.expect_request("/api/jsonrpc", method="POST").respond_with_handler(handler)
    rma = _world(httpserver)
    with mock.patch("returns.services.outcomes._publish"):
        assert rma_apply_warehouse_event(connection=rma.warehouse_connection, event=EVENT, webhook_id=None) == ""
    assert calls[0]["params"][1:] == [
        "delivery.search",
        [{"merchant_ref": {"eq": "1042"}, "delivery_type": {"eq": "rma"}}, {"fields": ["items"]}],
    ]
    line = rma.lines.get()
    assert (line.received_quantity, line.restocked_quantity) == (1, 1)
    rma.refresh_from_db()
    assert (rma.status, rma.outcome) == ("received", "short")
    assert rma.return_obj.timeline.filter(kind="rma_received", message__startswith="Received at 3: 1 × TEE-BLK-M")
    rma.return_obj.refresh_from_db()
    assert rma.return_obj.platform_action == "flag_queued"


def test_a_refused_search_still_applies_the_status_and_says_why(httpserver: HTTPServer) -> None:
    handler, _ = _jsonrpc(ValueError("Access denied to delivery.search"))
    httpserver.expect_request("/api/jsonrpc", method="POST").respond_with_handler(handler)
    rma = _world(httpserver)
    with mock.patch("returns.services.outcomes._publish"):
        rma_apply_warehouse_event(connection=rma.warehouse_connection, event=EVENT, webhook_id=None)
    rma.refresh_from_db()
    assert rma.status == "received"
    warning = rma.return_obj.timeline.get(kind="rma_quantities_unavailable")
    assert "Access denied" in warning.message


def test_events_before_receiving_make_no_call(httpserver: HTTPServer) -> None:
    rma = _world(httpserver)
    event = InboundWarehouseReturnEvent(rma_number="1042", status="submitted", warehouse_status="new")
    rma_apply_warehouse_event(connection=rma.warehouse_connection, event=event, webhook_id=None)
    assert httpserver.log == []


def test_a_parcel_with_no_merchant_ref_is_read_by_its_own_number_and_matched_by_its_tracking(
    httpserver: HTTPServer,
) -> None:
    """A delivery the warehouse made itself names no RMA of ours: delivery.search by ShipStream's own number gives
    its items and tracking numbers, and the tracking number finds our RMA (an orphan receipt, linked)."""
    from returns.models import OrphanReceipt
    from tests.factories import ReturnShipmentFactory

    delivery = {
        "increment_id": "2000777",
        "merchant_ref": "",
        "sender_ref_alt": "#1042",
        "status": "put_away",
        "tracking_numbers": ["9400100000000000000001"],
        "items": [{"sku": "TEE-BLK-M", "qty_expected": 2, "qty_received": 2, "qty_putaway": 2, "damage_type": "none"}],
    }
    handler, calls = _jsonrpc({"totalCount": 1, "results": [delivery]})
    httpserver.expect_request("/api/jsonrpc", method="POST").respond_with_handler(handler)
    rma = _world(httpserver)
    ReturnShipmentFactory(return_obj=rma.return_obj, tracking_number="9400100000000000000001")
    event = InboundWarehouseReturnEvent(external_id="2000777", status="received", warehouse_status="put_away")
    with mock.patch("returns.services.outcomes._publish"):
        assert rma_apply_warehouse_event(connection=rma.warehouse_connection, event=event, webhook_id=None) == ""
    assert calls[0]["params"][2][0] == {"increment_id": {"eq": "2000777"}, "delivery_type": {"eq": "rma"}}
    orphan = OrphanReceipt.objects.get()
    assert (orphan.state, orphan.matched_by, orphan.order_refs) == ("linked", "tracking", ["#1042"])
    rma.refresh_from_db()
    assert (rma.status, rma.lines.get().received_quantity) == ("received", 2)
