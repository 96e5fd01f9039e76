"""Tracking updates and cancels owed to the WMS are swept like pushes (RMA.tracking_due_at / cancel_due_at,
RMA_SWEEP_GRACE_SECONDS): one lost with a killed worker is re-published, once per grace period."""

import datetime as dt
from typing import Any
from unittest import mock

import pytest
from django.utils import timezone
from pytest_httpserver import HTTPServer

from returns.models import RMA
from returns.services.planning import rmas_plan
from returns.services.rmas.later_changes import rma_cancel_push, rma_tracking_push
from returns.services.rmas.push import rma_push
from returns.services.rmas.support import rma_cancel
from returns.services.rmas.sweeps import rma_changes_sweep_due
from returns.services.rmas.triggers import rmas_on_return_changed
from tests.factories import ReturnShipmentFactory
from tests.returns.rmas.conftest import (
    json_response,
    make_location,
    make_return,
    make_store,
    make_warehouse,
    shipmonk_ok,
)

pytestmark = pytest.mark.django_db
GRACE = 120


@pytest.fixture
def publish(settings: Any) -> Any:
    settings.RMA_SWEEP_GRACE_SECONDS = GRACE
    with (
        mock.patch("returns.services.rmas.publishing.rma_task_publish") as on_commit,
        mock.patch("returns.services.rmas.sweeps.rma_task_publish") as swept,
    ):
        yield swept, on_commit


def _submitted(httpserver: HTTPServer, *responses: Any) -> RMA:
    store = make_store()
    conn = make_warehouse(store, httpserver)
    make_location(store, conn, name="CA", wms_warehouse_code="CA1", is_default=True)
    answers = iter([shipmonk_ok(5), *responses])
    httpserver.expect_request("/v1/integrations/returns", method="POST").respond_with_handler(
        lambda request: next(answers)
    )
    (rma,) = rmas_plan(return_obj=make_return(store))
    rma_push(rma_id=rma.pk)
    rma.refresh_from_db()
    assert rma.status == "submitted"
    return rma


def _swept(publish: Any, now: dt.datetime) -> list[tuple[str, int]]:
    swept, _ = publish
    swept.reset_mock()
    rma_changes_sweep_due(now=now)
    return [tuple(call.args) for call in swept.call_args_list]


def test_a_tracking_update_whose_task_was_lost_is_republished_after_the_grace(
    httpserver: HTTPServer, publish: Any, django_capture_on_commit_callbacks: Any
) -> None:
    rma = _submitted(httpserver, shipmonk_ok(5))
    ReturnShipmentFactory(return_obj=rma.return_obj, tracking_number="9400111")
    with django_capture_on_commit_callbacks(execute=True):
        rmas_on_return_changed(return_obj=rma.return_obj, change="label_created")
    rma.refresh_from_db()
    queued_at = rma.tracking_due_at
    assert queued_at is not None
    # The task is lost (its worker was killed): nothing runs it, until the grace has passed.
    assert _swept(publish, queued_at + dt.timedelta(seconds=GRACE - 5)) == []
    later = queued_at + dt.timedelta(seconds=GRACE + 1)
    assert _swept(publish, later) == [("rma_tracking_push", rma.pk)]
    # Re-published: due again from then, so the next sweeps leave it alone for another grace period.
    assert _swept(publish, later + dt.timedelta(seconds=60)) == []
    assert rma_tracking_push(rma_id=rma.pk).detail == "ok"
    rma.refresh_from_db()
    assert (rma.pushed_tracking_numbers, rma.tracking_due_at) == (["9400111"], None)
    assert _swept(publish, later + dt.timedelta(hours=1)) == []


def test_a_tracking_retry_is_due_when_its_countdown_ends(httpserver: HTTPServer, publish: Any, settings: Any) -> None:
    """A retry the worker held in memory: swept a grace after it was due, not before."""
    settings.RMA_PUSH_BACKOFF_SECONDS = 600
    rma = _submitted(httpserver, json_response({"error": "busy"}, status=503))
    ReturnShipmentFactory(return_obj=rma.return_obj, tracking_number="9400222")
    before = timezone.now()
    outcome = rma_tracking_push(rma_id=rma.pk)
    assert outcome.action == "retry"
    rma.refresh_from_db()
    assert rma.tracking_due_at is not None
    assert rma.tracking_due_at >= before + dt.timedelta(seconds=outcome.countdown - 1)
    assert _swept(publish, rma.tracking_due_at + dt.timedelta(seconds=GRACE - 5)) == []
    assert _swept(publish, rma.tracking_due_at + dt.timedelta(seconds=GRACE + 1)) == [("rma_tracking_push", rma.pk)]


def test_a_cancel_whose_task_was_lost_is_republished_and_a_refused_one_is_not(
    httpserver: HTTPServer, publish: Any, django_capture_on_commit_callbacks: Any
) -> None:
    rma = _submitted(httpserver)
    with django_capture_on_commit_callbacks(execute=True):
        rma_cancel(rma_id=rma.pk, reason="shopper cancelled")
    rma.refresh_from_db()
    assert rma.cancel_due_at is not None
    later = rma.cancel_due_at + dt.timedelta(seconds=GRACE + 1)
    assert _swept(publish, later) == [("rma_cancel_push", rma.pk)]
    # ShipMonk cannot cancel through its API: support is told, and nothing more is owed.
    assert rma_cancel_push(rma_id=rma.pk).detail == "permanent error"
    rma.refresh_from_db()
    assert (rma.status, rma.cancel_due_at) == ("needs_attention", None)
    assert _swept(publish, later + dt.timedelta(hours=1)) == []


def test_changes_of_a_connection_that_is_not_active_wait_for_it(
    httpserver: HTTPServer, publish: Any, django_capture_on_commit_callbacks: Any
) -> None:
    rma = _submitted(httpserver)
    with django_capture_on_commit_callbacks(execute=True):
        rma_cancel(rma_id=rma.pk, reason="shopper cancelled")
    rma.refresh_from_db()
    later = rma.cancel_due_at + dt.timedelta(seconds=GRACE + 1)
    rma.warehouse_connection.__class__.objects.filter(pk=rma.warehouse_connection_id).update(status="paused")
    assert _swept(publish, later) == []
