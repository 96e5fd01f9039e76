"""Warehouse outcome → the returns platform (product.md flow 7).

Once every RMA of a return is resolved (received or cancelled), the return's outcome is the
worst of its RMAs' outcomes; the store's StatusMapping turns it into an action (process, flag
with a note, ignore). In manual mode a worker then acts on Loop or Redo; in automatic mode the
outcome is only recorded.

Exactly once per return:
- the decision is taken under the Return's row lock and written to Return.platform_action in
  the same transaction as the warehouse event ("process_queued" / "flag_queued"), so a
  redelivered or reconciled event finds it decided and does nothing;
- a per-return lease (config/leases.py) lets one worker at a time call the platform;
- each call is an ApiCall row committed on its own before the result is written, so a rerun
  after a crash skips the calls that already succeeded (flag, then note);
- a call whose answer a dead worker never saw is not sent again, and a lost task is re-published
  (returns/services/platform_action_sweeps.py).

Return.platform_action (Return.PlatformActionStatus) holds: "" (undecided), process_queued /
flag_queued (a worker will act), process / flag / ignore (done), recorded (automatic mode),
failed (needs support).
"""

import logging
from datetime import timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from config.publishing import task_publish
from integrations.models import Connection, Store
from integrations.registry import get_declaration, get_returns_platform_client
from returns.models import RMA, PlatformAction, Return, TimelineEvent, WarehouseOutcome
from returns.services.grades import return_grades_record
from returns.services.platform_actions import (
    platform_action_decide,
    return_item_plan,
    return_platform_connection,
    return_platform_label,
)
from returns.services.status_mappings import status_mapping_resolve
from returns.services.timeline import timeline_add
from returns.warehouse_outcomes import (
    RESOLVED_RMA_STATUSES,
    platform_note,
    received_summary,
    return_outcome,
)

logger = logging.getLogger(__name__)

Level = TimelineEvent.Level

State = Return.PlatformActionStatus
QUEUED = (State.PROCESS_QUEUED, State.FLAG_QUEUED)


# -- evaluating a return's outcome ------------------------------------------------------------


def return_outcome_evaluate(*, return_id: int, webhook_id: int | None = None, found_by: str = "") -> str:
    """Decide what the platform should be told about a return once all its RMAs are resolved.

    Runs in the caller's transaction (the warehouse event's); the platform call itself is
    queued after commit. Returns a short word for logs and tests.
    """
    suffix = f" ({found_by})" if found_by else ""
    with transaction.atomic():
        return_obj = (
            Return.objects.select_for_update(of=("self",)).select_related("store", "connection").get(pk=return_id)
        )
        if return_obj.platform_action:
            return f"already {return_obj.platform_action}"
        rmas = list(
            return_obj.rmas.select_related("location", "warehouse_connection")
            .prefetch_related("lines")
            .order_by("number")
        )
        outcome = return_outcome(rmas=rmas)
        if outcome is None:
            waiting = [r.number for r in rmas if r.status not in RESOLVED_RMA_STATUSES]
            if waiting and len(waiting) < len(rmas):
                timeline_add(
                    return_obj=return_obj,
                    kind="platform_action_waiting",
                    message=f"Waiting for RMA {', '.join(waiting)} before telling "
                    f"{return_platform_label(return_obj)}{suffix}",
                    data={"waiting_for": waiting},
                    webhook_id=webhook_id,
                )
            return "waiting"
        connection = return_platform_connection(return_obj)
        client = get_returns_platform_client(connection=connection) if connection else None
        platform = return_platform_label(return_obj, client)
        mapping = status_mapping_resolve(store_id=return_obj.store_id, outcome=outcome)
        summary = received_summary(rmas=rmas)
        # What the warehouses found per unit, on the lines once (sent before the action, when one is queued).
        return_grades_record(return_obj=return_obj, rmas=rmas)
        data: dict[str, Any] = {"outcome": outcome, "action": mapping.action, "summary": summary}
        if return_obj.store.processing_mode == Store.ProcessingMode.AUTOMATIC:
            platform_action_decide(return_obj, State.RECORDED)
            timeline_add(
                return_obj=return_obj,
                kind="platform_outcome_recorded",
                message=f"Automatic mode: {platform} processes on its own; warehouse outcome recorded "
                f"({WarehouseOutcome(outcome).label.lower()}){suffix}",
                data=data,
                webhook_id=webhook_id,
            )
            return State.RECORDED
        if mapping.action == PlatformAction.IGNORE:
            platform_action_decide(return_obj, State.IGNORED)
            timeline_add(
                return_obj=return_obj,
                kind="platform_action_ignored",
                message=f"Warehouse outcome {outcome.replace('_', ' ')}: nothing sent to {platform} "
                f"(status mapping: ignore){suffix}",
                data=data,
                webhook_id=webhook_id,
            )
            return State.IGNORED
        plan = None
        if connection is not None and get_declaration(connection.provider).supports_per_item_processing:
            plan = return_item_plan(return_obj=return_obj, rmas=rmas)
        if plan is not None:
            # Some items arrived as they should and others did not: each gets its own outcome's mapping,
            # instead of the whole return being flagged for what a few items did.
            state = State.PROCESS_QUEUED
            data["items"] = plan["items"]
            data["items_summary"] = plan["summary"]
            if plan["review"]:
                data["note"] = plan["note"]
            verb = f"process item by item ({plan['summary']})"
        else:
            state = State.PROCESS_QUEUED if mapping.action == PlatformAction.PROCESS else State.FLAG_QUEUED
            if state == State.FLAG_QUEUED:
                data["note"] = platform_note(note_template=mapping.note_template, outcome=outcome, summary=summary)
            verb = "process" if state == State.PROCESS_QUEUED else "flag with a note"
        platform_action_decide(return_obj, state)
        timeline_add(
            return_obj=return_obj,
            kind="platform_action_queued",
            message=f"Warehouse outcome {outcome.replace('_', ' ')} → {verb} in {platform}{suffix}",
            data=data,
            webhook_id=webhook_id,
        )
        return_platform_act_enqueue(return_id=return_obj.pk)
        return state


