"""/health/ and its custom django-health-check checks: the Celery broker (Redis or the filesystem
transport) and migrations.

The contrib Celery `Ping` needs a running worker answering control messages; /health/ of the web
process should say whether *it* can enqueue work, so this checks the broker connection only.
The checks run for staff and for a monitor holding HEALTH_CHECK_TOKEN; anyone else gets a liveness
answer that costs one cache read (HealthView).
"""

import contextlib
import dataclasses
import datetime
import hmac
import os
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, HttpResponse, JsonResponse
from health_check.base import HealthCheck
from health_check.exceptions import ServiceUnavailable
from health_check.views import HealthCheckView


def _filesystem_folders(transport_options: dict[str, Any]) -> list[str]:
    keys = ("data_folder_in", "data_folder_out", "control_folder")
    return [transport_options[key] for key in keys if transport_options.get(key)]


@dataclasses.dataclass
class Broker(HealthCheck):
    """Can this process reach the Celery broker? (Messages never carry the URL: it may hold a password.)"""

    timeout = datetime.timedelta(seconds=3)
    # Another broker than the app's (tests); never shown, since a URL may carry a password.
    url: str | None = dataclasses.field(default=None, repr=False)

    def run(self) -> None:
        from config.celery import app

        try:
            with app.connection_for_write(self.url) as connection:
                # kombu-stubs type timeout as int; kombu compares it with elapsed float seconds.
                connection.ensure_connection(max_retries=1, timeout=self.timeout.total_seconds())  # type: ignore[arg-type]
                connection.default_channel  # noqa: B018 (opening a channel is the probe: Redis pings here)
                transport = connection.transport.driver_type
        except Exception as exc:  # kombu raises library-specific errors per transport
            raise ServiceUnavailable(f"Broker unreachable ({type(exc).__name__})") from exc
        if transport == "filesystem":
            # The filesystem transport "connects" to anything: the folders are the real broker.
            for folder in _filesystem_folders(app.conf.broker_transport_options or {}):
                if not (os.path.isdir(folder) and os.access(folder, os.R_OK | os.W_OK)):
                    raise ServiceUnavailable("A broker folder is missing or not writable")


@dataclasses.dataclass
class PendingMigrations(HealthCheck):
    """Are all migrations applied to the database? (A deploy that skipped `migrate` is unhealthy.)"""

    alias: str = "default"

    def run(self) -> None:
        connection = connections[self.alias]
        try:
            # temporary_connection closes the connection afterwards only if it opened it.
            with connection.temporary_connection():
                executor = MigrationExecutor(connection)
                plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        except DatabaseError as exc:
            raise ServiceUnavailable("Could not read the migration state") from exc
        if plan:
            raise ServiceUnavailable(f"{len(plan)} unapplied migration(s)")


# The last full check's outcome, for callers who may not run one (see HealthView).
LAST_STATUS_KEY = "health:last-status"
TOKEN_HEADER = "X-Health-Check-Token"


class HealthView(HealthCheckView):
    """/health/: every check, run now, for staff and for a monitor sending settings.HEALTH_CHECK_TOKEN in
    the X-Health-Check-Token header; for anyone else a liveness answer that costs one cache read.

    A stranger (or a load balancer) polling /health/ never touches the database, the broker or the
    migration graph: it is told "ok" while this process answers, or "unavailable" (500) while the
    last full check, at most HEALTH_CHECK_CACHE_SECONDS old, failed. Which check failed and why is
    only for staff and the monitor: the names and messages describe our infrastructure."""

    async def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        sent = request.headers.get(TOKEN_HEADER)
        if sent is not None and not _token_matches(sent):
            return JsonResponse({"status": "forbidden", "reason": f"wrong {TOKEN_HEADER}"}, status=403)
        if sent is None and not await _is_staff(request):
            return await _liveness()
        response = await super().get(request, *args, **kwargs)
        failed = any(result.error for result in self.results)
        with contextlib.suppress(Exception):  # a cache that is down is one of the checks: already reported
            await cache.aset(LAST_STATUS_KEY, "unavailable" if failed else "ok", settings.HEALTH_CHECK_CACHE_SECONDS)
        return response


def _token_matches(sent: str) -> bool:
    expected = settings.HEALTH_CHECK_TOKEN
    return bool(expected) and hmac.compare_digest(sent.encode(), expected.encode())


async def _is_staff(request: HttpRequest) -> bool:
    # Without a session cookie this reads nothing: AnonymousUser.
    user = await request.auser()
    return bool(user.is_active and user.is_staff)


async def _liveness() -> JsonResponse:
    try:
        failed = await cache.aget(LAST_STATUS_KEY) == "unavailable"
    except Exception:  # noqa: BLE001 - the cache being down is for the full check to say; this process is alive
        failed = False
    return JsonResponse({"status": "unavailable" if failed else "ok"}, status=500 if failed else 200)
