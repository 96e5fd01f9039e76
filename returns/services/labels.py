"""Label events: a label created, updated or cancelled on the platform (Loop's label topics, a Happy Returns
drop-off), and Loop's third-party label requests. Each is applied under the return's row lock, written on the
timeline, and handed to RMA planning (a new label can start it, on_label_created). Like intake's, these run
inside webhook_process's transaction, without a savepoint."""

from dataclasses import dataclass, replace

from django.db import transaction

from integrations.inbound import InboundLabelEvent, InboundLabelRequestEvent
from integrations.inbound_errors import WebhookRetryLater
from integrations.models import Connection
from returns.models import Return, ReturnShipment, TimelineEvent
from returns.routing import OrderLookup
from returns.services.aging import return_aging_refresh
from returns.services.intake import order_lookup_for, return_lock, return_require, rmas_notify
from returns.services.shipments import label_text, older_label_ignored, shipment_upsert
from returns.services.timeline import timeline_add


@dataclass(frozen=True)
class PreparedLabelEvent:
    """A label event with the WMSs' answer about its return's order, asked before any transaction."""

    event: InboundLabelEvent
    order_lookup: OrderLookup | None = None


def return_label_prepare(*, connection: Connection, event: InboundLabelEvent) -> PreparedLabelEvent:
    """A new label can start planning (on_label_created): ask the WMSs for the order first when routing will."""
    return_obj = (
        Return.objects.select_related("store")
        .filter(store_id=connection.store_id, platform=event.platform, external_id=event.return_external_id)
        .first()
    )
    if return_obj is None:
        return PreparedLabelEvent(event)  # the apply step retries (or drops) it
    return PreparedLabelEvent(event, order_lookup=order_lookup_for(return_obj, return_obj.lines.all()))


@transaction.atomic(savepoint=False)
def return_label_apply(
    *,
    connection: Connection,
    event: InboundLabelEvent,
    webhook_id: int | None,
    missing_ok: bool = False,
    order_lookup: OrderLookup | None = None,
) -> ReturnShipment | None:
    """Create or update one label of a return, write the timeline and tell RMA planning.

    missing_ok (or the event's if_return_known): a label of a return we do not hold is dropped
    instead of retried. order_lookup: from return_label_prepare, made before the transaction."""
    missing_ok = missing_ok or event.if_return_known
    if not event.shipment.shipment_key:
        known = return_lock(connection=connection, platform=event.platform, external_id=event.return_external_id)
        if known is not None:
            timeline_add(
                return_obj=known,
                kind="label_event_ignored",
                message="Label event ignored: it names neither a tracking number nor a shipment id",
                data={"reason": "no_label_id"},
                webhook_id=webhook_id,
            )
        return None
    try:
        return_obj = return_require(
            connection=connection, platform=event.platform, external_id=event.return_external_id
        )
    except WebhookRetryLater:
        if missing_ok:
            return None
        raise
    data = event.shipment
    if data.updated_at is None and event.updated_at is not None:
        data = replace(data, updated_at=event.updated_at)
    shipment, what = shipment_upsert(return_obj=return_obj, data=data)
    if what == "older":
        older_label_ignored(return_obj=return_obj, shipment=shipment, data=data, webhook_id=webhook_id)
        return shipment
    if what == "created":
        message, change = f"Label created: {label_text(shipment)}", "label_created"
    elif what == "updated":
        status = f" {shipment.status}" if shipment.status else " updated"
        message, change = f"Label{status}: {label_text(shipment)}", "label_updated"
    else:
        return shipment
    timeline_add(
        return_obj=return_obj,
        kind=change,
        message=message,
        data={"shipment_key": shipment.shipment_key, "status": shipment.status},
        webhook_id=webhook_id,
    )
    rmas_notify(return_obj=return_obj, change=change, webhook_id=webhook_id, order_lookup=order_lookup)
    return_aging_refresh(return_id=return_obj.pk)  # a new label starts the clock; a delivery makes it due
    return shipment


@transaction.atomic(savepoint=False)
def return_label_request_apply(
    *, connection: Connection, event: InboundLabelRequestEvent, webhook_id: int | None
) -> Return:
    """Loop's third-party label request: issued (note the destination) or cancelled (tell RMA planning)."""
    return_obj = return_require(connection=connection, platform=event.platform, external_id=event.return_external_id)
    already = TimelineEvent.objects.filter(
        return_obj=return_obj, kind=event.change, data__request_id=event.request_id
    ).exists()
    if already:
        timeline_add(
            return_obj=return_obj,
            kind="label_request_repeat_ignored",
            message=f"Label request {event.request_id} {event.change.rsplit('_', 1)[-1]} again: already noted, ignored",
            data={"reason": "duplicate", "request_id": event.request_id},
            webhook_id=webhook_id,
        )
        return return_obj
    if event.change == "label_request_issued":
        if event.destination_address and not return_obj.destination_address:
            return_obj.destination_address = dict(event.destination_address)
            return_obj.save(update_fields=["destination_address", "updated_at"])
        message = "Label requested from the label provider"
    else:
        message = "Label request cancelled"
    timeline_add(
        return_obj=return_obj,
        kind=event.change,
        message=message,
        data={"request_id": event.request_id},
        webhook_id=webhook_id,
    )
    if event.change == "label_request_cancelled":
        rmas_notify(return_obj=return_obj, change="label_request_cancelled", webhook_id=webhook_id)
    return return_obj
