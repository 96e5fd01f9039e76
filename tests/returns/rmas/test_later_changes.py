"""TrackStar pushes through the service, tracking after submission, cancellation, admin retry."""

from typing import Any
from unittest import mock

import pytest
from django.utils import timezone
from pytest_httpserver import HTTPServer

from config.exceptions import ApplicationError
from returns.models import RMA
from returns.services.planning import rmas_plan
from returns.services.rmas.later_changes import rma_cancel_push, rma_tracking_push
from returns.services.rmas.push import rma_push
from returns.services.rmas.support import rma_cancel, rma_retry
from returns.services.rmas.triggers import rmas_on_return_changed
from tests.factories import FulfillmentFactory, ReturnShipmentFactory
from tests.returns.rmas.conftest import make_location, make_return, make_store, make_warehouse, shipmonk_ok

RMA_TASK_PUBLISH = "returns.services.rmas.publishing.rma_task_publish"


pytestmark = pytest.mark.django_db
# What a provider may send: seconds past any real wait (too many digits for int() at once), or a date in 9999.
HUGE_RETRY_AFTER = ["9" * 5000, "Fri, 31 Dec 9999 23:59:59 GMT"]


@pytest.fixture
def publish() -> Any:
    with mock.patch(RMA_TASK_PUBLISH) as publish:
        yield publish


def _trackstar_world(httpserver: HTTPServer) -> dict[str, Any]:
    store = make_store()
    conn = make_warehouse(store, httpserver, provider="trackstar", wms_name="shipmonk")
    make_location(
        store, conn, name="TS", trackstar_warehouse_id="wh_123", destinations={"loop": "d"}, wms_warehouse_code=""
    )
    ret = make_return(store, destination_id="d")
    return {"store": store, "conn": conn, "ret": ret}


def test_trackstar_push_looks_up_the_order_caches_it_and_warns_on_unused_fields(
    httpserver: HTTPServer, publish: mock.Mock
) -> None:
    world = _trackstar_world(httpserver)
    fulfillment = FulfillmentFactory(store=world["store"], order_number="#1042", warehouse_connection=world["conn"])
    # Routing by destination: the fulfilment only supplies the order.
    httpserver.expect_request("/integrations/wms/shipmonk/write-info").respond_with_json({})
    httpserver.expect_request("/wms/orders").respond_with_json({"data": [{"id": "ord_9", "order_number": "#1042"}]})
    httpserver.expect_request("/wms/returns", method="POST").respond_with_json(
        {"id": "ret_1", "data": {"id": "ret_1", "external_system_url": "https://wms/r/1"}, "unused_fields": ["note"]}
    )
    (rma,) = rmas_plan(return_obj=world["ret"])
    assert rma_push(rma_id=rma.pk).detail == "submitted"
    rma.refresh_from_db()
    assert (rma.external_id, rma.external_url) == ("ret_1", "https://wms/r/1")
    fulfillment.refresh_from_db()
    assert fulfillment.external_order_id == "ord_9"
    sent = [entry[0] for entry in httpserver.log if entry[0].path == "/wms/returns"][0].get_json()
    assert (sent["order_id"], sent["warehouse_id"]) == ("ord_9", "wh_123")
    success = rma.timeline.get(kind="rma_submitted")
    assert success.message == "ShipMonk RMA 1042 created at wh_123"
    assert success.data["external_url"] == "https://wms/r/1"
    warning = rma.timeline.get(kind="rma_unused_fields")
    assert (warning.level, warning.data) == ("warning", {"unused_fields": ["note"]})


def test_trackstar_unknown_order_needs_attention(httpserver: HTTPServer, publish: mock.Mock) -> None:
    world = _trackstar_world(httpserver)
    httpserver.expect_request("/wms/orders").respond_with_json({"data": []})
    (rma,) = rmas_plan(return_obj=world["ret"])
    rma_push(rma_id=rma.pk)
    rma.refresh_from_db()
    assert rma.status == "needs_attention"
    assert "has no order #1042" in rma.last_error


def _submitted_shipmonk(httpserver: HTTPServer, **location: Any) -> RMA:
    store = make_store()
    conn = make_warehouse(store, httpserver)
    make_location(store, conn, name="CA", wms_warehouse_code="CA1", destinations={"loop": "d"}, **location)
    ret = make_return(store, destination_id="d")
    httpserver.expect_request("/v1/integrations/returns", method="POST").respond_with_response(shipmonk_ok(5))
    (rma,) = rmas_plan(return_obj=ret)
    rma_push(rma_id=rma.pk)
    rma.refresh_from_db()
    assert rma.status == "submitted"
    return rma


