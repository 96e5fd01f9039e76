"""Starting background work by the task's name: the one way services publish a Celery task.

Services never import task modules (each tasks module imports its services, so the other way round would
loop); they name the task, and its own options (queue, retries) come with it from Celery's registry.
A broker that is down is never raised to the caller: the failure is logged by its class only (a broker
error can carry the broker URL and its password) and the work stays due for its sweeper, which re-publishes
whatever a lost message left behind.
"""

import functools
import logging
from typing import Any

from celery import Task, current_app
from django.db import transaction

logger = logging.getLogger(__name__)


@functools.cache
def _task(name: str) -> Task:
    """The registered task named `name`. A web process imports no task module by itself (the worker does, at
    start), so the apps' task modules are imported once here, as the worker would: autodiscovery."""
    if name not in current_app.tasks:
        current_app.loader.import_default_modules()
    return current_app.tasks[name]


def task_publish(name: str, *args: Any, **options: Any) -> bool:
    """Publish task `name` ("returns.tasks.rma_push") with `args` now; False when the broker refused it.
    An unknown name is a bug, raised as Celery's NotRegistered."""
    task = _task(name)
    try:
        if options:
            task.apply_async(args=args, **options)
        else:
            task.delay(*args)
    except Exception as exc:  # any broker or connection error: the sweepers publish what is still due
        logger.warning("%s%r not published (%s); its sweeper will retry", name, args, type(exc).__name__)
        return False
    return True


def task_publish_on_commit(name: str, *args: Any, **options: Any) -> None:
    """Publish once the surrounding transaction commits: never a row a worker cannot see yet, never the work of
    a transaction that rolled back."""

    def publish() -> None:
        task_publish(name, *args, **options)

    transaction.on_commit(publish, robust=True)
