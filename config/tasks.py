"""Small infrastructure tasks."""

from typing import Any

from celery import Task, shared_task
from django.core.cache import cache


@shared_task(bind=True, max_retries=5)
def heartbeat_with_retry(self: Task[Any, Any], key: str, fail_times: int) -> None:
    """Retries with a countdown until it has failed `fail_times` times, then records success.

    Used by tests and `manage.py celery_selftest` to prove a real worker, the broker's
    countdown handling and retries all work end to end.
    """
    attempts = cache.get(f"{key}:attempts", 0) + 1
    cache.set(f"{key}:attempts", attempts, 600)
    if attempts <= fail_times:
        raise self.retry(countdown=1)
    cache.set(f"{key}:done", attempts, 600)


@shared_task(bind=True)
def retention_purge(self: Task[Any, Any]) -> dict[str, int]:
    """Delete finished webhooks and successful API calls older than settings.RETENTION_DAYS (refused
    requests and their counts after settings.WEBHOOK_REFUSED_RETENTION_DAYS)."""
    import structlog

    from config.retention import retention_purge as purge

    result = purge()
    counts = {"webhooks": result.webhooks, "api_calls": result.api_calls, "refused_counts": result.refused_counts}
    structlog.get_logger(__name__).info("retention_purged", **counts)
    return counts
