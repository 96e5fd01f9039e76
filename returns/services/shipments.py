"""A return's labels (ReturnShipment rows) as the platform describes them: found by the platform's label id, our
key or the tracking number, and upserted with the label's own update time as the version guard."""

from django.utils import timezone

from integrations.inbound import ReturnShipmentData
from returns.aging import is_delivered
from returns.models import Return, ReturnShipment
from returns.services.timeline import timeline_add


def label_text(shipment: ReturnShipment | ReturnShipmentData) -> str:
    return " ".join(p for p in (shipment.carrier, shipment.tracking_number) if p) or shipment.shipment_key


def shipment_find(
    *, return_obj: Return, data: ReturnShipmentData, known: dict[str, ReturnShipment] | None
) -> ReturnShipment | None:
    """The label this data is about: by the platform's label id, else by our key, else by its tracking
    number (a label event names the label by id, a return payload's label list by tracking number only)."""
    if known is not None:  # a return created in this transaction: its shipments so far, by key
        return known.get(data.shipment_key)
    shipments = ReturnShipment.objects.filter(return_obj=return_obj)
    if data.platform_shipment_id:
        found = shipments.filter(platform_shipment_id=data.platform_shipment_id).first()
        if found is not None:
            return found
    found = shipments.filter(shipment_key=data.shipment_key).first()
    if found is None and data.tracking_number:
        found = shipments.filter(tracking_number=data.tracking_number).order_by("id").first()
    other_label = found is not None and found.platform_shipment_id not in ("", data.platform_shipment_id)
    if data.platform_shipment_id and other_label:
        return None  # another label of the platform's that shares the key or the number: not this one
    return found


def shipment_upsert(
    *, return_obj: Return, data: ReturnShipmentData, known: dict[str, ReturnShipment] | None = None
) -> tuple[ReturnShipment, str]:
    """Returns the shipment and what happened to it: "created", "updated", "older" (the event is older than
    the label we hold, per the label's own update time: nothing changed) or "".

    known: for a return created in this transaction, its shipments so far by key (there are no
    others in the database), so none is looked up.
    """
    values = {
        "carrier": data.carrier,
        "service": data.service,
        "tracking_number": data.tracking_number,
        "status": data.status,
        "label_url": data.label_url,
        "line_keys": list(data.line_keys),
        "cancelled": data.cancelled,
        "platform_shipment_id": data.platform_shipment_id,
        "label_updated_at": data.updated_at,
    }
    shipment = shipment_find(return_obj=return_obj, data=data, known=known)
    if is_delivered(data.status) and (shipment is None or shipment.delivered_at is None):
        # The carrier's first "delivered": the parcel should be at the warehouse from now on (aging).
        values["delivered_at"] = data.updated_at or timezone.now()
    if shipment is None:
        created = ReturnShipment.objects.create(return_obj=return_obj, shipment_key=data.shipment_key, **values)
        if known is not None:
            known[data.shipment_key] = created
        return created, "created"
    if data.updated_at and shipment.label_updated_at and data.updated_at < shipment.label_updated_at:
        return shipment, "older"
    # Empty values from a thinner payload (a label event without the label URL) keep what we had.
    updates = {k: v for k, v in values.items() if v not in ("", [], None) and getattr(shipment, k) != v}
    if not updates:
        return shipment, ""
    for k, v in updates.items():
        setattr(shipment, k, v)
    shipment.save()
    if set(updates) <= {"platform_shipment_id", "label_updated_at"}:
        return shipment, ""  # only the label's bookkeeping changed: nothing to tell anyone
    return shipment, "updated"


def older_label_ignored(
    *, return_obj: Return, shipment: ReturnShipment, data: ReturnShipmentData, webhook_id: int | None
) -> None:
    held = shipment.label_updated_at.isoformat() if shipment.label_updated_at else "?"
    incoming = data.updated_at.isoformat() if data.updated_at else "?"
    timeline_add(
        return_obj=return_obj,
        kind="stale_label_ignored",
        message=f"Older label event ignored: {label_text(data)} (label updated {incoming}) is older than "
        f"{label_text(shipment)} (updated {held})",
        data={
            "reason": "older",
            "shipment_key": shipment.shipment_key,
            "platform_shipment_id": shipment.platform_shipment_id,
            "ignored_tracking_number": data.tracking_number,
            "ignored_updated_at": incoming,
            "held_updated_at": held,
        },
        webhook_id=webhook_id,
    )
