"""RMA tasks: thin wrappers that take ids and call one service each (queue "rmas")."""

import random
from collections.abc import Callable
from typing import Any

from celery import Task, shared_task
from django.conf import settings
from django.db import OperationalError


def _final(task: Task[Any, Any]) -> bool:
    return task.request.retries >= settings.RMA_PUSH_MAX_RETRIES


def _run(task: Task[Any, Any], service: Callable[..., Any], **ids: int) -> str:
    """Run a service that returns a PushOutcome, turning its retry and a locked database into task retries."""
    from returns.retry_policy import push_countdown

    try:
        outcome = service(**ids, final_attempt=_final(task), retries=task.request.retries)
    except OperationalError as exc:
        # A locked or deadlocked database is transient. Every service re-reads its row and its
        # attempt counter, so a rerun after a request that did land looks the result up first.
        countdown = push_countdown(retries=task.request.retries)
        raise task.retry(exc=exc, countdown=countdown, max_retries=settings.RMA_PUSH_MAX_RETRIES) from exc
    if outcome.action == "busy":
        _wait_for_lease(task, outcome.countdown)
    elif outcome.action == "retry":
        raise task.retry(countdown=outcome.countdown)
    return outcome.detail


def _wait_for_lease(task: Task[Any, Any], seconds: float) -> None:
    """Run again once another holder's lease has run out, with the same retry count.

    Nothing was tried, so this is not a retry: a task redelivered after its worker was killed
    mid-push waits for the dead worker's lease (at most the task time limit) instead of spending
    its retries against it and giving up. A live holder finishes first and the rerun is a no-op.
    """
    countdown = max(seconds, 1.0) + random.uniform(0, 1)  # noqa: S311 - jitter, not cryptography
    task.app.send_task(
        task.name,
        args=tuple(task.request.args or ()),
        kwargs=dict(task.request.kwargs or {}),
        countdown=countdown,
        retries=task.request.retries,
    )


@shared_task(bind=True, acks_late=True, max_retries=None)
def rma_push(self: Task[Any, Any], rma_id: int) -> str:
    """Push one RMA to its WMS; retries only transient failures, with the service's countdown."""
    from returns.services.rmas.push import rma_push as service

    return _run(self, service, rma_id=rma_id)


@shared_task(bind=True, acks_late=True, max_retries=None)
def rma_tracking_push(self: Task[Any, Any], rma_id: int) -> str:
    """Send a submitted RMA's new tracking numbers to the WMS."""
    from returns.services.rmas.later_changes import rma_tracking_push as service

    return _run(self, service, rma_id=rma_id)


@shared_task(bind=True, acks_late=True, max_retries=None)
def rma_cancel_push(self: Task[Any, Any], rma_id: int) -> str:
    """Cancel an RMA at its WMS."""
    from returns.services.rmas.later_changes import rma_cancel_push as service

    return _run(self, service, rma_id=rma_id)


@shared_task
def breakers_trial_publish() -> int:
    """Let one trial push through each open circuit breaker past its cooldown (beat, see config/settings/celery.py)."""
    from returns.services.rmas.breaker import breakers_trial_publish as service

    return service()


@shared_task
def rmas_sweep_pending() -> int:
    """Re-publish pending RMAs never pushed, and tracking updates and cancels whose task was lost
    (beat: every RMA_SWEEP_INTERVAL_SECONDS, see config/settings/celery.py)."""
    from returns.services.rmas.sweeps import rma_changes_sweep_due, rmas_sweep_pending

    return rmas_sweep_pending() + rma_changes_sweep_due()


@shared_task(bind=True, acks_late=True, max_retries=None)
def return_platform_act(self: Task[Any, Any], return_id: int) -> str:
    """Process or flag a return on its platform once its RMAs are resolved; retries transient failures."""
    from returns.services.platform_action_sweeps import return_platform_act_attempt as service

    return _run(self, service, return_id=return_id)


@shared_task
def platform_actions_sweep_due() -> int:
    """Re-publish queued platform actions no task took (beat: every PLATFORM_ACTION_SWEEP_INTERVAL_SECONDS)."""
    from returns.services.platform_action_sweeps import platform_actions_sweep_due as service

    return service()


@shared_task
def connections_reconcile() -> int:
    """Publish one reconciliation run per active connection (beat: every 15 minutes, see config/celery.py)."""
    from returns.services.reconciliation import connections_reconcile_enqueue

    return connections_reconcile_enqueue()


@shared_task
def connection_reconcile(connection_id: int) -> str:
    """Poll one connection for returns updated since its cursor and repair what webhooks missed."""
    from returns.services.reconciliation import connection_reconcile as service

    result = service(connection_id=connection_id)
    return f"{result.status}: {result.checked} checked, {result.repaired} repaired, {result.missing_rmas} missing RMAs"


@shared_task
def returns_overdue_notify() -> int:
    """Tell each store which of its returns became overdue since the last run (beat: hourly, see config/celery.py)."""
    from returns.services.aging import returns_overdue_notify as service

    return service()
