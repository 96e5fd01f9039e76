"""Re-publishing RMA pushes whose task was lost, and the pushes that waited for a connection."""

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from integrations.models import Connection
from returns.models import RMA
from returns.services.rmas.publishing import rma_push_enqueue, rma_task_publish


def _sweep_grace() -> timedelta:
    return timedelta(seconds=int(getattr(settings, "RMA_SWEEP_GRACE_SECONDS", 120)))


def rmas_sweep_pending(*, now: Any = None) -> int:
    """Re-publish pending RMAs that were never tried (lost publish) or whose retry was lost."""
    now = now or timezone.now()
    grace = _sweep_grace()
    lost_retry = timedelta(seconds=settings.CELERY_MAX_COUNTDOWN_SECONDS) + grace
    ids = list(
        RMA.objects.filter(status=RMA.Status.PENDING, warehouse_connection__status=Connection.Status.ACTIVE)
        .filter(updated_at__lt=now - grace)
        .exclude(attempts__gt=0, updated_at__gte=now - lost_retry)
        .values_list("pk", flat=True)[:500]
    )
    for rma_id in ids:
        rma_task_publish("rma_push", rma_id)
    return len(ids)


def rmas_requeue_for_connection(*, connection_id: int) -> int:
    """After a resume or breaker reset: publish every pending RMA of the connection."""
    ids = list(
        RMA.objects.filter(status=RMA.Status.PENDING, warehouse_connection_id=connection_id).values_list(
            "pk", flat=True
        )
    )
    for rma_id in ids:
        rma_push_enqueue(rma_id=rma_id)
    return len(ids)
