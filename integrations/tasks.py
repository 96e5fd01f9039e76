"""Thin Celery tasks: ids in, one service call each."""

from typing import Any

from celery import Task, shared_task
from django.db import OperationalError

from config.countdowns import task_countdown
from integrations.exceptions import ProviderTransientError

WEBHOOK_MAX_RETRIES = 5


@shared_task(bind=True, max_retries=WEBHOOK_MAX_RETRIES, queue="webhooks")
def webhook_process(self: Task[Any, Any], webhook_id: int) -> str:
    """Process one stored webhook; retries only when it waits on something (a return, a provider)."""
    from integrations.services.webhooks import WebhookRetryLater
    from integrations.services.webhooks import webhook_process as service

    try:
        return service(webhook_id=webhook_id, final_attempt=self.request.retries >= WEBHOOK_MAX_RETRIES)
    except OperationalError as exc:  # a locked database: try again almost at once
        raise self.retry(exc=exc, countdown=1 + self.request.retries) from exc
    except (WebhookRetryLater, ProviderTransientError) as exc:
        retry_after = getattr(exc, "retry_after", None)
        # A provider's Retry-After may ask for days: the one bound keeps it below the broker's
        # visibility timeout, so the delayed retry is not redelivered and run twice.
        countdown = task_countdown(max(retry_after or 0, min(15 * 2**self.request.retries, 600)))
        raise self.retry(exc=exc, countdown=countdown) from exc


@shared_task(bind=True, max_retries=12, queue="webhooks")
def webhook_duplicate_note(self: Task[Any, Any], webhook_id: int) -> str:
    """Note a duplicate delivery on the timeline once its original is processed (a few retries, then dropped)."""
    from integrations.services.webhooks import OriginalNotDoneYet
    from integrations.services.webhooks import webhook_duplicate_note as service

    try:
        return service(webhook_id=webhook_id)
    except (OriginalNotDoneYet, OperationalError) as exc:
        if self.request.retries >= WEBHOOK_MAX_RETRIES * 2:
            return "original still not processed: not noted"
        raise self.retry(exc=exc, countdown=min(2 * 2**self.request.retries, 60)) from exc


@shared_task(bind=True, queue="webhooks")
def webhooks_sweep_pending(self: Task[Any, Any]) -> int:
    """Re-publish webhooks still pending after the grace period (beat, every minute)."""
    from integrations.services.webhooks import webhooks_sweep_pending as service

    return len(service())


@shared_task(queue="sync")
def notification_digest_send(store_id: int, kind: str) -> int:
    """Email one store's pending notifications of one kind, if its last such email is an hour old."""
    from integrations.services.notifications import notification_digest_send as service

    return service(store_id=store_id, kind=kind)


@shared_task(queue="sync")
def notification_digests_send_due() -> int:
    """Send every digest that is due (beat: every 5 minutes, see config/celery.py)."""
    from integrations.services.notifications import notification_digests_send_due as service

    return service()


@shared_task(queue="sync")
def connection_test_run(connection_id: int) -> str:
    """The admin's "Test connection" for several rows: one live call, recorded on the connection's health."""
    from integrations.models import Connection
    from integrations.services.connections import connection_test

    connection = Connection.objects.filter(pk=connection_id).first()
    if connection is None:
        return "gone"
    return "ok" if connection_test(connection=connection).ok else "failed"


@shared_task(queue="sync")
def connection_webhooks_register(connection_id: int) -> str:
    """The admin's "Register webhooks" for several rows; each provider's answer is in the API-call log."""
    from config.exceptions import ApplicationError
    from integrations.services.registration import webhooks_register

    try:
        return webhooks_register(connection_id=connection_id).summary
    except ApplicationError as exc:  # a provider whose webhooks are set up by hand, or a refusal: logged
        return exc.message
