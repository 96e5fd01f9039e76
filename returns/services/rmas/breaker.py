"""A connection's circuit breaker: consecutive push failures open it (status failing), a success ends the streak.

After CIRCUIT_BREAKER_COOLDOWN_SECONDS an open breaker lets one trial push through (half-open): an
answer from the WMS closes it and re-queues the connection's pending RMAs, a failure re-opens it for
another cooldown. Beat publishes the trial (breakers_trial_publish) every RMA_SWEEP_INTERVAL_SECONDS;
any push, tracking update or cancel that meets the breaker after the cooldown may claim it too.
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from integrations.exceptions import ProviderError, ProviderRejected, ProviderThrottled
from integrations.models import Connection
from integrations.services.notifications import connection_notify
from returns.models import RMA
from returns.services.rmas.publishing import rma_task_publish
from returns.services.rmas.sweeps import rmas_requeue_for_connection

logger = logging.getLogger(__name__)


def _cooldown() -> timedelta:
    return timedelta(seconds=settings.CIRCUIT_BREAKER_COOLDOWN_SECONDS)


def _trial_due(now: datetime) -> Q:
    return Q(breaker_opened_at__isnull=True) | Q(breaker_opened_at__lte=now - _cooldown())


def _next_trial_at(now: datetime) -> str:
    return (now + _cooldown()).strftime("%H:%M:%S UTC")


def breaker_failure_record(*, connection_id: int, message: str) -> None:
    """Count one failure; at the threshold open the breaker (status failing) so pushes pause; a
    failure while it is open (its trial push) re-opens it for another cooldown."""
    now = timezone.now()
    Connection.objects.filter(pk=connection_id).update(
        consecutive_failures=F("consecutive_failures") + 1, last_error=message[:2000], updated_at=now
    )
    tripped = Connection.objects.filter(
        pk=connection_id,
        status=Connection.Status.ACTIVE,
        consecutive_failures__gte=settings.CIRCUIT_BREAKER_THRESHOLD,
    ).update(
        status=Connection.Status.FAILING,
        breaker_opened_at=now,
        health_message=f"Circuit breaker open after {settings.CIRCUIT_BREAKER_THRESHOLD} consecutive failures: "
        f"pushes paused until a trial push after {_next_trial_at(now)}. Last error: {message[:500]}",
    )
    if tripped:
        logger.error("circuit breaker opened for connection %s", connection_id)
        connection_notify(connection_id=connection_id, kind="breaker_opened", message=f"Pushes paused: {message}")
        return
    reopened = Connection.objects.filter(pk=connection_id, status=Connection.Status.FAILING).update(
        breaker_opened_at=now,
        health_message=f"Circuit breaker re-opened: the trial push failed, next trial after {_next_trial_at(now)}. "
        f"Last error: {message[:500]}",
    )
    if reopened:
        logger.warning("circuit breaker re-opened for connection %s", connection_id)


def breaker_trial_claim(*, connection: Connection, what: str) -> bool:
    """Half-open: once the cooldown has passed, let exactly one push through an open breaker.

    The claim moves breaker_opened_at to now in one conditional UPDATE, so concurrent pushes see a
    fresh cooldown and wait, and a trial whose worker dies is tried again after another cooldown."""
    if connection.status != Connection.Status.FAILING:
        return False
    now = timezone.now()
    claimed = (
        Connection.objects.filter(_trial_due(now), pk=connection.pk, status=Connection.Status.FAILING).update(
            breaker_opened_at=now,
            health_message=f"Circuit breaker half-open: trying one push ({what}) after the cooldown",
            updated_at=now,
        )
        == 1
    )
    if claimed:
        logger.info("circuit breaker of connection %s half-open: trial push of %s", connection.pk, what)
    return claimed


def breaker_close(*, connection_id: int) -> bool:
    """The trial push got an answer from the WMS: close the breaker and queue what waited."""
    now = timezone.now()
    closed = Connection.objects.filter(pk=connection_id, status=Connection.Status.FAILING).update(
        status=Connection.Status.ACTIVE,
        consecutive_failures=0,
        breaker_opened_at=None,
        last_success_at=now,
        health_message="Circuit breaker closed: a trial push succeeded",
        updated_at=now,
    )
    if closed:
        logger.info("circuit breaker of connection %s closed after a successful trial push", connection_id)
        rmas_requeue_for_connection(connection_id=connection_id)
    return bool(closed)


def breakers_trial_publish(*, now: datetime | None = None) -> int:
    """For each open breaker past its cooldown, publish the push of its oldest pending RMA (the trial)."""
    now = now or timezone.now()
    published = 0
    for connection_id in Connection.objects.filter(_trial_due(now), status=Connection.Status.FAILING).values_list(
        "pk", flat=True
    ):
        rma_id = (
            RMA.objects.filter(warehouse_connection_id=connection_id, status=RMA.Status.PENDING)
            .order_by("created_at")
            .values_list("pk", flat=True)
            .first()
        )
        if rma_id is not None:
            rma_task_publish("rma_push", rma_id)
            published += 1
    return published


LAST_SUCCESS_AT_PRECISION = timedelta(seconds=60)


def breaker_success_record(*, connection: Connection) -> None:
    """End a failure streak; every successful push lands here, so the shared connection row is
    rewritten only when something changes (a streak ends, the health time is a minute old):
    concurrent workers then do not queue on its row lock. `connection` was read at the start of
    the push; when it showed nothing to change, no statement is sent at all (a streak that began
    since then is ended by the next success). A success through an open breaker (its trial) closes it."""
    if connection.status == Connection.Status.FAILING and breaker_close(connection_id=connection.pk):
        return
    now = timezone.now()
    stale = now - LAST_SUCCESS_AT_PRECISION
    fresh = connection.last_success_at is not None and connection.last_success_at >= stale
    if connection.consecutive_failures == 0 and fresh:
        return
    Connection.objects.filter(pk=connection.pk).filter(
        Q(consecutive_failures__gt=0) | Q(last_success_at__isnull=True) | Q(last_success_at__lt=stale)
    ).update(consecutive_failures=0, last_success_at=now, updated_at=now)


def counts_for_breaker(exc: ProviderError) -> bool:
    """Connection health, not data problems: a refused RMA (422) says nothing about the connection,
    and our own throttle sent nothing."""
    if isinstance(exc, ProviderThrottled | ProviderRejected):
        return False
    return exc.api_call_id is not None
