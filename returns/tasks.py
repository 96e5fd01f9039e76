"""RMA tasks: thin wrappers that take ids and call one service each (queue "rmas")."""

from celery import shared_task
from django.conf import settings


def _final(task) -> bool:  # type: ignore[no-untyped-def]
    return task.request.retries >= settings.RMA_PUSH_MAX_RETRIES


@shared_task(bind=True, acks_late=True, max_retries=None)
def rma_push(self, rma_id: int) -> str:  # type: ignore[no-untyped-def]
    """Push one RMA to its WMS; retries only transient failures, with the service's countdown."""
    from returns.services.rmas import rma_push as service

    outcome = service(rma_id=rma_id, final_attempt=_final(self), retries=self.request.retries)
    if outcome.retry:
        raise self.retry(countdown=outcome.countdown)
    return outcome.detail


@shared_task(bind=True, acks_late=True, max_retries=None)
def rma_tracking_push(self, rma_id: int) -> str:  # type: ignore[no-untyped-def]
    """Send a submitted RMA's new tracking numbers to the WMS."""
    from returns.services.rmas import rma_tracking_push as service

    outcome = service(rma_id=rma_id, final_attempt=_final(self), retries=self.request.retries)
    if outcome.retry:
        raise self.retry(countdown=outcome.countdown)
    return outcome.detail


@shared_task(bind=True, acks_late=True, max_retries=None)
def rma_cancel_push(self, rma_id: int) -> str:  # type: ignore[no-untyped-def]
    """Cancel an RMA at its WMS."""
    from returns.services.rmas import rma_cancel_push as service

    outcome = service(rma_id=rma_id, final_attempt=_final(self), retries=self.request.retries)
    if outcome.retry:
        raise self.retry(countdown=outcome.countdown)
    return outcome.detail


@shared_task
def rmas_sweep_pending() -> int:
    """Re-publish pending RMAs never pushed (beat: every minute, see config/celery.py)."""
    from returns.services.rmas import rmas_sweep_pending as service

    return service()
