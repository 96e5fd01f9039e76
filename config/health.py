"""/health/ and its custom django-health-check checks: the Celery broker (Redis or the filesystem
transport) and migrations.

The contrib Celery `Ping` needs a running worker answering control messages; /health/ of the web
process should say whether *it* can enqueue work, so this checks the broker connection only.
Which check failed and why is for staff: anyone else gets the status code and one word.
"""

import dataclasses
import datetime
import os
from typing import Any

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


class HealthView(HealthCheckView):
    """/health/: every check's result for staff; for anyone else only 200 or 500 and {"status": ...}."""

    async def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = await super().get(request, *args, **kwargs)
        user = await request.auser()
        if user.is_active and user.is_staff:
            return response
        # The checks' names and messages describe our infrastructure: not for load balancers or strangers.
        failed = any(result.error for result in self.results)
        return JsonResponse({"status": "unavailable" if failed else "ok"}, status=500 if failed else 200)
