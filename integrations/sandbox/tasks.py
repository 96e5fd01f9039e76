"""Sandbox background work: receiving after a delay, delivering webhooks to the store."""

from typing import Any

from celery import Task, shared_task


@shared_task(bind=True, max_retries=5, queue="sync")
def sandbox_webhook_deliver(self: Task[Any, Any], delivery_id: int) -> None:
    """Send one sandbox webhook; retried like a real provider retries a failed delivery."""
    import requests

    from integrations.sandbox.services import sandbox_webhook_deliver as deliver

    try:
        delivery = deliver(delivery_id=delivery_id)
    except requests.RequestException as exc:
        raise self.retry(exc=exc, countdown=2**self.request.retries) from exc
    if delivery.status_code is not None and delivery.status_code >= 500:
        raise self.retry(countdown=2**self.request.retries)


@shared_task(queue="sync")
def sandbox_auto_receive(sandbox_return_id: int) -> None:
    """Receive a sandbox RMA the way its account is configured to."""
    from integrations.sandbox.models import SandboxReturn
    from integrations.sandbox.services import sandbox_receive

    sandbox_return = SandboxReturn.objects.select_related("account").get(pk=sandbox_return_id)
    if sandbox_return.status in ("open", "new") and sandbox_return.account.auto_receive_mode:
        sandbox_receive(sandbox_return=sandbox_return, mode=sandbox_return.account.auto_receive_mode)


# The story waits on the pipeline step by step, longer than the default time limits allow.
@shared_task(queue="sync", soft_time_limit=240, time_limit=300)
def sandbox_demo_play() -> None:
    """Play the demo story from the landing page (manage.py demo does the same in the foreground)."""
    from integrations.sandbox.demo import demo_play

    demo_play()
