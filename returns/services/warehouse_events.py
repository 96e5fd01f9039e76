"""Warehouse events → the RMA they are about, or an orphan receipt when they are about none of ours.

The RMA is found by our number first, else by the WMS's id; an event whose WMS id belongs to another of our RMAs
is applied to neither. Found, it is applied under the RMA's row lock (returns/services/rma_events.py: status,
quantities, condition, then the return's outcome, once). Not found, a parcel the warehouse received is kept as an
orphan receipt (returns/services/orphans/), matched to a return or left for a person; other news about RMAs that
are not ours (a native integration's) is noted on the webhook row.
"""

from django.db import transaction
from django.db.models import F, Q

from integrations.exceptions import ProviderPermanentError
from integrations.inbound import InboundWarehouseReturnEvent
from integrations.models import Connection
from integrations.registry import get_warehouse_client
from returns.models import RMA, TimelineEvent
from returns.services.orphans.keep import orphan_receipt_keep, orphan_receipt_wanted
from returns.services.rma_events import PreparedWarehouseEvent, rma_event_apply
from returns.services.timeline import timeline_add

__all__ = (
    "PreparedWarehouseEvent",
    "rma_apply_warehouse_event",
    "rma_warehouse_event_apply",
    "rma_warehouse_event_prepare",
)


def _rma_match(event: InboundWarehouseReturnEvent) -> Q:
    return Q(number=event.rma_number) if event.rma_number else Q(external_id=event.external_id)


def rma_warehouse_event_prepare(
    *, connection: Connection, event: InboundWarehouseReturnEvent
) -> PreparedWarehouseEvent:
    """Let the WMS's client complete the event (ShipStream reads per-item quantities); no transaction may be open.

    Only for an RMA of ours, or a parcel kept as an orphan receipt (what arrived decides what a person links):
    other events about other RMAs (a native integration's) cost no call. A transient error propagates, so the
    webhook is retried rather than applied incomplete.
    """
    if not (event.rma_number or event.external_id):
        return PreparedWarehouseEvent(event)
    ours = RMA.objects.filter(_rma_match(event), warehouse_connection=connection).exists()
    if not ours and not orphan_receipt_wanted(connection=connection, event=event):
        return PreparedWarehouseEvent(event)
    try:
        client = get_warehouse_client(connection=connection)
        (enriched,) = client.inbound_event_enrich(event=event)
    except ProviderPermanentError as exc:
        # The status still counts; support sees why the rest is missing.
        return PreparedWarehouseEvent(event, enrich_error=exc)
    if not isinstance(enriched, InboundWarehouseReturnEvent):  # a client that changed the event's kind is a bug
        raise TypeError(f"{connection.provider} turned a warehouse event into {type(enriched).__name__}")
    return PreparedWarehouseEvent(enriched)


def _other_rma_with_wms_id(*, connection: Connection, external_id: str, rma: RMA | None) -> RMA | None:
    """Another RMA of this connection that the WMS knows by external_id (not its read-only lookup: no lock)."""
    others = RMA.objects.select_related("return_obj").filter(warehouse_connection=connection, external_id=external_id)
    if rma is not None:
        others = others.exclude(pk=rma.pk)
    # A push that got no id back records our own number as the external id: that is not the WMS's id.
    return others.exclude(external_id=F("number")).first()


def _mismatch_keep(
    *, connection: Connection, event: InboundWarehouseReturnEvent, rma: RMA | None, other: RMA, webhook_id: int | None
) -> str:
    """Apply nothing; warn on the timeline of each return concerned; the note goes on the webhook row."""
    wms = connection.display_name
    named = f"RMA {rma.number}" if rma is not None else "none of our RMAs"
    note = (
        f"{wms} event names rma {event.rma_number} ({named}) but {wms} id {event.external_id}, "
        f"which is RMA {other.number}: nothing applied, kept for support"
    )
    for concerned in [r for r in (rma, other) if r is not None]:
        timeline_add(
            return_obj=concerned.return_obj,
            rma=concerned,
            kind="warehouse_event_mismatch",
            level=TimelineEvent.Level.WARNING,
            message=note,
            data={"rma": event.rma_number, "external_id": event.external_id, "status": event.warehouse_status},
            webhook_id=webhook_id,
        )
    return note


def rma_apply_warehouse_event(
    *, connection: Connection, event: InboundWarehouseReturnEvent, webhook_id: int | None, found_by: str = ""
) -> str:
    """Apply a WMS event to its RMA; returns "" when applied, else a note saying why nothing was done.

    found_by ("found by reconciliation") is added to the timeline entries it writes. Provider calls
    happen first, outside the transaction that applies the event.
    """
    prepared = rma_warehouse_event_prepare(connection=connection, event=event)
    return rma_warehouse_event_apply(connection=connection, prepared=prepared, webhook_id=webhook_id, found_by=found_by)


@transaction.atomic
def rma_warehouse_event_apply(
    *, connection: Connection, prepared: PreparedWarehouseEvent, webhook_id: int | None, found_by: str = ""
) -> str:
    """Apply a prepared WMS event to its RMA under the RMA's row lock; returns "" or why nothing was done."""
    event = prepared.event
    if not (event.rma_number or event.external_id):
        return "event names no RMA"
    match = _rma_match(event)
    rma = (
        RMA.objects.select_for_update(of=("self",))
        .select_related("return_obj", "location")
        .filter(match, warehouse_connection=connection)
        .first()
    )
    if event.rma_number and event.external_id:
        # Our number decides; the WMS's own id only has to agree. An id that is another of our
        # RMAs' means the event is not what it says: applied to neither, kept for support.
        other = _other_rma_with_wms_id(connection=connection, external_id=event.external_id, rma=rma)
        if other is not None:
            return _mismatch_keep(connection=connection, event=event, rma=rma, other=other, webhook_id=webhook_id)
    if rma is None:
        # Not one of ours: a parcel the warehouse received with no RMA we know (or a native integration's RMA).
        return orphan_receipt_keep(connection=connection, prepared=prepared, webhook_id=webhook_id, found_by=found_by)
    return rma_event_apply(
        connection=connection,
        rma=rma,
        event=event,
        webhook_id=webhook_id,
        found_by=found_by,
        enrich_error=prepared.enrich_error,
    )
