"""A warehouse event about none of our RMAs: kept as an orphan receipt when it is a parcel the warehouse received,
then matched to a return (returns/services/orphans/matching.py) or left for a person.

Runs in the warehouse event's transaction (a webhook's, or reconciliation's), after the RMA look-up found none.
One receipt per WMS record (connection and the WMS's id): its later events update the receipt, under the
receipt's row lock and its own version guard (the WMS's update time), and once it is linked they are applied to
its RMA like the first one, so a redelivery, a replay or a later grading changes the RMA as it would have.
"""

from django.db import transaction
from django.urls import reverse

from integrations.inbound import InboundWarehouseReturnEvent, warehouse_event_from_json, warehouse_event_to_json
from integrations.models import Connection, Notification
from integrations.services.notifications import store_notify
from returns.aging import RECEIPT_STATUSES
from returns.models import OrphanReceipt
from returns.receipt_keys import lines_summary, received_skus, wms_key
from returns.services.orphans.link import orphan_event_apply, orphan_link_apply, receipt_words, rma_lock
from returns.services.orphans.matching import orphan_match
from returns.services.rma_events import PreparedWarehouseEvent

State = OrphanReceipt.State


def orphan_receipt_wanted(*, connection: Connection, event: InboundWarehouseReturnEvent) -> bool:
    """Whether an event about none of our RMAs is (or updates) an orphan receipt: a parcel at the warehouse that
    another integration did not make. Read before the transaction (the prepare step asks the WMS for its details)."""
    if event.foreign_source:
        return False
    if event.status in RECEIPT_STATUSES:
        return True
    key = wms_key(event)
    return bool(key) and OrphanReceipt.objects.filter(warehouse_connection=connection, wms_key=key).exists()


def _snapshot(event: InboundWarehouseReturnEvent) -> dict[str, object]:
    """The receipt's columns from its latest event."""
    return {
        "rma_number": event.rma_number,
        "external_id": event.external_id,
        "status": event.status,
        "warehouse_status": event.warehouse_status,
        "warehouse_code": event.warehouse_code,
        "tracking_numbers": list(event.tracking_numbers),
        "order_refs": list(event.order_refs),
        "customer_email": event.customer_email,
        "lines": lines_summary(event),
        "event": warehouse_event_to_json(event),
        "warehouse_updated_at": event.updated_at,
        "received_at": event.received_at,
    }


def _update(orphan: OrphanReceipt, event: InboundWarehouseReturnEvent, webhook_id: int | None) -> None:
    """A later event about the same WMS record: what it says now. What matched it stays as the first event had
    it when the later one is silent (a status-only message names no tracking number)."""
    values = _snapshot(event)
    for name in ("tracking_numbers", "order_refs", "customer_email", "lines", "warehouse_code", "rma_number"):
        if not values[name]:
            values.pop(name)
    if event.lines is None and orphan.event.get("lines") is not None:
        kept = dict(values["event"])  # type: ignore[call-overload]
        kept["lines"] = orphan.event["lines"]
        values["event"] = kept
    for name, value in values.items():
        setattr(orphan, name, value)
    if webhook_id is not None:
        orphan.webhook_id = webhook_id
    orphan.save()


def _notify(orphan: OrphanReceipt, connection: Connection) -> None:
    """Tell the store's members a parcel waits for them (not for a sandbox store: test data is never emailed)."""
    if orphan.store.is_sandbox:
        return
    store = orphan.store
    store_notify(
        store_id=store.pk,
        kind=Notification.Kind.ORPHAN_RECEIPT,
        message=f"{receipt_words(orphan, connection.display_name)} arrived with no RMA Backhaul knows: {orphan.note}",
        link=reverse("orphan_receipt_detail", kwargs={"slug": store.slug, "pk": orphan.pk}),
    )


def orphan_receipt_match(*, orphan: OrphanReceipt, connection: Connection, webhook_id: int | None = None) -> str:
    """Match an open receipt the caller holds under its row lock: linked (and applied) when one RMA fits, else its
    candidates and the reason are kept for a person. Returns "" or why the linked receipt changed nothing."""
    skus = received_skus(warehouse_event_from_json(orphan.event))
    match = orphan_match(orphan=orphan, skus=skus, wms=connection.display_name)
    if match.chosen is not None and match.chosen.rma_id is not None:
        rma = rma_lock(rma_id=match.chosen.rma_id)
        if rma is not None:
            orphan.candidates = [c.as_json() for c in match.candidates]
            return orphan_link_apply(
                orphan=orphan,
                rma=rma,
                connection=connection,
                key=match.chosen.key,
                value=match.chosen.value,
                webhook_id=webhook_id,
            )
    orphan.candidates = [c.as_json() for c in match.candidates]
    orphan.note = match.note[:500]
    orphan.save(update_fields=["candidates", "note", "updated_at"])
    return ""


def orphan_receipt_keep(
    *, connection: Connection, prepared: PreparedWarehouseEvent, webhook_id: int | None, found_by: str = ""
) -> str:
    """An event whose RMA is not ours: kept or updated as an orphan receipt, matched or left for a person, or, once
    linked, applied to its RMA. Returns "" when kept or applied, else why nothing was done (for the webhook row)."""
    event = prepared.event
    ident = event.rma_number or event.external_id
    if event.foreign_source:
        return (
            f"{connection.display_name} return {ident} was made by its {event.foreign_source} integration, "
            "not Backhaul: not ours to report"
        )
    key = wms_key(event)
    with transaction.atomic():
        orphan = OrphanReceipt.objects.select_for_update().filter(warehouse_connection=connection, wms_key=key).first()
        if orphan is None:
            if event.status not in RECEIPT_STATUSES:
                # News about an RMA that is not ours and no parcel at the warehouse (a native integration's RMA).
                return f"no RMA {ident} on this connection"
            # A concurrent event about the same record may insert it first: get_or_create then reads theirs.
            orphan, created = OrphanReceipt.objects.select_for_update().get_or_create(
                warehouse_connection=connection,
                wms_key=key,
                defaults={"store_id": connection.store_id, "webhook_id": webhook_id, **_snapshot(event)},
            )
            if created:
                result = orphan_receipt_match(orphan=orphan, connection=connection, webhook_id=webhook_id)
                if orphan.state == State.OPEN:
                    _notify(orphan, connection)
                return result
        held = orphan.warehouse_updated_at
        if event.updated_at and held and event.updated_at < held:
            return f"older than orphan receipt #{orphan.pk} ({event.updated_at.isoformat()} < {held.isoformat()})"
        _update(orphan, event, webhook_id)
        if orphan.state == State.LINKED:
            rma = rma_lock(rma_id=orphan.rma_id) if orphan.rma_id else None
            if rma is None:
                return f"orphan receipt #{orphan.pk} was linked to an RMA that no longer exists: kept"
            return orphan_event_apply(
                orphan=orphan, rma=rma, connection=connection, webhook_id=webhook_id, found_by=found_by
            )
        if orphan.state == State.OPEN:
            return orphan_receipt_match(orphan=orphan, connection=connection, webhook_id=webhook_id)
        return ""  # dismissed: what the warehouse says now is kept with it, and nothing else happens
