"""The circuit breaker half-opens by itself on a real worker: after its cooldown beat's breaker entry lets one
trial push through; success closes it and re-queues what waited, failure re-opens it."""

import datetime as dt
from typing import Any

import pytest
from django.db import close_old_connections
from django.utils import timezone
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from integrations.models import Connection
from returns import tasks
from returns.models import RMA
from returns.services.rmas.triggers import rmas_on_return_changed
from tests.conftest import TaskRuns, running_worker
from tests.returns.rmas.conftest import (
    json_response,
    make_location,
    make_return,
    make_store,
    make_warehouse,
    shipmonk_ok,
)

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
RETURNS = "/v1/integrations/returns"


@pytest.fixture
def celery_worker() -> Any:
    """One worker thread, so pushes run one after another and the order below is the order they ran."""
    with running_worker(concurrency=1) as worker:
        yield worker


class Wms:
    """A ShipMonk that answers from a script and notes the connection's status as each create arrives."""

    def __init__(self, connection: Connection, *answers: Response) -> None:
        self.connection_id = connection.pk
        self.answers = list(answers)
        self.seen: list[str] = []

    def __call__(self, request: Request) -> Response:
        try:
            self.seen.append(Connection.objects.get(pk=self.connection_id).status)
        finally:
            close_old_connections()
        return self.answers[min(len(self.seen), len(self.answers)) - 1]


def _world(httpserver: HTTPServer, settings: Any, *answers: Response) -> tuple[Connection, Wms]:
    settings.CIRCUIT_BREAKER_THRESHOLD = 2
    settings.CIRCUIT_BREAKER_COOLDOWN_SECONDS = 300
    # Retries left over: the first push's quick retry may run before or after the second push, and either way
    # two failures open the breaker without any RMA running out of retries.
    settings.RMA_PUSH_MAX_RETRIES = 3
    store = make_store()
    conn = make_warehouse(store, httpserver)
    make_location(store, conn, name="Ontario", wms_warehouse_code="CA1", is_default=True)
    wms = Wms(conn, *answers)
    httpserver.expect_request(RETURNS, method="POST").respond_with_handler(wms)
    httpserver.expect_request("/v1/integrations/returns-list").respond_with_json(
        {"status": 200, "data": {"returns_list": []}}
    )
    # Routing asks for each order (every call of the connection passes the breaker): the WMS knows none.
    httpserver.expect_request("/v1/integrations/orders").respond_with_json({"data": []})
    for n in range(3):
        rmas_on_return_changed(return_obj=make_return(store, order_name=f"#30{n}"), change="created")
    return conn, wms


def _cooldown_passes(conn: Connection) -> None:
    """Move the breaker's opening back past the cooldown, as the clock would."""
    opened = Connection.objects.get(pk=conn.pk).breaker_opened_at
    assert opened is not None
    Connection.objects.filter(pk=conn.pk).update(breaker_opened_at=opened - dt.timedelta(seconds=301))


def _statuses() -> list[str]:
    return sorted(RMA.objects.values_list("status", flat=True))


def test_after_the_cooldown_one_trial_push_closes_the_breaker_and_requeues_the_rest(
    httpserver: HTTPServer, settings: Any, celery_worker: Any, task_runs: TaskRuns
) -> None:
    down = json_response({"message": "maintenance"}, 503)
    conn, wms = _world(httpserver, settings, down, down, shipmonk_ok())
    task_runs.wait_idle()
    opened = Connection.objects.get(pk=conn.pk)
    assert (opened.status, wms.seen, _statuses()) == ("failing", ["active", "active"], ["pending"] * 3)

    tasks.breakers_trial_publish.delay()  # beat's entry, before the cooldown: nothing goes through
    task_runs.wait_idle()
    assert wms.seen == ["active", "active"]

    _cooldown_passes(conn)
    tasks.breakers_trial_publish.delay()
    task_runs.wait_idle()

    # One trial while the breaker was open, then the two RMAs that waited, once it had closed.
    assert wms.seen == ["active", "active", "failing", "active", "active"]
    closed = Connection.objects.get(pk=conn.pk)
    assert (closed.status, closed.consecutive_failures, closed.breaker_opened_at) == ("active", 0, None)
    assert closed.health_message == "Circuit breaker closed: a trial call succeeded"
    assert _statuses() == ["submitted"] * 3


def test_a_failed_trial_reopens_the_breaker_for_another_cooldown(
    httpserver: HTTPServer, settings: Any, celery_worker: Any, task_runs: TaskRuns
) -> None:
    conn, wms = _world(httpserver, settings, json_response({"message": "maintenance"}, 503))
    task_runs.wait_idle()
    assert Connection.objects.get(pk=conn.pk).status == "failing"
    _cooldown_passes(conn)
    before_trial = timezone.now()

    tasks.breakers_trial_publish.delay()
    task_runs.wait_idle()
    reopened = Connection.objects.get(pk=conn.pk)
    assert wms.seen == ["active", "active", "failing"]
    assert reopened.status == "failing"
    assert reopened.breaker_opened_at is not None
    assert reopened.breaker_opened_at >= before_trial  # a new cooldown starts from the failed trial
    assert reopened.health_message.startswith("Circuit breaker re-opened: the trial call failed")
    assert _statuses() == ["pending"] * 3

    tasks.breakers_trial_publish.delay()  # within the new cooldown: no second trial
    task_runs.wait_idle()
    assert wms.seen == ["active", "active", "failing"]
