"""Celery: at-least-once delivery, JSON only, three queues.

https://docs.celeryq.dev/en/stable/userguide/configuration.html
"""

from datetime import timedelta
from typing import Any

from celery.schedules import crontab
from kombu import Exchange, Queue

from config.env import VAR_DIR, env

_redis_url = env("REDIS_URL", default="")

# The longest countdown any task asks for (retry backoff cap, rate-limit waits).
CELERY_MAX_COUNTDOWN_SECONDS = 60 * 30

if _redis_url:
    CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=_redis_url)
    # A task not acked within the visibility timeout is redelivered, so it must outlast the
    # longest countdown or a delayed retry would run twice (celery#5935).
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, Any] = {"visibility_timeout": CELERY_MAX_COUNTDOWN_SECONDS + 60 * 30}
else:
    # Quick start without Redis: kombu's filesystem transport. In and out must be the same
    # folder or messages pile up unread (celery#3564); kombu does not create the folders.
    _queue_dir = VAR_DIR / "celery" / "queue"
    _control_dir = VAR_DIR / "celery" / "control"
    for _folder in (_queue_dir, _control_dir):
        _folder.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="filesystem://")
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "control_folder": str(_control_dir),
        "store_processed": False,
        "polling_interval": 0.2,
    }

CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=60)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=90)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_DEFAULT_QUEUE = "webhooks"
# Each queue on its own exchange and key. Without them Celery binds all three queues to the
# "webhooks" exchange under one key; kombu still delivers by queue name, but nothing should
# depend on that.
CELERY_TASK_QUEUES = tuple(
    Queue(name, Exchange(name, type="direct"), routing_key=name) for name in ("webhooks", "rmas", "sync")
)
CELERY_TASK_DEFAULT_EXCHANGE = "webhooks"
CELERY_TASK_DEFAULT_ROUTING_KEY = "webhooks"
CELERY_TASK_ROUTES = {
    "integrations.tasks.*": {"queue": "webhooks"},
    "returns.tasks.*": {"queue": "rmas"},
    "warehouses.tasks.*": {"queue": "sync"},
    "config.tasks.*": {"queue": "sync"},
}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = "UTC"
# Publishing a message to a broker that is down must not hang the web request for long:
# the outbox sweeper re-publishes anything that was not sent.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY = False
# Celery's own defaults, written out: every publish reads these five, and a key missing from Django's
# settings is looked up through them and Celery's defaults after a miss each time (about a fifth of a
# publish's CPU, bench/results). Set here, each is one attribute read.
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_SEND_SENT_EVENT = False
CELERY_TASK_REPR_MAXLEVELS = 3
CELERY_TASK_PROTOCOL = 2
CELERY_BROKER_POOL_ACQUIRE_TIMEOUT = None
# Database connections in workers: Celery's Django fix-up closes them before and after every task
# (celery#9824), so each task paid a new PostgreSQL connection, a forked backend with cold
# caches. A large reuse count turns that off; config/celery.py instead gives tasks Django's
# request rules (CONN_MAX_AGE, CONN_HEALTH_CHECKS) and closes the connection after any task that
# did not succeed (a time limit can interrupt a query and leave the connection unusable).
CELERY_DB_REUSE_MAX = 1_000_000

# Periodic work, loaded by django-celery-beat into its tables (support can pause an entry in the
# admin). Each sweep's interval and grace is a setting: after a crash, a sweep picks work up
# within its grace plus its interval (docs/architecture.md, "Crash recovery").
WEBHOOK_SWEEP_INTERVAL_SECONDS = env.int("WEBHOOK_SWEEP_INTERVAL_SECONDS", default=60)
RMA_SWEEP_INTERVAL_SECONDS = env.int("RMA_SWEEP_INTERVAL_SECONDS", default=60)
PLATFORM_ACTION_SWEEP_INTERVAL_SECONDS = env.int("PLATFORM_ACTION_SWEEP_INTERVAL_SECONDS", default=60)
RECONCILE_INTERVAL_MINUTES = env.int("RECONCILE_INTERVAL_MINUTES", default=15)
CELERY_BEAT_SCHEDULE = {
    # Re-publish webhooks still pending after WEBHOOK_SWEEP_GRACE_SECONDS (broker outage, crash
    # between commit and publish, a worker killed while processing).
    "webhooks-sweep-pending": {
        "task": "integrations.tasks.webhooks_sweep_pending",
        "schedule": timedelta(seconds=WEBHOOK_SWEEP_INTERVAL_SECONDS),
    },
    # The same for RMAs, and for tracking updates and cancels owed to the WMS.
    "rmas-sweep-pending": {
        "task": "returns.tasks.rmas_sweep_pending",
        "schedule": timedelta(seconds=RMA_SWEEP_INTERVAL_SECONDS),
    },
    # The same for platform actions (process / flag a return on Loop or Redo) queued past
    # PLATFORM_ACTION_SWEEP_GRACE_SECONDS with no task acting on them.
    "platform-actions-sweep-due": {
        "task": "returns.tasks.platform_actions_sweep_due",
        "schedule": timedelta(seconds=PLATFORM_ACTION_SWEEP_INTERVAL_SECONDS),
    },
    # Let one trial push through each open circuit breaker whose cooldown has passed.
    "breakers-trial": {
        "task": "returns.tasks.breakers_trial_publish",
        "schedule": timedelta(seconds=RMA_SWEEP_INTERVAL_SECONDS),
    },
    # Reconciliation: poll each active connection for returns updated since its cursor (what
    # webhooks missed, TrackStar's hourly sync).
    "connections-reconcile": {
        "task": "returns.tasks.connections_reconcile",
        "schedule": timedelta(minutes=RECONCILE_INTERVAL_MINUTES),
    },
    # Email the store members what needs them, at most one email per store and kind an hour.
    # Every 5 minutes: https://crontab.guru/#*/5_*_*_*_*
    "notification-digests-send-due": {
        "task": "integrations.tasks.notification_digests_send_due",
        "schedule": crontab(minute="*/5"),
        "options": {"queue": "sync"},
    },
    # Tell each store which of its returns became overdue (aging, product.md flow 13), in its next digest.
    # Hourly, at 7 past: https://crontab.guru/#7_*_*_*_*
    "returns-overdue-notify": {
        "task": "returns.tasks.returns_overdue_notify",
        "schedule": crontab(minute="7"),
        "options": {"queue": "sync"},
    },
    # Drop finished webhooks and successful API calls past RETENTION_DAYS. Daily at 03:17 UTC:
    # https://crontab.guru/#17_3_*_*_*
    "retention-purge": {
        "task": "config.tasks.retention_purge",
        "schedule": crontab(hour="3", minute="17"),
    },
}
