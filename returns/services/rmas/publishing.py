"""Publishing the RMA tasks: after the surrounding transaction commits, never a row a worker cannot see."""

import logging
from functools import partial

from django.db import transaction
from django.utils import timezone

from config.publishing import task_publish
from returns.models import RMA

logger = logging.getLogger(__name__)


def rma_task_publish(task_name: str, rma_id: int) -> None:
    """Publish one RMA task now; a broker outage is logged and left to the sweeper."""
    task_publish(f"returns.tasks.{task_name}", rma_id)


def rma_push_enqueue(*, rma_id: int) -> None:
    """Publish the push after the surrounding transaction commits (never a row the worker cannot see)."""
    transaction.on_commit(partial(rma_task_publish, "rma_push", rma_id), robust=True)


# The due marker of each later change (later_changes.py): the RMA sweep re-publishes a change whose
# task was lost, counting its grace from this.
CHANGE_DUE_FIELDS = {"rma_tracking_push": "tracking_due_at", "rma_cancel_push": "cancel_due_at"}


def rma_task_enqueue(task_name: str, rma_id: int) -> None:
    """Publish an RMA task (tracking, cancel) after the surrounding transaction commits, marking the
    change due in that transaction, so it is owed even if the publish or its task is lost."""
    if task_name in CHANGE_DUE_FIELDS:
        RMA.objects.filter(pk=rma_id).update(**{CHANGE_DUE_FIELDS[task_name]: timezone.now()})
    transaction.on_commit(partial(rma_task_publish, task_name, rma_id), robust=True)
