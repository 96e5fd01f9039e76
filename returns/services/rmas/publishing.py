"""Publishing the RMA tasks: after the surrounding transaction commits, never a row a worker cannot see."""

import logging
from functools import partial

from django.db import transaction

from returns import tasks

logger = logging.getLogger(__name__)


def rma_task_publish(task_name: str, rma_id: int) -> None:
    """Publish one RMA task now; a broker outage is logged and left to the sweeper."""
    try:
        getattr(tasks, task_name).delay(rma_id)
    except Exception:  # the broker may be down: the sweeper re-publishes pending RMAs
        logger.exception("could not publish %s for RMA %s", task_name, rma_id)


def rma_push_enqueue(*, rma_id: int) -> None:
    """Publish the push after the surrounding transaction commits (never a row the worker cannot see)."""
    transaction.on_commit(partial(rma_task_publish, "rma_push", rma_id), robust=True)


def rma_task_enqueue(task_name: str, rma_id: int) -> None:
    """Publish an RMA task (tracking, cancel) after the surrounding transaction commits."""
    transaction.on_commit(partial(rma_task_publish, task_name, rma_id), robust=True)
