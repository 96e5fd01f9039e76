"""Platform actions after a crash: a due marker, an in-flight marker and a sweep (issue 13, as for RMA pushes).

A queued action (Return.platform_action process_queued / flag_queued) is acted on by one task at a
time under the return's lease (config/leases.py, returns/services/outcomes.py). A worker killed at any
moment leaves three things behind, and each is handled here:

- **its lease**, which expires with the task time limit (a redelivered task waits for it);
- **a task nobody will run** (a countdown retry held in the dead worker's memory, a message that is
  back only after the broker's visibility timeout): `Return.platform_action_due_at` says when a task is
  next due (decision, start of a try, scheduled retry, re-publish), and `platform_actions_sweep_due`,
  run by beat every PLATFORM_ACTION_SWEEP_INTERVAL_SECONDS, re-publishes an action whose marker is
  PLATFORM_ACTION_SWEEP_GRACE_SECONDS old (once per grace period). The grace outlasts the time limit,
  so the holder has finished or died, and its lease is gone, by then;
- **a request that may have landed**: each call is committed as `platform_action_sending` before it is
  sent and cleared once its answer (or error) is known. The lease says nobody else is sending, and the
  ApiCall rows say which calls succeeded (outcomes.py skips them), so a marker still set when the next
  holder comes is a request whose answer nobody saw. The platforms give no idempotency key for these
  calls and our interface has no way to read whether one was applied, so it is not sent again: the
  action is marked failed for support, saying to check the return on the platform. Never twice.
"""

import contextlib
import logging
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from integrations.exceptions import ProviderError, ProviderPermanentError
from integrations.models import Connection
from returns import tasks
from returns.models import Return
from returns.retry_policy import PushOutcome

logger = logging.getLogger(__name__)

QUEUED = (Return.PlatformActionStatus.PROCESS_QUEUED, Return.PlatformActionStatus.FLAG_QUEUED)


class PlatformActionInDoubt(ProviderPermanentError):
    """A request of the action was sent by a holder that died before its answer: it may have landed."""


# -- the in-flight marker ----------------------------------------------------------------------


@contextlib.contextmanager
def platform_call_in_flight(*, return_id: int, operation: str) -> Iterator[None]:
    """Around one platform request (the caller holds the return's lease, outside any transaction).

    Raises PlatformActionInDoubt, without sending, when a dead holder left this very operation in
    flight. The marker stays set if the block ends by anything but an answer or a provider error
    (the process dying, a time limit), which is exactly the case the next holder must see."""
    left = Return.objects.filter(pk=return_id).values_list("platform_action_sending", flat=True).first()
    if left == operation:
        # Decided now: support sees it, and a support re-queue sends it again on purpose.
        Return.objects.filter(pk=return_id).update(platform_action_sending="")
        logger.warning("platform action %s of return %s in doubt after a worker died", operation, return_id)
        raise PlatformActionInDoubt(
            f"a worker stopped while waiting for the platform's answer to {operation.replace('_', ' ')}, so it "
            "may have been applied; it is not sent again (never twice): check the return on the platform"
        )
    Return.objects.filter(pk=return_id).update(platform_action_sending=operation)
    try:
        yield
    except ProviderError:
        Return.objects.filter(pk=return_id).update(platform_action_sending="")
        raise
    Return.objects.filter(pk=return_id).update(platform_action_sending="")


# -- the due marker ----------------------------------------------------------------------------


def _due(return_id: int, at: Any) -> None:
    Return.objects.filter(pk=return_id, platform_action__in=QUEUED).update(platform_action_due_at=at)


def return_platform_act_attempt(*, return_id: int, final_attempt: bool = False, retries: int = 0) -> PushOutcome:
    """One run of the platform-action task, keeping the due marker true: a try is due now (the sweeper
    counts its grace from here), and a retry or a wait for the lease is due when its countdown ends."""
    from returns.services.outcomes import return_platform_act

    _due(return_id, timezone.now())
    outcome = return_platform_act(return_id=return_id, final_attempt=final_attempt, retries=retries)
    if outcome.action in ("retry", "busy"):
        _due(return_id, timezone.now() + timedelta(seconds=max(outcome.countdown, 0.0)))
    return outcome


# -- the sweep ---------------------------------------------------------------------------------


def _publish(return_id: int) -> None:
    try:
        tasks.return_platform_act.delay(return_id)
    except Exception:  # the broker may be down: the next sweep tries again
        logger.exception("could not publish the platform action of return %s", return_id)


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
        _publish(return_id)
    return len(ids)
