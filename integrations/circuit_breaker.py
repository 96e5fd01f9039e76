"""A connection's circuit breaker, at the transport: every provider call of a connection passes it (Saleor's
pattern), not only RMA pushes.

Consecutive failures of a connection's calls (timeouts, 5xx, 429, refused destinations; not a refused RMA, which
says nothing about the connection, nor refused credentials, which have their own state) open it at
CIRCUIT_BREAKER_THRESHOLD: status failing, and every call of the connection is refused unsent
(ProviderCircuitOpen, with the wait until the next trial). After CIRCUIT_BREAKER_COOLDOWN_SECONDS one call is let
through (half-open), claimed by one conditional UPDATE so concurrent workers see a fresh cooldown: an answer from
the provider closes the breaker (and `connection_activated` re-queues what waited), a failure re-opens it for
another cooldown, and so does a trial whose worker died. A call a person asked for (Test connection) goes through
an open breaker as its trial. Support can reset it by hand in the admin.

The client of a connection gets a BreakerGate from the registry (integrations.registry.get_client), made from the
connection row it was built from, so an open breaker costs no extra read per call.
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from integrations.exceptions import (
    ProviderAuthError,
    ProviderCircuitOpen,
    ProviderConfigurationError,
    ProviderError,
    ProviderRejected,
    ProviderThrottled,
    ProviderTransientError,
)
from integrations.handlers import breaker_opened, connection_activated
from integrations.models import Connection

logger = logging.getLogger(__name__)

# A success rewrites last_success_at at most this often (every call succeeds through here).
LAST_SUCCESS_AT_PRECISION = timedelta(seconds=60)


def _cooldown() -> timedelta:
    return timedelta(seconds=settings.CIRCUIT_BREAKER_COOLDOWN_SECONDS)


def trial_due(now: datetime) -> Q:
    """Connections whose open breaker may let its trial call through."""
    return Q(breaker_opened_at__isnull=True) | Q(breaker_opened_at__lte=now - _cooldown())


def breaker_trial_is_due(connection: Connection, *, now: datetime | None = None) -> bool:
    """The breaker is open and its cooldown is over: a call may try (the transport claims the trial)."""
    if connection.status != Connection.Status.FAILING:
        return False
    opened = connection.breaker_opened_at
    return opened is None or opened <= (now or timezone.now()) - _cooldown()


def _next_trial_at(now: datetime) -> str:
    return (now + _cooldown()).strftime("%H:%M:%S UTC")


def counts_for_breaker(exc: ProviderError) -> bool:
    """Connection health, not data problems: a call that failed on its way or in the provider. A refused request
    (422) says nothing about the connection, refused credentials are their own state, our own throttle (and an open
    breaker) sent nothing."""
    if isinstance(exc, ProviderThrottled | ProviderRejected | ProviderAuthError):
        return False
    return isinstance(exc, ProviderTransientError | ProviderConfigurationError) and exc.api_call_id is not None


def breaker_failure_record(*, connection_id: int, message: str) -> None:
    """Count one failure; at the threshold open the breaker (status failing) so calls pause; a failure while it is
    open (its trial) re-opens it for another cooldown."""
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
        f"calls paused until a trial after {_next_trial_at(now)}. Last error: {message[:500]}",
    )
    if tripped:
        logger.error("circuit breaker opened for connection %s", connection_id)
        breaker_opened.run(connection_id=connection_id, message=message)
        return
    reopened = Connection.objects.filter(pk=connection_id, status=Connection.Status.FAILING).update(
        breaker_opened_at=now,
        health_message=f"Circuit breaker re-opened: the trial call failed, next trial after {_next_trial_at(now)}. "
        f"Last error: {message[:500]}",
    )
    if reopened:
        logger.warning("circuit breaker re-opened for connection %s", connection_id)


def breaker_trial_claim(*, connection_id: int, what: str) -> bool:
    """Half-open: once the cooldown has passed, let exactly one call through an open breaker.

    The claim moves breaker_opened_at to now in one conditional UPDATE, so concurrent calls see a fresh cooldown and
    wait, and a trial whose worker dies is tried again after another cooldown."""
    now = timezone.now()
    claimed = (
        Connection.objects.filter(trial_due(now), pk=connection_id, status=Connection.Status.FAILING).update(
            breaker_opened_at=now,
            health_message=f"Circuit breaker half-open: trying one call ({what}) after the cooldown",
            updated_at=now,
        )
        == 1
    )
    if claimed:
        logger.info("circuit breaker of connection %s half-open: trial call %s", connection_id, what)
    return claimed


def breaker_close(*, connection_id: int) -> bool:
    """The trial got an answer from the provider: close the breaker and let what waited go."""
    now = timezone.now()
    closed = Connection.objects.filter(pk=connection_id, status=Connection.Status.FAILING).update(
        status=Connection.Status.ACTIVE,
        consecutive_failures=0,
        breaker_opened_at=None,
        last_success_at=now,
        health_message="Circuit breaker closed: a trial call succeeded",
        updated_at=now,
    )
    if closed:
        logger.info("circuit breaker of connection %s closed after a successful trial call", connection_id)
        connection_activated.run(connection=Connection.objects.get(pk=connection_id))
    return bool(closed)


class BreakerGate:
    """One client's view of its connection's breaker, from the connection row the client was built from.

    `manual`: a person asked for these calls (Test connection): they go through an open breaker as its trial."""

    def __init__(self, connection: Connection, *, manual: bool = False) -> None:
        self.connection_id: int = connection.pk
        self.status = connection.status
        self.opened_at = connection.breaker_opened_at
        self.consecutive_failures = connection.consecutive_failures
        self.last_success_at = connection.last_success_at
        self.manual = manual

    def before_request(self, *, what: str) -> None:
        """Raise ProviderCircuitOpen, nothing sent, while the breaker is open and this call is not its trial."""
        if self.status != Connection.Status.FAILING or self.manual:
            return
        if breaker_trial_claim(connection_id=self.connection_id, what=what):
            self.manual = True  # this client's calls are the trial now, until the answer decides
            return
        now = timezone.now()
        wait = max(1.0, ((self.opened_at or now) + _cooldown() - now).total_seconds())
        raise ProviderCircuitOpen(
            f"the connection's circuit breaker is open after repeated failures: nothing sent; "
            f"the next trial call is in {int(wait)} s",
            retry_after=wait,
        )

    def after_request(self, error: ProviderError | None, *, changes_something: bool = True) -> None:
        """Record the call's outcome: a failure counts toward the threshold; an answer to a call that changes
        something at the provider (an RMA created, a return processed) ends a streak and closes an open breaker.
        A read that works proves only that the provider is reachable, not that the work failing before now goes
        through (ShipMonk's list answering while its create answers 503), so it ends nothing."""
        if error is not None and counts_for_breaker(error):
            breaker_failure_record(connection_id=self.connection_id, message=error.message)
            self.consecutive_failures += 1
            return
        if error is not None and not isinstance(error, ProviderRejected):
            return  # sent nothing (throttle), or refused credentials: says nothing about the breaker
        if not changes_something:
            return
        if self.status == Connection.Status.FAILING:
            if breaker_close(connection_id=self.connection_id):
                self.status, self.consecutive_failures, self.last_success_at = Connection.Status.ACTIVE, 0, None
            return
        if error is None:
            self._success()

    def _success(self) -> None:
        """End a failure streak. Every successful call lands here, so the shared connection row is rewritten only
        when something changes (a streak ends, the health time is a minute old): concurrent workers then do not
        queue on its row lock."""
        now = timezone.now()
        stale = now - LAST_SUCCESS_AT_PRECISION
        fresh = self.last_success_at is not None and self.last_success_at >= stale
        if self.consecutive_failures == 0 and fresh:
            return
        Connection.objects.filter(pk=self.connection_id).filter(
            Q(consecutive_failures__gt=0) | Q(last_success_at__isnull=True) | Q(last_success_at__lt=stale)
        ).update(consecutive_failures=0, last_success_at=now, updated_at=now)
        self.consecutive_failures, self.last_success_at = 0, now
