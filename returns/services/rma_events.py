"""One warehouse event applied to one of our RMAs, held under its row lock: status, received / restocked quantities
and condition per unit, the timeline, then the return's outcome (returns/services/outcomes.py) and its aging.

Version-guarded by the WMS's own timestamp (RMA.warehouse_updated_at): an older event never overwrites a newer
state, and an RMA's state never goes back. Safe to run twice. Finding the RMA (our number, the WMS's id, or the
orphan receipt a person linked) is the callers' business: returns/services/warehouse_events.py, orphans/.
"""

from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from integrations.exceptions import ProviderPermanentError
from integrations.inbound import InboundWarehouseReturnEvent, WarehouseLineData
from integrations.models import Connection
from returns.models import RMA, RMALine, TimelineEvent, WarehouseOutcome
from returns.services.aging import return_aging_refresh
from returns.services.outcomes import return_outcome_evaluate
from returns.services.timeline import timeline_add
from returns.warehouse_outcomes import line_received_summary, rma_outcome


@dataclass(frozen=True)
class PreparedWarehouseEvent:
    """A warehouse event completed by its provider (before any transaction), ready to apply."""

    event: InboundWarehouseReturnEvent
    # The provider could not complete it (a refused quantities read): applied without, and said why.
    enrich_error: ProviderPermanentError | None = None


def _apply_line(line: RMALine, data: WarehouseLineData) -> dict[str, Any]:
    """Update one line from the WMS; returns what changed (for the timeline)."""
    changes: dict[str, Any] = {}
    if data.received_quantity is not None and data.received_quantity != line.received_quantity:
        changes["received_quantity"] = data.received_quantity
    if data.restocked_quantity is not None and data.restocked_quantity != line.restocked_quantity:
        changes["restocked_quantity"] = data.restocked_quantity
    details = [dict(d) for d in data.receiving_details]
    if details and details != line.receiving_details:
        changes["receiving_details"] = details
    grades = [g.to_json() for g in data.grades]
    if grades and grades != line.grades:
        changes["grades"] = grades
    for field, value in changes.items():
        setattr(line, field, value)
    if changes:
        line.save(update_fields=[*changes, "updated_at"])
    return changes


# The order an RMA moves through at the warehouse: an event that would move it back is ignored.
_PROGRESS: dict[str, int] = {
    RMA.Status.SUBMITTED: 1,
    RMA.Status.IN_TRANSIT: 2,
    RMA.Status.RECEIVING: 3,
    RMA.Status.RECEIVED: 4,
}


def _goes_back(*, current: str, new: str) -> bool:
    """A received RMA never becomes in transit again, nor a cancelled one anything but received (goods that
    came anyway); received is never cancelled afterwards. Support's own states (needs attention, failed)
    are left by any warehouse news."""
    if new == current:
        return False
    if current == RMA.Status.CANCELLED:
        return new != RMA.Status.RECEIVED
    if current == RMA.Status.RECEIVED and new == RMA.Status.CANCELLED:
        return True
    return current in _PROGRESS and new in _PROGRESS and _PROGRESS[new] < _PROGRESS[current]


