"""Linking an orphan receipt to one of our RMAs (by the matching, or by a person), and dismissing one.

Linked, the receipt's warehouse event is applied to the RMA by the same service as any warehouse event
(returns/services/rma_events.py), in the transaction that links it, under the receipt's then the RMA's row lock:
the RMA is received, the return's outcome decided and the platform told once (outcomes.py decides under the
return's lock). A second link (a double click, a concurrent request, a replayed webhook) finds the receipt linked
and applies nothing again; the receipt's later events go to its RMA (returns/services/orphans/keep.py).
"""

from dataclasses import replace

from django.db import transaction
from django.utils import timezone

from config.exceptions import ApplicationError
from integrations.inbound import InboundWarehouseReturnEvent, warehouse_event_from_json
from integrations.models import Connection
from returns.models import RMA, OrphanReceipt, Return, TimelineEvent
from returns.services.orphans.matching import return_label
from returns.services.rma_events import rma_event_apply
from returns.services.timeline import timeline_add

State = OrphanReceipt.State
Key = OrphanReceipt.MatchKey
REASON_MAX = 500


def _who(by: str) -> str:
    return by or "Backhaul support"


def receipt_words(orphan: OrphanReceipt, wms: str) -> str:
    """The parcel as the warehouse named it: "ShipMonk return 5599 (RMA RTS-1 on the box)"."""
    named = orphan.external_id or orphan.rma_number or f"#{orphan.pk}"
    box = f" (RMA {orphan.rma_number} on the box)" if orphan.rma_number and orphan.external_id else ""
    return f"{wms} return {named}{box}"


def readdressed(event: InboundWarehouseReturnEvent, rma: RMA) -> InboundWarehouseReturnEvent:
    """The receipt's event as if it named our RMA. Without the WMS's update time: that orders the WMS record's own
    events (the receipt's guard, keep.py), not the events of the RMA the WMS created for us."""
    return replace(
        event,
        rma_number=rma.number,
        external_id="",
        updated_at=None,
        received_at=event.received_at or event.updated_at,
    )


def orphan_event_apply(
    *, orphan: OrphanReceipt, rma: RMA, connection: Connection, webhook_id: int | None, found_by: str = ""
) -> str:
    """Apply the receipt's latest event to its linked RMA (held under its row lock); "" or why nothing was done."""
    event = warehouse_event_from_json(orphan.event)
    return rma_event_apply(
        connection=connection,
        rma=rma,
        event=readdressed(event, rma),
        webhook_id=webhook_id,
        found_by=found_by or f"orphan receipt #{orphan.pk}",
    )


def rma_lock(*, rma_id: int) -> RMA | None:
    return (
        RMA.objects.select_for_update(of=("self",)).select_related("return_obj", "location").filter(pk=rma_id).first()
    )


def orphan_link_apply(
    *,
    orphan: OrphanReceipt,
    rma: RMA,
    connection: Connection,
    key: str,
    value: str,
    by: str = "",
    webhook_id: int | None = None,
) -> str:
    """Link a receipt the caller holds under its row lock to an RMA it holds too, then apply the receipt to it."""
    label = return_label(rma.return_obj.order_name, rma.return_obj_id)
    if key == Key.PERSON:
        orphan.note = f"Linked to {label} (RMA {rma.number}) by {_who(by)}"
        how = f"linked to RMA {rma.number} by {_who(by)}"
    else:
        orphan.note = f"Matched to {label} by {Key(key).label} {value}"
        how = f"matched to RMA {rma.number} by {Key(key).label} {value}"
    orphan.state = State.LINKED
    orphan.rma = rma
    orphan.return_obj = rma.return_obj
    orphan.matched_by = key
    orphan.matched_value = value[:254]
    orphan.linked_at = timezone.now()
    orphan.linked_by = by
    timeline_add(
        return_obj=rma.return_obj,
        rma=rma,
        kind="orphan_receipt_linked",
        level=TimelineEvent.Level.SUCCESS,
        message=f"{receipt_words(orphan, connection.display_name)} arrived without one of our RMAs: {how}",
        data={"orphan_receipt": orphan.pk, "key": key, "value": value, "by": by},
        webhook_id=webhook_id or orphan.webhook_id,
    )
    note = orphan_event_apply(orphan=orphan, rma=rma, connection=connection, webhook_id=webhook_id or orphan.webhook_id)
    if note:
        orphan.note = f"{orphan.note}; nothing applied: {note}"[:500]
    orphan.note = orphan.note[:500]
    orphan.save()
    return note


