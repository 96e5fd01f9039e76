"""What support does to a return from its case page or the API, each step written on the timeline.

Every service here names who asked (`by`: a username) and, where support corrects data, why.
State the other services own (an RMA's status, a return's platform action) changes only here
or there, never in an admin form.
"""

from django.db import transaction

from config.exceptions import ApplicationError
from config.publishing import task_publish_on_commit
from returns.models import RMA, Return, TimelineEvent
from returns.services.aging import return_aging_refresh
from returns.services.outcomes import return_outcome_evaluate, return_platform_act_enqueue
from returns.services.planning import rmas_plan
from returns.services.timeline import timeline_add
from returns.warehouse_outcomes import RESOLVED_RMA_STATUSES

State = Return.PlatformActionStatus
QUEUED = (State.PROCESS_QUEUED, State.FLAG_QUEUED)
# Statuses support may set by hand; "pending" is reached through "Retry push", which also resets attempts.
CORRECTABLE_RMA_STATUSES = tuple(s for s in RMA.Status if s != RMA.Status.PENDING)


def _who(by: str) -> str:
    return by or "support"


def return_platform_action_retry(*, return_id: int, by: str = "") -> Return:
    """Queue a failed platform action (process or flag) again; a second call while queued does nothing.

    The calls that already succeeded (say the flag, before the note failed) are not made twice:
    platform_actions.return_platform_act skips an operation with a successful ApiCall for the return.
    """
    with transaction.atomic():
        return_obj = Return.objects.select_for_update().get(pk=return_id)
        if return_obj.platform_action in QUEUED:
            return return_obj  # already queued (a double click, two people): nothing more to do
        if return_obj.platform_action != State.FAILED:
            raise ApplicationError(
                f"The platform action is {return_obj.get_platform_action_display().lower()}; "
                "only a failed one can be retried"
            )
        last = (
            return_obj.timeline.filter(kind__in=("platform_action_failed", "platform_action_queued"))
            .order_by("-created_at", "-id")
            .values_list("data", flat=True)
            .first()
        ) or {}
        process = last.get("action", "process") == "process"
        return_obj.platform_action = State.PROCESS_QUEUED if process else State.FLAG_QUEUED
        return_obj.save(update_fields=["platform_action", "updated_at"])
        verb = "Processing" if process else "Flagging"
        timeline_add(
            return_obj=return_obj,
            kind="platform_action_retry",
            message=f"{verb} the return on the platform queued again by {_who(by)}",
            data={"by": by, "action": "process" if process else "flag"},
        )
        return_platform_act_enqueue(return_id=return_obj.pk)
    return return_obj


def rma_status_correct(*, rma_id: int, status: str, reason: str, by: str) -> RMA:
    """Support's correction of an RMA's status (the warehouse said so by phone, a test RMA...), with why.

    Nothing is sent to the warehouse. When every RMA is then resolved, the return's platform
    action is decided as if the warehouse had reported it.
    """
    reason = reason.strip()
    if not reason:
        raise ApplicationError("Say why the status is corrected: the reason is kept on the timeline")
    if status not in CORRECTABLE_RMA_STATUSES:
        raise ApplicationError(f"{status!r} cannot be set by hand; use Retry push to queue an RMA again")
    with transaction.atomic():
        rma = RMA.objects.select_for_update().select_related("return_obj").get(pk=rma_id)
        before = rma.status
        if before == status:
            raise ApplicationError(f"RMA {rma.number} is already {rma.get_status_display().lower()}")
        rma.status = status
        rma.next_attempt_at = None
        rma.save(update_fields=["status", "next_attempt_at", "updated_at"])
        timeline_add(
            return_obj=rma.return_obj,
            rma=rma,
            kind="rma_status_corrected",
            level=TimelineEvent.Level.WARNING,
            message=f"RMA {rma.number}: status set from {RMA.Status(before).label.lower()} to "
            f"{rma.get_status_display().lower()} by {_who(by)}: {reason}",
            data={"from": before, "to": status, "by": by, "reason": reason},
        )
        return_aging_refresh(return_id=rma.return_obj_id)
    if status in RESOLVED_RMA_STATUSES:
        return_outcome_evaluate(return_id=rma.return_obj_id, found_by=f"after a correction by {_who(by)}")
    rma.refresh_from_db()
    return rma


def return_rmas_replan(*, return_id: int, by: str = "") -> list[RMA]:
    """Plan the RMAs the return still needs (after a shipping location or SKU mapping was fixed).

    Idempotent like every planning: lines already on a live RMA are skipped. The order lookup it
    may need is made before the planning transaction (planning.rmas_plan).
    """
    return_obj = Return.objects.select_related("store").get(pk=return_id)
    created = rmas_plan(return_obj=return_obj)
    numbers = ", ".join(rma.number for rma in created)
    timeline_add(
        return_obj=return_obj,
        kind="rmas_replanned",
        message=f"RMAs planned again by {_who(by)}: "
        + (f"new RMA {numbers}" if created else "every line already has an RMA"),
        data={"by": by, "created": [rma.pk for rma in created]},
    )
    return created


def return_resync(*, return_id: int, by: str = "") -> int:
    """Queue a reconciliation of the return's platform connection: the platform's changes since the
    connection's cursor are applied like webhooks (this return included when it changed)."""
    return_obj = Return.objects.select_related("connection").get(pk=return_id)
    connection = return_obj.connection
    if connection is None:
        raise ApplicationError("The return has no platform connection to resync from")
    timeline_add(
        return_obj=return_obj,
        kind="resync_requested",
        message=f"Resync from {connection.display_name} requested by {_who(by)}",
        data={"by": by, "connection_id": connection.pk},
    )
    task_publish_on_commit("returns.tasks.connection_reconcile", connection.pk)
    return connection.pk
