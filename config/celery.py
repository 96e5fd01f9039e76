"""The Celery app. Settings come from Django settings under the CELERY_ namespace."""

import os

from celery import Celery
from celery.schedules import crontab
from django_structlog.celery.steps import DjangoStructLogInitStep

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.django.local")

app = Celery("backhaul", task_cls="celery.contrib.django.task:DjangoTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Binds the request id (and other context) sent in task headers for the task's logs.
app.steps["worker"].add(DjangoStructLogInitStep)

app.conf.beat_schedule = {
    # Re-publish webhooks still pending after the grace period (broker outage, crash between
    # commit and publish). Every minute: https://crontab.guru/#*_*_*_*_*
    "webhooks-sweep-pending": {
        "task": "integrations.tasks.webhooks_sweep_pending",
        "schedule": crontab(minute="*"),
    },
    # Same for RMAs written but never pushed. Every minute: https://crontab.guru/#*_*_*_*_*
    "rmas-sweep-pending": {
        "task": "returns.tasks.rmas_sweep_pending",
        "schedule": crontab(minute="*"),
    },
    # Reconciliation: poll each active connection for returns updated since its cursor (what
    # webhooks missed, TrackStar's hourly sync). Every 15 minutes: https://crontab.guru/#*/15_*_*_*_*
    "connections-reconcile": {
        "task": "returns.tasks.connections_reconcile",
        "schedule": crontab(minute="*/15"),
    },
    # Drop finished webhooks and successful API calls past RETENTION_DAYS. Daily at 03:17 UTC:
    # https://crontab.guru/#17_3_*_*_*
    "retention-purge": {
        "task": "config.tasks.retention_purge",
        "schedule": crontab(hour="3", minute="17"),
    },
}