def _connection(orphan: OrphanReceipt) -> Connection:
    # Only what the timeline's words need: the credentials are neither read nor decrypted.
    return Connection.objects.only("id", "store_id", "role", "provider", "name", "wms_name").get(
        pk=orphan.warehouse_connection_id
    )


def _rma_for(orphan: OrphanReceipt, return_obj: Return, rma_id: int | None, wms: str) -> RMA:
    """The RMA of the return the receipt goes to: the one asked for, else its only one waiting at the warehouse."""
    label = return_label(return_obj.order_name, return_obj.pk)
    rmas = list(
        RMA.objects.filter(return_obj=return_obj, warehouse_connection_id=orphan.warehouse_connection_id).order_by(
            "number", "id"
        )
    )
    if rma_id is not None:
        chosen = next((r for r in rmas if r.pk == rma_id), None)
        if chosen is None:
            raise ApplicationError(f"That RMA is not one of {label}'s at {wms}.")
    else:
        waiting = [r for r in rmas if r.status != RMA.Status.RECEIVED]
        if not rmas:
            raise ApplicationError(
                f"{label.capitalize()} has no RMA at {wms} to apply this receipt to: choose the return the parcel "
                "belongs to (or dismiss the receipt)."
            )
        if len(waiting) > 1:
            numbers = ", ".join(r.number for r in waiting)
            raise ApplicationError(f"{label.capitalize()} has several RMAs waiting at {wms} ({numbers}): choose one.")
        chosen = waiting[0] if waiting else rmas[0]
    if chosen.status == RMA.Status.RECEIVED:
        raise ApplicationError(
            f"RMA {chosen.number} of {label} was already received at {wms}: a second receipt is not applied to it. "
            "Choose the return this parcel belongs to, or dismiss it."
        )
    return chosen


def orphan_receipt_link(*, orphan_id: int, return_id: int, rma_id: int | None = None, by: str) -> OrphanReceipt:
    """A person links a receipt to a return of its store (to one of its RMAs at that warehouse); the receipt is then
    applied to it once. Linking it again to the same return does nothing; to another is refused."""
    with transaction.atomic():
        orphan = OrphanReceipt.objects.select_for_update().get(pk=orphan_id)
        connection = _connection(orphan)
        wms = connection.display_name
        if orphan.state == State.LINKED:
            if orphan.return_obj_id == return_id and rma_id in (None, orphan.rma_id):
                return orphan  # linked already (a second click, a concurrent request): nothing is applied again
            raise ApplicationError(f"This receipt is already linked: {orphan.note}.")
        return_obj = Return.objects.filter(pk=return_id, store_id=orphan.store_id).first()
        if return_obj is None:
            raise ApplicationError("No such return in this store.")
        chosen = _rma_for(orphan, return_obj, rma_id, wms)
        rma = rma_lock(rma_id=chosen.pk)
        if rma is None or rma.status == RMA.Status.RECEIVED:  # received between the read and the lock
            raise ApplicationError(f"RMA {chosen.number} was just received: a second receipt is not applied to it.")
        orphan_link_apply(orphan=orphan, rma=rma, connection=connection, key=Key.PERSON, value="", by=by)
    return orphan


def orphan_receipt_dismiss(*, orphan_id: int, reason: str, by: str) -> OrphanReceipt:
    """A person says the receipt belongs to no return (a return to sender, a stray parcel), and why."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise ApplicationError("Say why the receipt is dismissed: the reason is kept with it.")
    if len(reason) > REASON_MAX:
        raise ApplicationError(f"Keep the reason under {REASON_MAX} characters.")
    with transaction.atomic():
        orphan = OrphanReceipt.objects.select_for_update().get(pk=orphan_id)
        if orphan.state == State.LINKED:
            raise ApplicationError(f"This receipt is linked ({orphan.note}): it cannot be dismissed.")
        if orphan.state == State.DISMISSED:
            if orphan.dismiss_reason == reason:
                return orphan
            raise ApplicationError(f"This receipt was already dismissed ({orphan.note}).")
        orphan.state = State.DISMISSED
        orphan.dismissed_at = timezone.now()
        orphan.dismissed_by = by
        orphan.dismiss_reason = reason
        orphan.note = f"Dismissed by {_who(by)}: {reason}"[:500]
        orphan.save()
    return orphan
