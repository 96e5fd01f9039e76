"""The Celery app. Settings come from Django settings under the CELERY_ namespace."""

import os
from typing import Any

from celery import Celery, signals
from django_structlog.celery.steps import DjangoStructLogInitStep

from config import broker

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.django.local")
# Before any broker connection: `filesystem://` (the quick-start broker) writes messages atomically.
broker.register()

app = Celery("backhaul", task_cls="celery.contrib.django.task:DjangoTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Binds the request id (and other context) sent in task headers for the task's logs.
app.steps["worker"].add(DjangoStructLogInitStep)


@signals.task_prerun.connect
def _db_connections_before_task(**kwargs: Any) -> None:
    """As at the start of a request: drop connections past CONN_MAX_AGE or broken, and have the
    next query check the connection (CONN_HEALTH_CHECKS). See CELERY_DB_REUSE_MAX."""
    from django.db import close_old_connections

    close_old_connections()


@signals.task_postrun.connect
def _db_connections_after_task(state: str | None = None, **kwargs: Any) -> None:
    """Keep the connection after a success (within CONN_MAX_AGE); close it after anything else,
    since a failure or a time limit may have left it mid-query or mid-transaction."""
    from django.db import close_old_connections, connections

    if state == "SUCCESS":
        close_old_connections()
    else:
        connections.close_all()
