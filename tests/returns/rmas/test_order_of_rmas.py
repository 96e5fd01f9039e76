"""Several RMAs of one order reach the warehouse in number order (issue 16), on a real worker and PostgreSQL.

A return split into `1042` (CA1) and `1042_01` (NJ1) on one ShipMonk account: `1042` is created
first even when its first try fails and `1042_01` is ready long before; when `1042` cannot be
created at all (ShipMonk refuses it), `1042_01` is still sent, and its timeline says why.
"""

import json
from typing import Any

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from returns.models import RMA
from returns.services.planning import rmas_plan
from returns.services.rmas.push import rma_push
from returns.services.rmas.triggers import rmas_on_return_changed
from tests.conftest import TaskRuns, running_worker, wait_for
from tests.returns.rmas.conftest import json_response, make_location, make_return, make_store, make_warehouse

pytestmark = [pytest.mark.worker, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
RETURNS = "/v1/integrations/returns"


@pytest.fixture
def celery_worker() -> Any:
    with running_worker(concurrency=2) as worker:
        yield worker


class ShipMonk:
    """Answers each RMA number from its own script (the last answer repeats); records the creates that succeeded."""

    def __init__(self, scripts: dict[str, list[Response]]) -> None:
        self.scripts = scripts
        self.tries: dict[str, int] = {}
        self.created: list[str] = []

    def __call__(self, request: Request) -> Response:
        number = json.loads(request.get_data(as_text=True))["rma"]
        index = self.tries.get(number, 0)
        self.tries[number] = index + 1
        script = self.scripts.get(number) or [json_response({"status": 200, "data": {"id": 1}})]
        response = script[min(index, len(script) - 1)]
        if response.status_code == 200:
            self.created.append(number)
        return response


def _split(httpserver: HTTPServer, shipmonk: ShipMonk) -> Any:
    store = make_store()
    conn = make_warehouse(store, httpserver)
    make_location(store, conn, name="Ontario", wms_warehouse_code="CA1", destinations={"loop": "dest-ca"})
    make_location(store, conn, name="Newark", wms_warehouse_code="NJ1", destinations={"loop": "dest-nj"})
    httpserver.expect_request(RETURNS, method="POST").respond_with_handler(shipmonk)
    httpserver.expect_request("/v1/integrations/returns-list").respond_with_json(
        {"status": 200, "data": {"returns_list": []}}
    )
    return make_return(
        store,
        lines=[{"sku": "TEE-BLK-M", "destination_key": "dest-ca"}, {"sku": "CAP-RED", "destination_key": "dest-nj"}],
    )


def _settled() -> dict[str, RMA] | None:
    rmas = {r.number: r for r in RMA.objects.all()}
    return rmas if len(rmas) == 2 and all(r.status != RMA.Status.PENDING for r in rmas.values()) else None


def test_the_first_rma_of_an_order_is_created_first_even_when_its_first_try_fails(
    httpserver: HTTPServer, celery_worker: Any, task_runs: TaskRuns
) -> None:
    down = json_response({"message": "maintenance"}, 503)
    shipmonk = ShipMonk({"1042": [down, down, json_response({"status": 200, "data": {"id": 42}})]})
    rmas_on_return_changed(return_obj=_split(httpserver, shipmonk), change="created")
    rmas = wait_for(_settled, interval=0.1)
    assert {n: r.status for n, r in rmas.items()} == {"1042": "submitted", "1042_01": "submitted"}
    assert shipmonk.created == ["1042", "1042_01"]
    assert shipmonk.tries == {"1042": 3, "1042_01": 1}  # 1042_01 waited: never sent before 1042 existed
    waited = rmas["1042_01"].timeline.get(kind="rma_waiting_for_earlier")
    assert waited.message == "RMA 1042_01 waits for RMA 1042: the warehouse receives an order's RMAs in number order"
    assert rmas["1042_01"].last_error == ""


def test_when_the_first_rma_is_refused_the_second_is_still_sent(
    httpserver: HTTPServer, celery_worker: Any, task_runs: TaskRuns
) -> None:
    down = json_response({"message": "maintenance"}, 503)
    refused = json_response({"message": "Unknown SKU TEE-BLK-M"}, 422)
    shipmonk = ShipMonk({"1042": [down, refused]})
    rmas_on_return_changed(return_obj=_split(httpserver, shipmonk), change="created")
    rmas = wait_for(_settled, interval=0.1)
    assert {n: r.status for n, r in rmas.items()} == {"1042": "needs_attention", "1042_01": "submitted"}
    assert shipmonk.created == ["1042_01"]
    released = rmas["1042_01"].timeline.get(kind="rma_earlier_not_created")
    assert (
        released.message
        == "RMA 1042 was not created at the warehouse (needs attention): RMA 1042_01 no longer waits for it"
    )


# Queries a single RMA's push makes before its request to the WMS: 9 on main before the order rule, 8 since the
# store's disposition rules are read only for an RMA with an instruction (issue 25).
SINGLE_PUSH_QUERIES_BEFORE_REQUEST = 8


def test_a_single_rma_push_makes_no_extra_query_before_its_request(httpserver: HTTPServer) -> None:
    """The order rule is an EXISTS inside the query that locks the RMA: the single-RMA path makes no more queries."""
    store = make_store()
    conn = make_warehouse(store, httpserver)
    make_location(store, conn, name="Ontario", wms_warehouse_code="CA1", destinations={"loop": "dest-ca"})
    (rma,) = rmas_plan(return_obj=make_return(store, destination_id="dest-ca"))
    seen: list[int] = []
    # The handler runs in the server's thread: count on this thread's connection object, not the proxy.
    with CaptureQueriesContext(connections["default"]) as queries:

        def answer(request: Request) -> Response:
            seen.append(len(queries.captured_queries))
            return json_response({"status": 200, "data": {"id": 7}})

        httpserver.expect_request(RETURNS, method="POST").respond_with_handler(answer)
        assert rma_push(rma_id=rma.pk).detail == "submitted"
    assert seen == [SINGLE_PUSH_QUERIES_BEFORE_REQUEST]
