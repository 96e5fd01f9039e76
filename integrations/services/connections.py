"""Connection operations for the admin and the API: test, pause, resume, reset the circuit breaker."""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

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
        message = get_client(connection=connection).test_connection()
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


def connection_pause(*, connection: Connection) -> Connection:
    """Stop pushes to this connection; pending RMAs wait until it is resumed."""
    connection.status = Connection.Status.PAUSED
    connection.health_message = "Paused by support"
    connection.save(update_fields=["status", "health_message", "updated_at"])
    return connection


def connection_resume(*, connection: Connection) -> Connection:
    """Accept pushes again (also closes an open breaker) and queue what waited."""
    return _activate(connection=connection, message="")


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
