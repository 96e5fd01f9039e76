"""System checks for the platform's own services: production fails closed on quick-start stand-ins."""

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core import checks

# Caches that are not shared by every web and worker process on every host.
UNSHARED_CACHES = (
    "django.core.cache.backends.filebased.FileBasedCache",
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
)
# Brokers that hold messages on one machine (or in one process).
QUICK_START_BROKERS = ("filesystem", "memory")


@checks.register("services", deploy=True)
def check_database_is_not_sqlite(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        return [
            checks.Error(
                "The database is SQLite, the quick start's single-file database.",
                hint="Set DATABASE_URL to PostgreSQL (postgres://...).",
                id="config.E001",
            )
        ]
    return []


@checks.register("services", deploy=True)
def check_broker_and_cache_are_shared(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    errors: list[checks.CheckMessage] = []
    scheme = urlsplit(str(settings.CELERY_BROKER_URL)).scheme or str(settings.CELERY_BROKER_URL).split(":")[0]
    if scheme in QUICK_START_BROKERS:
        errors.append(
            checks.Error(
                f"The Celery broker is {scheme}://, which keeps messages on one machine and loses a killed "
                "worker's messages.",
                hint="Set REDIS_URL (or CELERY_BROKER_URL) to Redis.",
                id="config.E002",
            )
        )
    for alias, cache in settings.CACHES.items():
        if cache["BACKEND"] in UNSHARED_CACHES:
            errors.append(
                checks.Error(
                    f"The {alias!r} cache ({cache['BACKEND'].rsplit('.', 1)[-1]}) is not shared between processes "
                    "and hosts.",
                    hint="Set REDIS_URL: the cache is then Redis.",
                    id="config.E003",
                )
            )
    if not settings.REDIS_URL:
        errors.append(
            checks.Error(
                "REDIS_URL is empty: leases fall back to files on one machine and rate limits to process memory.",
                hint="Set REDIS_URL.",
                id="config.E004",
            )
        )
    return errors


@checks.register()
def check_sweep_grace_outlasts_tasks(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    warnings: list[checks.CheckMessage] = []
    sweeps = (("RMA_SWEEP_GRACE_SECONDS", "RMAs"), ("PLATFORM_ACTION_SWEEP_GRACE_SECONDS", "platform actions"))
    for name, what in sweeps:
        grace = getattr(settings, name)
        if grace <= settings.CELERY_TASK_TIME_LIMIT:
            warnings.append(
                checks.Warning(
                    f"{name} ({grace}) is not longer than CELERY_TASK_TIME_LIMIT ({settings.CELERY_TASK_TIME_LIMIT}): "
                    f"the sweeper re-publishes {what} whose task may still be running (their lease makes the copy "
                    "wait, but it is wasted work).",
                    id="config.W001",
                )
            )
    return warnings


# kombu's Redis transport redelivers an unacknowledged message after this many seconds unless the
# broker transport options say otherwise (SQS has its own, shorter default).
KOMBU_DEFAULT_VISIBILITY_TIMEOUT = {"redis": 3600, "rediss": 3600, "sentinel": 3600, "sqs": 30}


@checks.register()
def check_countdowns_stay_below_the_visibility_timeout(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    """Every countdown is at most CELERY_MAX_COUNTDOWN_SECONDS (config/countdowns.py); a delayed retry is
    an unacknowledged message, so a broker that redelivers sooner would run it twice (celery#5935)."""
    scheme = urlsplit(str(settings.CELERY_BROKER_URL)).scheme
    options = settings.CELERY_BROKER_TRANSPORT_OPTIONS or {}
    timeout = options.get("visibility_timeout", KOMBU_DEFAULT_VISIBILITY_TIMEOUT.get(scheme))
    if timeout is None:  # the filesystem and memory transports never redeliver on a timer
        return []
    if timeout <= settings.CELERY_MAX_COUNTDOWN_SECONDS:
        return [
            checks.Error(
                f"CELERY_MAX_COUNTDOWN_SECONDS ({settings.CELERY_MAX_COUNTDOWN_SECONDS}) is not below the broker's "
                f"visibility timeout ({timeout} s): a task retried with the longest countdown would be redelivered "
                "and run twice.",
                hint="Raise visibility_timeout in CELERY_BROKER_TRANSPORT_OPTIONS or lower the cap.",
                id="config.E005",
            )
        ]
    return []


@checks.register(checks.Tags.security, deploy=True)
def check_https_is_visible_to_the_redirect(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    """Behind a proxy that terminates TLS every request reaches Django as http: with SECURE_SSL_REDIRECT
    and no BEHIND_TLS_PROXY each page would redirect to itself for ever (only /health/ is exempt)."""
    if settings.SECURE_SSL_REDIRECT and settings.SECURE_PROXY_SSL_HEADER is None:
        return [
            checks.Warning(
                "SECURE_SSL_REDIRECT is on but BEHIND_TLS_PROXY is off: behind a load balancer or proxy that "
                "terminates TLS, every page would redirect to itself.",
                hint="Set BEHIND_TLS_PROXY=true when a proxy sets X-Forwarded-Proto (and overwrites the client's); "
                "leave it off only when gunicorn itself serves TLS.",
                id="config.W002",
            )
        ]
    return []
