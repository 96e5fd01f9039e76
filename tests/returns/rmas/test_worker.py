"""The push path end to end on a real Celery worker (broker, acks, countdown retries) and a local WMS."""

import datetime as dt
import threading
import time
from typing import Any
from unittest import mock

import pytest
from django.db import OperationalError, close_old_connections
from django.utils import timezone
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from config.leases import leases_backend
from integrations.models import Connection
from returns import tasks
from returns.models import RMA
from returns.services.planning import rmas_plan
from returns.services.rmas.push import rma_push
from returns.services.rmas.sweeps import rmas_sweep_pending
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

RMA_TASK_PUBLISH = "returns.services.rmas.publishing.rma_task_publish"

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
RETURNS = "/v1/integrations/returns"


def _world(httpserver: HTTPServer, *responses: Any) -> tuple[Any, Recorder]:
    store = make_store()
    conn = make_warehouse(store, httpserver)
    make_location(store, conn, name="Ontario", wms_warehouse_code="CA1", destinations={"loop": "dest-ca"})
    make_location(store, conn, name="Newark", wms_warehouse_code="NJ1", destinations={"loop": "dest-nj"})
    recorder = Recorder(*responses)
    httpserver.expect_request(RETURNS, method="POST").respond_with_handler(recorder)
    httpserver.expect_request("/v1/integrations/returns-list").respond_with_json(
        {"status": 200, "data": {"returns_list": []}}
    )
    return store, recorder


@pytest.fixture
def celery_worker() -> Any:
    """One worker thread: in-memory SQLite (shared cache) refuses concurrent writers outright."""
    with running_worker(concurrency=1) as worker:
        yield worker


def _settled(*rma_ids: int) -> list[RMA] | None:
    try:
        rmas = list(RMA.objects.select_related("location").filter(pk__in=rma_ids))
    except OperationalError:  # in-memory SQLite: the worker holds the table lock this instant
        return None
    return rmas if rmas and all(r.status != RMA.Status.PENDING for r in rmas) else None


def _all_settled() -> list[RMA] | None:
    try:
        ids = list(RMA.objects.values_list("pk", flat=True))
    except OperationalError:
        return None
    return _settled(*ids)


def test_order_1042_split_over_two_warehouses_then_a_second_return(httpserver: HTTPServer, celery_worker: Any) -> None:
    store, recorder = _world(httpserver, shipmonk_ok())
    first = make_return(
        store,
        lines=[{"sku": "TEE-BLK-M", "destination_key": "dest-ca"}, {"sku": "CAP-RED", "destination_key": "dest-nj"}],
    )
    second = make_return(store, lines=[{"sku": "SOCK", "destination_key": "dest-ca"}])
    # Plan both returns before the worker starts writing: in-memory SQLite refuses a second
    # writer outright, so this thread must not write while the worker pushes.
    with mock.patch(RMA_TASK_PUBLISH) as publish:
        rmas_on_return_changed(return_obj=first, change="created")
        rmas_on_return_changed(return_obj=second, change="created")
    for call in publish.call_args_list:
        getattr(tasks, call.args[0]).delay(call.args[1])
    rmas = wait_for(_all_settled, interval=0.2)
    assert sorted((r.number, r.status, r.location.wms_warehouse_code) for r in rmas) == [
        ("1042", "submitted", "CA1"),
        ("1042_01", "submitted", "NJ1"),
        ("1042_02", "submitted", "CA1"),
    ]
    assert sorted((r["body"]["rma"], r["body"]["warehouse"]) for r in recorder.requests) == [
        ("1042", "CA1"),
        ("1042_01", "NJ1"),
        ("1042_02", "CA1"),
    ]


def test_503_three_times_then_200_ends_with_exactly_one_rma(httpserver: HTTPServer, celery_worker: Any) -> None:
    down = json_response({"message": "maintenance"}, 503)
    store, recorder = _world(httpserver, down, down, down, shipmonk_ok(42))
    rmas_on_return_changed(return_obj=make_return(store, destination_id="dest-ca"), change="created")
    (rma,) = wait_for(_all_settled, interval=0.2)
    assert (rma.status, rma.external_id, rma.attempts) == ("submitted", "42", 4)
    assert recorder.count == 4
    assert RMA.objects.count() == 1


def test_422_ends_with_no_rma_and_needs_attention(
    httpserver: HTTPServer, celery_worker: Any, task_runs: TaskRuns
) -> None:
    store, recorder = _world(httpserver, json_response({"message": "Unknown SKU TEE-BLK-M"}, 422))
    rmas_on_return_changed(return_obj=make_return(store, destination_id="dest-ca"), change="created")
    (rma,) = wait_for(_all_settled, interval=0.2)
    assert (rma.status, recorder.count) == ("needs_attention", 1)
    assert "Unknown SKU TEE-BLK-M" in rma.last_error
    task_runs.wait_idle()  # every task set off has run: nothing retries it behind our back
    assert task_runs.runs("rma_push") == [((rma.pk,), "SUCCESS", "needs attention")]
    assert (task_runs.retried, recorder.count) == ([], 1)