# -- publishing -------------------------------------------------------------------------------


def _publish(return_id: int) -> None:
    # A broker that is down: the platform-action sweep re-publishes queued actions.
    task_publish("returns.tasks.return_platform_act", return_id)


def return_platform_act_enqueue(*, return_id: int) -> None:
    """Publish the platform action after the surrounding transaction commits."""
    transaction.on_commit(partial(_publish, return_id), robust=True)


# -- catching up ------------------------------------------------------------------------------


def returns_platform_catch_up(*, store_id: int, found_by: str = "found by reconciliation") -> dict[str, int]:
    """Re-publish queued actions whose task was lost, and decide returns whose RMAs all resolved unnoticed."""
    grace = timezone.now() - timedelta(seconds=settings.RMA_SWEEP_GRACE_SECONDS)
    queued = list(
        Return.objects.filter(store_id=store_id, platform_action__in=QUEUED, updated_at__lt=grace).values_list(
            "pk", flat=True
        )[:200]
    )
    for return_id in queued:
        _publish(return_id)
    undecided = list(
        Return.objects.filter(store_id=store_id, platform_action=State.UNDECIDED, rmas__isnull=False)
        .exclude(rmas__status__in=[s for s in RMA.Status.values if s not in RESOLVED_RMA_STATUSES])
        .distinct()
        .values_list("pk", flat=True)[:200]
    )
    decided = 0
    for return_id in undecided:
        if return_outcome_evaluate(return_id=return_id, found_by=found_by) not in ("waiting",):
            decided += 1
    return {"republished": len(queued), "decided": decided}


def returns_platform_requeue_for_connection(*, connection_id: int) -> int:
    """After the platform accepts the credentials again: publish the actions that waited for them."""
    connection = Connection.objects.get(pk=connection_id)
    ids = list(
        Return.objects.filter(platform_action__in=QUEUED)
        .filter(
            Q(connection_id=connection_id)
            | Q(connection__isnull=True, store_id=connection.store_id, platform=connection.provider)
        )
        .values_list("pk", flat=True)[:1000]
    )
    for return_id in ids:
        return_platform_act_enqueue(return_id=return_id)
    return len(ids)