def test_a_label_after_submission_pushes_tracking_once(
    httpserver: HTTPServer, publish: mock.Mock, django_capture_on_commit_callbacks: Any
) -> None:
    rma = _submitted_shipmonk(httpserver)
    shipment = ReturnShipmentFactory(return_obj=rma.return_obj, tracking_number="9400111")
    with django_capture_on_commit_callbacks(execute=True):
        rmas_on_return_changed(return_obj=rma.return_obj, change="label_created")
    publish.assert_any_call("rma_tracking_push", rma.pk)
    assert rma_tracking_push(rma_id=rma.pk).detail == "ok"
    bodies = [e[0].get_json() for e in httpserver.log if e[0].path == "/v1/integrations/returns"]
    assert (len(bodies), bodies[-1]["rma"], bodies[-1]["tracking_numbers"]) == (2, "1042", ["9400111"])
    rma.refresh_from_db()
    assert rma.pushed_tracking_numbers == [shipment.tracking_number]
    assert rma_tracking_push(rma_id=rma.pk).detail == "nothing to do"


@pytest.mark.parametrize("retry_after", HUGE_RETRY_AFTER, ids=["seconds", "http-date"])
def test_a_tracking_push_told_to_wait_for_ever_waits_the_cap(
    httpserver: HTTPServer, publish: mock.Mock, settings: Any, retry_after: str
) -> None:
    rma = _submitted_shipmonk(httpserver)
    ReturnShipmentFactory(return_obj=rma.return_obj, tracking_number="9400111")
    rmas_on_return_changed(return_obj=rma.return_obj, change="label_created")
    httpserver.clear_all_handlers()
    httpserver.expect_request("/v1/integrations/returns", method="POST").respond_with_json(
        {"message": "slow down"}, status=429, headers={"Retry-After": retry_after}
    )
    before = timezone.now()
    outcome = rma_tracking_push(rma_id=rma.pk)
    assert (outcome.action, outcome.countdown) == ("retry", settings.CELERY_MAX_COUNTDOWN_SECONDS)
    rma.refresh_from_db()
    assert 0 <= (rma.tracking_due_at - before).total_seconds() - settings.CELERY_MAX_COUNTDOWN_SECONDS < 5


def test_shipmonk_has_no_cancel_so_the_rma_is_flagged_for_support(
    httpserver: HTTPServer, publish: mock.Mock, django_capture_on_commit_callbacks: Any
) -> None:
    rma = _submitted_shipmonk(httpserver)
    with django_capture_on_commit_callbacks(execute=True):
        rmas_on_return_changed(return_obj=rma.return_obj, change="cancelled")
    publish.assert_any_call("rma_cancel_push", rma.pk)
    rma_cancel_push(rma_id=rma.pk)
    rma.refresh_from_db()
    assert rma.status == "needs_attention"
    assert "cancel RMA 1042 in ShipMonk by hand" in rma.last_error


@pytest.mark.parametrize(
    ("provider", "path"),
    [("trackstar", "/wms/returns/EXT-1/cancel"), ("shipstream", "/api/jsonrpc")],
)
def test_cancel_at_trackstar_and_shipstream(httpserver: HTTPServer, provider: str, path: str) -> None:
    store = make_store()
    conn = make_warehouse(store, httpserver, provider=provider, wms_name="x" if provider == "trackstar" else "")
    location = make_location(store, conn, name="W", wms_warehouse_code="1", trackstar_warehouse_id="wh")
    ret = make_return(store)
    rma = RMA.objects.create(
        store=store,
        return_obj=ret,
        number="1042",
        warehouse_connection=conn,
        location=location,
        status="submitted",
        external_id="EXT-1",
        idempotency_key="k-1",
    )
    httpserver.expect_request(path).respond_with_json({"id": "EXT-1", "result": True})
    assert rma_cancel_push(rma_id=rma.pk).detail == "ok"
    rma.refresh_from_db()
    assert (rma.status, rma.warehouse_status) == ("cancelled", "cancelled")
    assert rma_cancel_push(rma_id=rma.pk).detail == "nothing to do"


def test_rma_cancel_before_the_push_is_local(publish: mock.Mock, httpserver: HTTPServer) -> None:
    store = make_store()
    conn = make_warehouse(store, httpserver)
    make_location(store, conn, name="CA", wms_warehouse_code="CA1", destinations={"loop": "d"})
    (rma,) = rmas_plan(return_obj=make_return(store, destination_id="d"))
    cancelled = rma_cancel(rma_id=rma.pk, reason="customer changed mind")
    assert cancelled.status == "cancelled"
    assert rma_push(rma_id=rma.pk).detail == "already cancelled"
    assert not httpserver.log


def test_rma_retry_requeues_needs_attention_and_refuses_submitted(
    httpserver: HTTPServer, publish: mock.Mock, django_capture_on_commit_callbacks: Any
) -> None:
    rma = _submitted_shipmonk(httpserver)
    with pytest.raises(ApplicationError):
        rma_retry(rma_id=rma.pk)
    RMA.objects.filter(pk=rma.pk).update(status="failed", attempts=9, external_id="")
    publish.reset_mock()
    with django_capture_on_commit_callbacks(execute=True):
        retried = rma_retry(rma_id=rma.pk)
    assert (retried.status, retried.attempts) == ("pending", 0)
    publish.assert_called_once_with("rma_push", rma.pk)
