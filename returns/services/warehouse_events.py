"""Warehouse events → RMA status, received / restocked quantities and condition per unit.

Version-guarded by the WMS's own timestamp (RMA.warehouse_updated_at): an older event never
overwrites a newer state. Safe to run twice. When an RMA's outcome is (re)computed, the
return's platform action is decided (returns/services/outcomes.py).
"""

import dataclasses
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from integrations.exceptions import ProviderPermanentError
from integrations.inbound import InboundWarehouseReturnEvent, WarehouseLineData
from integrations.models import Connection, Provider
from returns.models import RMA, RMALine, TimelineEvent, WarehouseOutcome
from returns.services.timeline import timeline_add


def _outcome(lines: list[RMALine]) -> str:
    if any(d.get("condition") == "damaged" for line in lines for d in line.receiving_details or []):
        return WarehouseOutcome.DAMAGED
    expected = sum(line.quantity for line in lines)
    received = sum(line.received_quantity for line in lines)
    if received < expected:
        return WarehouseOutcome.SHORT
    if received > expected:
        return WarehouseOutcome.EXCESS
    return WarehouseOutcome.FULLY_RECEIVED


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
    for field, value in changes.items():
        setattr(line, field, value)
    if changes:
        line.save(update_fields=[*changes, "updated_at"])
    return changes


def _received_summary(line: RMALine) -> str:
    words = [f"{line.received_quantity} × {line.sku}"]
    conditions = sorted({d.get("condition") for d in line.receiving_details or [] if d.get("condition")})
    dispositions = sorted({d.get("disposition") for d in line.receiving_details or [] if d.get("disposition")})
    words += conditions + dispositions
    if not dispositions and line.restocked_quantity:
        words.append("restocked" if line.restocked_quantity == line.received_quantity else "partly restocked")
    return ", ".join(words)


def _with_shipstream_quantities(*, connection: Connection, event: InboundWarehouseReturnEvent) -> Any:
    """ShipStream delivery:* messages carry no per-item quantities: read them with delivery.search.

    Only once goods are arriving (receiving / received); a transient error propagates, so the
    webhook is retried rather than applied without its quantities.
    """
    from integrations.providers.shipstream.client import ShipStreamClient
    from integrations.providers.shipstream.mappers import delivery_lines

    if connection.provider != Provider.SHIPSTREAM or event.lines is not None or not event.rma_number:
        return event
    if event.status not in (RMA.Status.RECEIVING, RMA.Status.RECEIVED):
        return event
    if not RMA.objects.filter(number=event.rma_number, warehouse_connection=connection).exists():
        return event  # not ours: no call
    try:
        client = ShipStreamClient.from_connection(connection)
        delivery = client.delivery_by_merchant_ref(merchant_ref=event.rma_number)
    except ProviderPermanentError as exc:
        # The status still counts; support sees why the quantities are missing.
        rma = RMA.objects.select_related("return_obj").filter(number=event.rma_number, warehouse_connection=connection)
        if (found := rma.first()) is not None:
            timeline_add(
                return_obj=found.return_obj,
                rma=found,
                kind="rma_quantities_unavailable",
                level=TimelineEvent.Level.WARNING,
                message=f"ShipStream quantities of RMA {found.number} could not be read: {exc.message}",
                api_call_id=exc.api_call_id,
            )
        return event
    lines = delivery_lines(delivery) if delivery else None
    return dataclasses.replace(event, lines=lines) if lines is not None else event


def rma_apply_warehouse_event(
    *, connection: Connection, event: InboundWarehouseReturnEvent, webhook_id: int | None, found_by: str = ""
) -> str:
    """Apply a WMS event to its RMA; returns "" when applied, else a note saying why nothing was done.

    found_by ("found by reconciliation") is added to the timeline entries it writes.
    """
    event = _with_shipstream_quantities(connection=connection, event=event)
    return _apply(connection=connection, event=event, webhook_id=webhook_id, found_by=found_by)


@transaction.atomic
def _apply(*, connection: Connection, event: InboundWarehouseReturnEvent, webhook_id: int | None, found_by: str) -> str:
    from returns.services.outcomes import return_outcome_evaluate

    suffix = f" ({found_by})" if found_by else ""
    match = Q(number=event.rma_number) if event.rma_number else Q(external_id=event.external_id)
    if not (event.rma_number or event.external_id):
        return "event names no RMA"
    rma = (
        RMA.objects.select_for_update(of=("self",))
        .select_related("return_obj", "location")
        .filter(match, warehouse_connection=connection)
        .first()
    )
    if rma is None and event.rma_number and event.external_id:
        rma = (
            RMA.objects.select_for_update(of=("self",))
            .select_related("return_obj", "location")
            .filter(external_id=event.external_id, warehouse_connection=connection)
            .first()
        )
    if rma is None:
        # Returns created outside Backhaul (ShipMonk's native Loop app, manual RMAs) are not ours.
        return f"no RMA {event.rma_number or event.external_id} on this connection"

    if event.updated_at and rma.warehouse_updated_at and event.updated_at < rma.warehouse_updated_at:
        timeline_add(
            return_obj=rma.return_obj,
            rma=rma,
            kind="stale_warehouse_event_ignored",
            message=f"Older {connection.display_name} update for RMA {rma.number} ignored",
            webhook_id=webhook_id,
        )
        return f"older than the RMA's state ({event.updated_at.isoformat()})"

    wms = connection.display_name
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
            if "received_quantity" in changes or "receiving_details" in changes:
                received_lines.append(line)

    if rma.status == RMA.Status.RECEIVED and (previous_status != RMA.Status.RECEIVED or received_lines):
        rma.outcome = _outcome(lines)
        rma.received_at = rma.received_at or event.received_at or event.updated_at or timezone.now()
        fields |= {"outcome", "received_at"}
    elif rma.status == RMA.Status.CANCELLED and rma.outcome != WarehouseOutcome.CANCELLED:
        rma.outcome = WarehouseOutcome.CANCELLED
        fields.add("outcome")
    if fields:
        rma.save(update_fields=[*fields, "updated_at"])

    where = rma.location.warehouse_label if rma.location else (event.warehouse_code or wms)
    if received_lines:
        summary = "; ".join(_received_summary(line) for line in received_lines if line.received_quantity)
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
    return ""
