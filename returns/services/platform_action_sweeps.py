"""Platform actions after a crash: a due marker, an in-flight marker and a sweep (issue 13, as for RMA pushes).

A queued action (Return.platform_action process_queued / flag_queued) is acted on by one task at a
time under the return's lease (config/leases.py, returns/services/platform_actions.py). A worker killed at any
moment leaves three things behind, and each is handled here:

- **its lease**, which expires with the task time limit (a redelivered task waits for it);
- **a task nobody will run** (a countdown retry held in the dead worker's memory, a message that is
  back only after the broker's visibility timeout): `Return.platform_action_due_at` says when a task is
  next due (decision, start of a try, scheduled retry, re-publish), and `platform_actions_sweep_due`,
  run by beat every PLATFORM_ACTION_SWEEP_INTERVAL_SECONDS, re-publishes an action whose marker is
  PLATFORM_ACTION_SWEEP_GRACE_SECONDS old (once per grace period). The grace outlasts the time limit,
  so the holder has finished or died, and its lease is gone, by then;
- **a request that may have landed**: returns/services/platform_in_flight.py marks each call in flight
  before it is sent; a marker a dead holder left is handed to support, never sent twice.
"""

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from config import metrics
from config.publishing import task_publish
from integrations.models import Connection
from returns.models import Return
from returns.retry_policy import PushOutcome
from returns.services.platform_actions import return_platform_act

logger = logging.getLogger(__name__)

QUEUED = (Return.PlatformActionStatus.PROCESS_QUEUED, Return.PlatformActionStatus.FLAG_QUEUED)


# -- the due marker ----------------------------------------------------------------------------


def _due(return_id: int, at: Any) -> None:
    Return.objects.filter(pk=return_id, platform_action__in=QUEUED).update(platform_action_due_at=at)


def return_platform_act_attempt(*, return_id: int, final_attempt: bool = False, retries: int = 0) -> PushOutcome:
    """One run of the platform-action task, keeping the due marker true: a try is due now (the sweeper
    counts its grace from here), and a retry or a wait for the lease is due when its countdown ends."""
    _due(return_id, timezone.now())
    outcome = return_platform_act(return_id=return_id, final_attempt=final_attempt, retries=retries)
    if outcome.action in ("retry", "busy"):
        _due(return_id, timezone.now() + timedelta(seconds=max(outcome.countdown, 0.0)))
    return outcome


# -- the sweep ---------------------------------------------------------------------------------


def platform_actions_sweep_due(*, now: Any = None) -> int:
    """Re-publish queued platform actions that no task took within PLATFORM_ACTION_SWEEP_GRACE_SECONDS
    of their due marker (or, for actions queued before the marker existed, of their last change).

    Actions of a connection that is not active (paused, credentials rejected, failing) wait for it:
    working credentials re-queue them (outcomes.returns_platform_requeue_for_connection)."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.PLATFORM_ACTION_SWEEP_GRACE_SECONDS)
    ids = list(
        Return.objects.filter(platform_action__in=QUEUED)
        .filter(Q(connection__isnull=True) | Q(connection__status=Connection.Status.ACTIVE))
        .filter(Q(platform_action_due_at__lt=cutoff) | Q(platform_action_due_at__isnull=True, updated_at__lt=cutoff))
        .order_by("updated_at")
        .values_list("pk", flat=True)[:500]
    )
    if ids:
        # Due now: an action still waiting gets one more copy per grace period, not one per sweep.
        Return.objects.filter(pk__in=ids).update(platform_action_due_at=now)
    for return_id in ids:
        task_publish("returns.tasks.return_platform_act", return_id)  # a lost message: the next sweep
    metrics.sweep_republished.labels("platform_actions").inc(len(ids))
    return len(ids)
