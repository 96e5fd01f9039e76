"""A connection's circuit breaker: consecutive push failures open it (status failing), a success ends the streak."""

import logging
from datetime import timedelta

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from integrations.exceptions import ProviderError, ProviderRejected, ProviderThrottled
from integrations.models import Connection

logger = logging.getLogger(__name__)


def breaker_failure_record(*, connection_id: int, message: str) -> None:
    """Count one failure; at the threshold open the breaker (status failing) so pushes pause."""
    Connection.objects.filter(pk=connection_id).update(
        consecutive_failures=F("consecutive_failures") + 1, last_error=message[:2000], updated_at=timezone.now()
    )
    tripped = Connection.objects.filter(
        pk=connection_id,
        status=Connection.Status.ACTIVE,
        consecutive_failures__gte=settings.CIRCUIT_BREAKER_THRESHOLD,
    ).update(
        status=Connection.Status.FAILING,
        breaker_opened_at=timezone.now(),
        health_message=f"Circuit breaker open after {settings.CIRCUIT_BREAKER_THRESHOLD} consecutive failures: "
        f"pushes paused. Last error: {message[:500]}",
    )
    if tripped:
        logger.error("circuit breaker opened for connection %s", connection_id)


LAST_SUCCESS_AT_PRECISION = timedelta(seconds=60)


def breaker_success_record(*, connection: Connection) -> None:
    """End a failure streak; every successful push lands here, so the shared connection row is
    rewritten only when something changes (a streak ends, the health time is a minute old):
    concurrent workers then do not queue on its row lock. `connection` was read at the start of
    the push; when it showed nothing to change, no statement is sent at all (a streak that began
    since then is ended by the next success)."""
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
