"""Order lookups accept every documented form (issue 16), on a real Celery worker and PostgreSQL.

ShipMonk's order detail may name its `warehouse` as an object or a code; TrackStar's order search
is tried with `#2001`, `2001` and the platform's order ids before an order is called unknown, and
then the RMA says which forms were searched.
"""

from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from returns.models import RMA
from returns.services.rmas.triggers import rmas_on_return_changed
from tests.conftest import TaskRuns, running_worker, wait_for
from tests.returns.rmas.conftest import (
    Recorder,
    json_response,
    make_location,
    make_return,
    make_store,
    make_warehouse,
    shipmonk_ok,
)

pytestmark = [pytest.mark.worker, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def celery_worker() -> Any:
    with running_worker(concurrency=2) as worker:
        yield worker


def _settled() -> list[RMA] | None:
    rmas = list(RMA.objects.select_related("location"))
    return rmas if rmas and all(r.status != RMA.Status.PENDING for r in rmas) else None


@pytest.mark.parametrize(
    "warehouse",
    [{"id": 2, "identifier": "NJ1", "name": "Newark"}, "NJ1"],
    ids=["object", "code"],
)
def test_shipmonk_order_warehouse_as_object_or_code_routes_to_the_shipping_warehouse(
    httpserver: HTTPServer, celery_worker: Any, warehouse: Any
) -> None:
    store = make_store()
    conn = make_warehouse(store, httpserver)
    make_location(store, conn, name="Ontario", wms_warehouse_code="CA1", is_default=True)
    make_location(store, conn, name="Newark", wms_warehouse_code="NJ1")
    httpserver.expect_request("/v1/integrations/orders").respond_with_json(
        {"status": 200, "data": {"order_key": "shopify-1042", "order_number": "#1042", "warehouse": warehouse}}
    )
    created = Recorder(shipmonk_ok())
    httpserver.expect_request("/v1/integrations/returns", method="POST").respond_with_handler(created)
    rmas_on_return_changed(return_obj=make_return(store), change="created")
    (rma,) = wait_for(_settled, interval=0.2)
    assert (rma.status, rma.location.wms_warehouse_code) == ("submitted", "NJ1")
    assert rma.routing_reason == "order found in the WMS at NJ1"
    assert created.requests[0]["body"]["warehouse"] == "NJ1"


def _trackstar(httpserver: HTTPServer, known: dict[str, str]) -> tuple[Any, list[str]]:
    """A TrackStar fake whose WMS keeps orders under the numbers in `known` (number → TrackStar id)."""
    store = make_store()
    conn = make_warehouse(store, httpserver, provider="trackstar", wms_name="shipmonk")
    make_location(store, conn, name="TS", trackstar_warehouse_id="wh_123", wms_warehouse_code="", is_default=True)
    searched: list[str] = []

    def orders(request: Request) -> Response:
        number = request.args.get("order_number", "")
        searched.append(number)
        found = [{"id": known[number], "order_number": number}] if number in known else []
        return json_response({"data": found, "next_token": None})

    httpserver.expect_request("/wms/orders").respond_with_handler(orders)
    httpserver.expect_request("/integrations/wms/shipmonk/write-info").respond_with_json({})
    httpserver.expect_request("/wms/returns", method="POST").respond_with_json({"id": "ret_1", "data": {"id": "ret_1"}})
    httpserver.expect_request("/wms/returns", method="GET").respond_with_json({"data": []})
    return store, searched


def _redo_return(store: Any) -> Any:
    return make_return(
        store,
        platform="redo",
        order_name="#2001",
        order_number="",
        platform_order_id="65aa00000000000000000002",
        provider_order_id="5550002001",
    )


def test_trackstar_order_kept_without_the_hash_is_found_by_its_second_form(
    httpserver: HTTPServer, celery_worker: Any, task_runs: TaskRuns
) -> None:
    store, searched = _trackstar(httpserver, {"2001": "ord_2001"})
    rmas_on_return_changed(return_obj=_redo_return(store), change="created")
    (rma,) = wait_for(_settled, interval=0.2)
    assert rma.status == "submitted", rma.last_error
    assert list(dict.fromkeys(searched)) == ["#2001", "2001"]
    sent = [e[0] for e in httpserver.log if e[0].path == "/wms/returns" and e[0].method == "POST"][0].get_json()
    assert sent["order_id"] == "ord_2001"


def test_trackstar_order_kept_under_the_platform_order_id_is_found(httpserver: HTTPServer, celery_worker: Any) -> None:
    store, searched = _trackstar(httpserver, {"5550002001": "ord_shopify"})
    rmas_on_return_changed(return_obj=_redo_return(store), change="created")
    (rma,) = wait_for(_settled, interval=0.2)
    assert rma.status == "submitted", rma.last_error
    assert list(dict.fromkeys(searched)) == ["#2001", "2001", "65aa00000000000000000002", "5550002001"]


def test_an_order_really_unknown_names_every_form_searched(httpserver: HTTPServer, celery_worker: Any) -> None:
    store, searched = _trackstar(httpserver, {})
    rmas_on_return_changed(return_obj=_redo_return(store), change="created")
    (rma,) = wait_for(_settled, interval=0.2)
    forms = "order_number=#2001, order_number=2001, order_number=65aa00000000000000000002, order_number=5550002001"
    assert rma.status == "needs_attention"
    assert rma.last_error == f"ShipMonk has no order #2001 (searched {forms})"
    entry = rma.timeline.get(kind="rma_rejected")
    assert entry.message == f"RMA {rma.number} needs attention: {rma.last_error}"
    assert list(dict.fromkeys(searched)) == ["#2001", "2001", "65aa00000000000000000002", "5550002001"]
