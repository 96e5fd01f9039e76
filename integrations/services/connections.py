"""Connection operations for the admin and the API: test, pause, resume, reset the circuit breaker."""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from config.exceptions import ApplicationError
from integrations.exceptions import ProviderError
from integrations.handlers import connection_activated
from integrations.models import Connection
from integrations.registry import get_client
from integrations.services.health import connection_credentials_accepted, connection_credentials_rejected


@dataclass(frozen=True)
class ConnectionTestResult:
    ok: bool
    message: str


def connection_test(*, connection: Connection) -> ConnectionTestResult:
    """One live call with the stored credentials; records last_success_at or last_error."""
    try:
        # A person asked: the call goes through an open breaker as its trial, and its answer decides it.
        message = get_client(connection=connection, manual=True).test_connection()
    except ProviderError as exc:
        # exc.message is built by the HTTP base from the provider's words, secrets scrubbed.
        connection_credentials_rejected(connection_id=connection.pk, exc=exc)
        Connection.objects.filter(pk=connection.pk).update(last_error=exc.message[:2000], updated_at=timezone.now())
        connection.last_error = exc.message[:2000]
        return ConnectionTestResult(ok=False, message=exc.message)
    now = timezone.now()
    Connection.objects.filter(pk=connection.pk).update(last_success_at=now, last_error="", updated_at=now)
    connection.last_success_at, connection.last_error = now, ""
    connection_credentials_accepted(connection=connection)
    return ConnectionTestResult(ok=True, message=message)


def connection_pause(*, connection: Connection, by: str = "") -> Connection:
    """Stop pushes to this connection; pending RMAs wait until it is resumed."""
    connection.status = Connection.Status.PAUSED
    connection.health_message = f"Paused by {by}" if by else "Paused by support"
    connection.save(update_fields=["status", "health_message", "updated_at"])
    return connection


def connection_resume(*, connection: Connection) -> Connection:
    """Accept pushes again (also closes an open breaker) and queue what waited."""
    return _activate(connection=connection, message="")


def connection_pause_checked(*, connection: Connection, by: str) -> Connection:
    """A store owner's pause (the API): only a live connection pauses; a paused one stays as it is."""
    status = Connection.Status
    if connection.status == status.PAUSED:
        return connection
    if connection.status != status.ACTIVE:
        raise ApplicationError(_not_live_reason(connection, verb="pause"))
    return connection_pause(connection=connection, by=by)


def connection_resume_checked(*, connection: Connection) -> Connection:
    """A store owner's resume (the API): only a paused connection whose breaker is closed and whose credentials
    were not rejected; otherwise what to do instead. Support's resume (the admin) also closes a breaker."""
    status = Connection.Status
    if connection.status == status.ACTIVE and connection.breaker_opened_at is None:
        return connection
    if connection.status != status.PAUSED or connection.breaker_opened_at is not None:
        raise ApplicationError(_not_live_reason(connection, verb="resume"))
    return _activate(connection=connection, message="")


def _not_live_reason(connection: Connection, *, verb: str) -> str:
    """Why a connection cannot be paused or resumed now, and what to do instead."""
    status = Connection.Status
    if connection.status == status.CREDENTIALS_REJECTED:
        return (
            f"Cannot {verb}: the provider rejected this connection's credentials, so its work already waits. Save "
            "working credentials (PATCH the connection) or test it again: it resumes by itself once they work."
        )
    if connection.status == status.FAILING or connection.breaker_opened_at is not None:
        return (
            f"Cannot {verb}: the circuit breaker is open after repeated failures (last error: "
            f"{connection.last_error[:300] or 'none recorded'}). Backhaul tries one push after each cooldown and "
            "resumes by itself when it succeeds; fix the cause, or ask Backhaul support to reset the breaker."
        )
    if connection.status == status.DRAFT:
        return (
            f"Cannot {verb}: this connection is not live yet. Take the store live (POST "
            f"/api/v1/stores/{connection.store_id}/go-live/), which runs the setup checks first."
        )
    return f"Cannot {verb} a connection that is {connection.get_status_display().lower()}."


def connection_reset_breaker(*, connection: Connection) -> Connection:
    """Close the circuit breaker: zero the failure count, mark active, queue the pending RMAs."""
    return _activate(connection=connection, message="Circuit breaker reset by support")


def _activate(*, connection: Connection, message: str) -> Connection:
    with transaction.atomic():
        connection.status = Connection.Status.ACTIVE
        connection.consecutive_failures = 0
        connection.breaker_opened_at = None
        connection.health_message = message
        connection.save(
            update_fields=["status", "consecutive_failures", "breaker_opened_at", "health_message", "updated_at"]
        )
        connection_activated.run(connection=connection)  # returns re-queues the RMAs that waited
    return connection