def test_always_failing_wms_stops_after_the_retry_cap(httpserver: HTTPServer, celery_worker: Any) -> None:
    store, recorder = _world(httpserver, json_response({"message": "down"}, 500))
    rmas_on_return_changed(return_obj=make_return(store, destination_id="dest-ca"), change="created")
    (rma,) = wait_for(_all_settled, interval=0.2)
    assert rma.status == "failed"
    # RMA_PUSH_MAX_RETRIES = 4 here: one try plus four retries, each later one creating again
    # only because the lookup finds nothing.
    assert (rma.attempts, recorder.count) == (5, 5)
    assert "Traceback" in rma.last_error


def test_duplicated_publishes_push_once(httpserver: HTTPServer, celery_worker: Any, task_runs: TaskRuns) -> None:
    def slow(request: Request) -> Response:
        time.sleep(0.3)
        return shipmonk_ok()

    store, recorder = _world(httpserver, slow)
    with mock.patch(
        "returns.services.rmas.publishing.rma_task_publish"
    ):  # publish below, once this thread stops writing
        rmas_on_return_changed(return_obj=make_return(store, destination_id="dest-ca"), change="created")
    rma_id = RMA.objects.get().pk
    # Redeliveries (visibility timeout, a killed worker's requeue, the sweeper) all publish the same id.
    for _ in range(3):
        tasks.rma_push.delay(rma_id)
    task_runs.wait_idle()  # all three deliveries have run
    assert sorted(retval for _args, _state, retval in task_runs.runs("rma_push")) == [
        "already submitted",
        "already submitted",
        "submitted",
    ]
    assert recorder.count == 1
    assert RMA.objects.get().status == "submitted"


def test_two_workers_on_the_same_rma_push_once(httpserver: HTTPServer) -> None:
    def slow(request: Request) -> Response:
        time.sleep(0.3)
        return shipmonk_ok()

    store, recorder = _world(httpserver, slow)
    (rma,) = rmas_plan(return_obj=make_return(store, destination_id="dest-ca"))
    outcomes: list[str] = []

    def run() -> None:
        try:
            outcomes.append(rma_push(rma_id=rma.pk).action)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["busy", "done"]
    assert recorder.count == 1
    assert RMA.objects.get().status == "submitted"


def test_sweeper_republishes_never_tried_rmas_of_active_connections(
    httpserver: HTTPServer, celery_worker: Any, settings: Any, task_runs: TaskRuns
) -> None:
    settings.RMA_SWEEP_GRACE_SECONDS = 0
    store, recorder = _world(httpserver, shipmonk_ok())
    Connection.objects.filter(store=store).update(status=Connection.Status.PAUSED)
    rmas_on_return_changed(return_obj=make_return(store, destination_id="dest-ca"), change="created")
    rma = RMA.objects.get()
    task_runs.wait_idle()  # the push ran and found the connection paused
    assert task_runs.runs("rma_push") == [((rma.pk,), "SUCCESS", "connection paused")]
    assert RMA.objects.get().status == "pending"
    later = timezone.now() + dt.timedelta(seconds=1)
    assert rmas_sweep_pending(now=later) == 0  # a paused connection's RMAs wait
    Connection.objects.filter(store=store).update(status=Connection.Status.ACTIVE)
    assert rmas_sweep_pending(now=later) == 1
    wait_for(lambda: _settled(rma.pk), interval=0.2)
    assert recorder.count == 1


def test_a_redelivered_push_waits_for_a_killed_workers_lease_without_spending_retries(
    httpserver: HTTPServer, celery_worker: Any, settings: Any, task_runs: TaskRuns
) -> None:
    """A worker killed mid-push keeps its lease until the task time limit, and its message comes back
    at once (task_reject_on_worker_lost). The redelivered task used to spend its retries against the
    lease and stop, leaving the RMA for the sweeper; it now waits for the lease to run out."""
    settings.RMA_PUSH_MAX_RETRIES = 1
    store, recorder = _world(httpserver, shipmonk_ok())
    with mock.patch(RMA_TASK_PUBLISH):
        rmas_on_return_changed(return_obj=make_return(store, destination_id="dest-ca"), change="created")
    rma = RMA.objects.get()
    # What the killed worker left: its attempt committed, its lease with 3 seconds to run.
    RMA.objects.filter(pk=rma.pk).update(attempts=1)
    held, _ = leases_backend().acquire(key=f"rma:push:{rma.pk}", token="killed-worker", seconds=3)
    assert held is not None

    tasks.rma_push.delay(rma.pk)  # the redelivery
    (pushed,) = wait_for(lambda: _settled(rma.pk), timeout=30, interval=0.2)

    assert (pushed.status, recorder.count) == ("submitted", 1)
    details = [retval for _args, _state, retval in task_runs.runs("rma_push")]
    assert details == ["another worker holds the RMA", "submitted"]
    assert task_runs.retried == []  # waiting for the lease is not a retry
