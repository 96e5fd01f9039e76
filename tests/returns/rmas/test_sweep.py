"""The RMA sweeper: which pending RMAs it re-publishes, and when (RMA_SWEEP_GRACE_SECONDS)."""

import datetime as dt
from typing import Any
from unittest import mock

import pytest
from django.utils import timezone
from pytest_httpserver import HTTPServer

from integrations.models import Connection
from returns.models import RMA
from returns.services.planning import rmas_plan
from returns.services.rmas.sweeps import rmas_sweep_pending
from tests.returns.rmas.conftest import make_location, make_return, make_store, make_warehouse

pytestmark = pytest.mark.django_db
GRACE = 120


@pytest.fixture
def publish(settings: Any) -> Any:
    settings.RMA_SWEEP_GRACE_SECONDS = GRACE
    with mock.patch("returns.services.rmas.sweeps.rma_task_publish") as publish:
        yield publish


@pytest.fixture
def rma(httpserver: HTTPServer, publish: mock.Mock) -> RMA:
    store = make_store()
    conn = make_warehouse(store, httpserver)
    make_location(store, conn, name="Ontario", wms_warehouse_code="CA1", is_default=True)
    (rma,) = rmas_plan(return_obj=make_return(store))
    publish.reset_mock()
    return rma


def _set(rma: RMA, *, seconds_ago: float, **fields: Any) -> dt.datetime:
    now = timezone.now()
    RMA.objects.filter(pk=rma.pk).update(updated_at=now - dt.timedelta(seconds=seconds_ago), **fields)
    return now


def _swept(publish: mock.Mock, now: dt.datetime) -> list[int]:
    publish.reset_mock()
    rmas_sweep_pending(now=now)
    return [call.args[1] for call in publish.call_args_list if call.args[0] == "rma_push"]


def test_a_planned_rma_is_republished_only_after_the_grace(rma: RMA, publish: mock.Mock) -> None:
    now = _set(rma, seconds_ago=GRACE - 5)
    assert _swept(publish, now) == []
    assert _swept(publish, now + dt.timedelta(seconds=10)) == [rma.pk]


def test_an_rma_whose_worker_died_mid_push_is_republished_after_the_grace(rma: RMA, publish: mock.Mock) -> None:
    """Killed after committing its attempt: no retry is scheduled, and the lease ends with the task
    time limit, before the grace. The sweeper used to skip an RMA with an attempt for 30 minutes."""
    now = _set(rma, seconds_ago=GRACE + 1, attempts=1, next_attempt_at=None)
    assert _swept(publish, now) == [rma.pk]


def test_a_scheduled_retry_is_left_alone_until_it_is_overdue_by_the_grace(rma: RMA, publish: mock.Mock) -> None:
    now = timezone.now()
    due = now + dt.timedelta(minutes=16)  # a long backoff
    _set(rma, seconds_ago=3600, attempts=5, next_attempt_at=due)
    assert _swept(publish, now) == []
    assert _swept(publish, due + dt.timedelta(seconds=GRACE - 1)) == []
    # The worker holding the countdown in memory died: the retry never ran.
    assert _swept(publish, due + dt.timedelta(seconds=GRACE + 1)) == [rma.pk]


def test_a_republished_rma_waits_another_grace_before_the_next_copy(rma: RMA, publish: mock.Mock) -> None:
    """A long queue drains without the sweeper adding a copy of the same RMA every minute."""
    now = _set(rma, seconds_ago=GRACE + 1)
    assert _swept(publish, now) == [rma.pk]
    assert RMA.objects.get(pk=rma.pk).next_attempt_at == now
    assert _swept(publish, now + dt.timedelta(seconds=60)) == []
    assert _swept(publish, now + dt.timedelta(seconds=GRACE + 1)) == [rma.pk]


@pytest.mark.parametrize("status", [Connection.Status.PAUSED, Connection.Status.DRAFT, Connection.Status.FAILING])
def test_rmas_of_connections_not_taking_pushes_wait(rma: RMA, publish: mock.Mock, status: str, settings: Any) -> None:
    settings.CIRCUIT_BREAKER_COOLDOWN_SECONDS = 10**6  # an open breaker stays open here
    Connection.objects.filter(pk=rma.warehouse_connection_id).update(status=status, breaker_opened_at=timezone.now())
    now = _set(rma, seconds_ago=GRACE + 1)
    assert _swept(publish, now) == []


def test_only_pending_rmas_are_swept(rma: RMA, publish: mock.Mock) -> None:
    now = _set(rma, seconds_ago=GRACE + 1, status=RMA.Status.SUBMITTED)
    assert _swept(publish, now) == []


def test_the_grace_and_the_intervals_are_settings() -> None:
    from django.conf import settings

    from config.celery import app

    schedule = app.conf.beat_schedule
    assert schedule["rmas-sweep-pending"]["schedule"] == dt.timedelta(seconds=settings.RMA_SWEEP_INTERVAL_SECONDS)
    assert schedule["webhooks-sweep-pending"]["schedule"] == dt.timedelta(
        seconds=settings.WEBHOOK_SWEEP_INTERVAL_SECONDS
    )
    assert schedule["connections-reconcile"]["schedule"] == dt.timedelta(minutes=settings.RECONCILE_INTERVAL_MINUTES)
    assert settings.RMA_SWEEP_GRACE_SECONDS > settings.CELERY_TASK_TIME_LIMIT
