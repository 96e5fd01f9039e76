"""Re-publishing RMA pushes, tracking updates and cancels whose task was lost, and the pushes that waited
for a connection."""

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from config import metrics
from integrations.models import Connection
from returns.models import RMA
from returns.services.rmas.publishing import CHANGE_DUE_FIELDS, rma_push_enqueue, rma_task_publish


def _sweep_grace() -> timedelta:
    return timedelta(seconds=settings.RMA_SWEEP_GRACE_SECONDS)


def rmas_sweep_pending(*, now: Any = None) -> int:
    """Re-publish pending RMAs no task took within the grace period.

    Within the grace period a task is expected: the first one after planning, the one running
    (its lease ends with the task time limit, shorter than the grace), or a scheduled retry
    (next_attempt_at). Past it the task is taken to be lost: a publish that failed, a worker
    killed mid-push or holding a countdown retry in memory, a message lost with the broker."""
    now = now or timezone.now()
    cutoff = now - _sweep_grace()
    ids = list(
        RMA.objects.filter(
            status=RMA.Status.PENDING, warehouse_connection__status=Connection.Status.ACTIVE, updated_at__lt=cutoff
        )
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lt=cutoff))
        .order_by("created_at")
        .values_list("pk", flat=True)[:500]
    )
    if ids:
        # The re-published task is due now: a long queue gets one more copy per grace period, not per sweep.
        RMA.objects.filter(pk__in=ids).update(next_attempt_at=now)
    for rma_id in ids:
        rma_task_publish("rma_push", rma_id)
    metrics.sweep_republished.labels("rmas").inc(len(ids))
    return len(ids)


def rma_changes_sweep_due(*, now: Any = None) -> int:
    """Re-publish tracking updates and cancels owed to the WMS whose due marker is older than the grace.

    The marker is set when the change is queued, when a try starts and to the end of a scheduled retry,
    and cleared when nothing more is owed (later_changes.py); past the grace its task is taken to be
    lost, as for pushes. A connection that is not active waits: its changes are swept once it is."""
    now = now or timezone.now()
    cutoff = now - _sweep_grace()
    count = 0
    for task_name, field in CHANGE_DUE_FIELDS.items():
        ids = list(
            RMA.objects.filter(
                **{f"{field}__lt": cutoff}, warehouse_connection__status=Connection.Status.ACTIVE
            ).values_list("pk", flat=True)[:500]
        )
        if ids:
            RMA.objects.filter(pk__in=ids).update(**{field: now})  # one copy per grace period
        for rma_id in ids:
            rma_task_publish(task_name, rma_id)
        count += len(ids)
    return count


def rmas_requeue_for_connection(*, connection_id: int) -> int:
    """After a resume or breaker reset: publish every pending RMA of the connection."""
    ids = list(
        RMA.objects.filter(status=RMA.Status.PENDING, warehouse_connection_id=connection_id).values_list(
            "pk", flat=True
        )
    )
    for rma_id in ids:
        rma_push_enqueue(rma_id=rma_id)
    metrics.sweep_republished.labels("later_changes").inc(len(ids))
    return len(ids)