def rma_event_apply(
    *,
    connection: Connection,
    rma: RMA,
    event: InboundWarehouseReturnEvent,
    webhook_id: int | None,
    found_by: str = "",
    enrich_error: ProviderPermanentError | None = None,
) -> str:
    """Apply a WMS event to an RMA the caller holds under its row lock (with its return and location);
    returns "" when applied, else why nothing was done. Runs in the caller's transaction."""
    suffix = f" ({found_by})" if found_by else ""
    if enrich_error is not None:
        timeline_add(
            return_obj=rma.return_obj,
            rma=rma,
            kind="rma_quantities_unavailable",
            level=TimelineEvent.Level.WARNING,
            message=f"{connection.display_name} quantities of RMA {rma.number} could not be read: "
            f"{enrich_error.message}",
            api_call_id=enrich_error.api_call_id,
            webhook_id=webhook_id,
        )

    if event.updated_at and rma.warehouse_updated_at and event.updated_at < rma.warehouse_updated_at:
        timeline_add(
            return_obj=rma.return_obj,
            rma=rma,
            kind="stale_warehouse_event_ignored",
            message=f"Older {connection.display_name} update for RMA {rma.number} ignored "
            f"({event.updated_at.isoformat()} is before {rma.warehouse_updated_at.isoformat()})",
            data={"reason": "older", "status": event.warehouse_status},
            webhook_id=webhook_id,
        )
        return f"older than the RMA's state ({event.updated_at.isoformat()})"

    wms = connection.display_name
    if event.status and _goes_back(current=rma.status, new=event.status):
        status_label = dict(RMA.Status.choices)
        timeline_add(
            return_obj=rma.return_obj,
            rma=rma,
            kind="warehouse_state_regression_ignored",
            level=TimelineEvent.Level.WARNING,
            message=f"{wms} update for RMA {rma.number} ignored: it says {status_label[event.status].lower()} "
            f"({event.warehouse_status}), but the RMA is already {rma.get_status_display().lower()}, "
            f"and an RMA's state never goes back{suffix}",
            data={"reason": "state_regression", "from": rma.status, "to": event.status},
            webhook_id=webhook_id,
        )
        return f"state regression ({rma.status} → {event.status}): ignored"
    previous_status = rma.status
    fields: set[str] = set()
    if event.status and event.status != rma.status:
        rma.status = event.status
        fields.add("status")
    if event.warehouse_status and event.warehouse_status != rma.warehouse_status:
        rma.warehouse_status = event.warehouse_status[:60]
        fields.add("warehouse_status")
    if event.updated_at and event.updated_at != rma.warehouse_updated_at:
        rma.warehouse_updated_at = event.updated_at
        fields.add("warehouse_updated_at")

    lines = list(rma.lines.all())
    received_lines = []
    if event.lines is not None:
        by_sku = {line.sku: line for line in lines}
        for data in event.lines:
            line = by_sku.get(data.sku)
            if line is None:
                continue  # an unexpected SKU stays visible in the stored webhook
            changes = _apply_line(line, data)
            if changes.keys() & {"received_quantity", "receiving_details", "grades"}:
                received_lines.append(line)

    if rma.status == RMA.Status.RECEIVED and (previous_status != RMA.Status.RECEIVED or received_lines):
        rma.outcome = rma_outcome(lines=lines)
        rma.received_at = rma.received_at or event.received_at or event.updated_at or timezone.now()
        fields |= {"outcome", "received_at"}
    elif rma.status == RMA.Status.CANCELLED and rma.outcome != WarehouseOutcome.CANCELLED:
        rma.outcome = WarehouseOutcome.CANCELLED
        fields.add("outcome")
    if fields:
        rma.save(update_fields=[*fields, "updated_at"])

    where = rma.location.warehouse_label if rma.location else (event.warehouse_code or wms)
    if received_lines:
        summary = "; ".join(line_received_summary(line) for line in received_lines if line.received_quantity)
        if summary:
            timeline_add(
                return_obj=rma.return_obj,
                rma=rma,
                kind="rma_received",
                level=TimelineEvent.Level.SUCCESS,
                message=f"Received at {where}: {summary}{suffix}",
                data={"outcome": rma.outcome, "warehouse_status": rma.warehouse_status},
                webhook_id=webhook_id,
            )
    if "status" in fields:
        timeline_add(
            return_obj=rma.return_obj,
            rma=rma,
            kind="rma_status_changed",
            message=f"{wms} RMA {rma.number}: {rma.get_status_display().lower()} ({rma.warehouse_status}){suffix}",
            data={"from": previous_status, "to": rma.status},
            webhook_id=webhook_id,
        )
    if "outcome" in fields:
        return_outcome_evaluate(return_id=rma.return_obj_id, webhook_id=webhook_id, found_by=found_by)
    if "status" in fields or "received_at" in fields:
        # A receipt stops the "should have arrived" clock and starts the "not closed" one.
        return_aging_refresh(return_id=rma.return_obj_id)
    return ""
