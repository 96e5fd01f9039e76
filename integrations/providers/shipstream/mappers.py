"""ShipStream JSON → provider-neutral DTOs (pure functions, no DB).

https://docs.shipstream.io/ref/topics.html (delivery:* topics)
"""

import dataclasses
from collections.abc import Mapping
from typing import Any

from integrations.base import WarehouseInfo
from integrations.inbound import InboundWarehouseReturnEvent, ItemGrade, WarehouseLineData
from integrations.payload_values import grade_description, parse_timestamp, text, to_int

# ShipStream delivery status → RMA.Status value.
DELIVERY_STATUSES = {
    "new": "submitted",
    "accepting": "receiving",
    "accepted": "receiving",
    "ready_to_process": "receiving",
    "processing": "receiving",
    "processing_exception": "receiving",
    "processed": "received",
    "putting_away": "received",
    "put_away": "received",
    "complete": "received",
    "canceled": "cancelled",
    "void": "cancelled",
}
TOPIC_STATUSES = {"delivery:canceled": "canceled", "delivery:processed": "processed", "delivery:putaway": "put_away"}


def delivery_event(topic: str, message: Mapping[str, Any]) -> InboundWarehouseReturnEvent:
    """delivery:* → RMA status, matched by merchant_ref (our RMA number)."""
    status = text(message.get("new_status")) or TOPIC_STATUSES.get(topic, "")
    lines = None
    adjustments = message.get("stock_adjustments")
    if topic == "delivery:committed" and isinstance(adjustments, Mapping):
        # Committed stock is what went back on the shelf: the restocked quantity per SKU.
        lines = tuple(
            WarehouseLineData(sku=text(a.get("sku")) or text(sku), restocked_quantity=to_int(a.get("qty_adjust")))
            for sku, a in adjustments.items()
            if isinstance(a, Mapping)
        )
    return InboundWarehouseReturnEvent(
        rma_number=text(message.get("merchant_ref")),
        external_id=text(message.get("increment_id")),
        status=DELIVERY_STATUSES.get(status, ""),
        warehouse_status=status,
        updated_at=parse_timestamp(message.get("event_timestamp")),
        lines=lines,
        order_refs=_order_refs(message),
    )


def _order_refs(row: Mapping[str, Any]) -> tuple[str, ...]:
    """`sender_ref_alt` is the Merchant Order # of an RMA (providers.md §5.2)."""
    order = text(row.get("sender_ref_alt"))
    return (order,) if order else ()


def _tracking_numbers(row: Mapping[str, Any]) -> tuple[str, ...]:
    numbers = row.get("tracking_numbers")
    if isinstance(numbers, str):
        numbers = [numbers]
    return tuple(dict.fromkeys(text(n) for n in numbers or () if text(n))) if isinstance(numbers, list | str) else ()


def delivery_completed(event: InboundWarehouseReturnEvent, delivery: Mapping[str, Any]) -> InboundWarehouseReturnEvent:
    """A delivery:* event with what its delivery.search row adds: per-SKU quantities, tracking numbers, the order."""
    lines = delivery_lines(delivery)
    return dataclasses.replace(
        event,
        lines=lines if lines is not None else event.lines,
        tracking_numbers=event.tracking_numbers or _tracking_numbers(delivery),
        order_refs=event.order_refs or _order_refs(delivery),
    )


def delivery_lines(delivery: Mapping[str, Any]) -> tuple[WarehouseLineData, ...] | None:
    """delivery.search row → per-SKU quantities (webhook messages carry none; providers.md §5.2-5.4).

    qty_received is what arrived, qty_putaway what went back on the shelf; a container's
    damage_type other than "none" marks the SKU's units damaged. None when the row has no items.
    """
    items = delivery.get("items")
    if not isinstance(items, list):
        return None
    lines = []
    for item in items:
        if not isinstance(item, Mapping) or not text(item.get("sku")):
            continue
        received = to_int(item.get("qty_received"))
        restocked = to_int(item.get("qty_putaway"))
        damage_type = text(item.get("damage_type"))
        damaged = damage_type not in ("", "none")
        details: tuple[Mapping[str, Any], ...] = ()
        grades: tuple[ItemGrade, ...] = ()
        if received:
            # The container's damage_type is the condition; what was put away went back on the shelf.
            disposition = "put_away" if restocked and restocked >= received else ""
            grades = (
                ItemGrade(
                    quantity=received,
                    condition=damage_type,
                    disposition=disposition,
                    description=grade_description(
                        "ShipStream",
                        condition=f"damage {damage_type}" if damage_type else "",
                        disposition=disposition.replace("_", " "),
                    ),
                    inspected_at=parse_timestamp(delivery.get("updated_at")),
                ),
            )
            details = (
                {
                    "quantity": received,
                    "condition": "damaged" if damaged else "good",
                    "disposition": "restocked" if restocked and not damaged else "",
                },
            )
        lines.append(
            WarehouseLineData(
                sku=text(item.get("sku")),
                expected_quantity=to_int(item.get("qty_expected") or item.get("qty")),
                received_quantity=received,
                restocked_quantity=restocked,
                receiving_details=details,
                grades=grades,
            )
        )
    return tuple(lines)


def delivery_object_event(delivery: Mapping[str, Any]) -> InboundWarehouseReturnEvent:
    """A delivery.search row (reconciliation) → the same event a delivery:* webhook gives, with quantities."""
    status = text(delivery.get("status"))
    return InboundWarehouseReturnEvent(
        rma_number=text(delivery.get("merchant_ref")),
        external_id=text(delivery.get("increment_id")),
        status=DELIVERY_STATUSES.get(status, ""),
        warehouse_status=status,
        warehouse_code=text(delivery.get("warehouse_id")),
        updated_at=parse_timestamp(delivery.get("updated_at")),
        lines=delivery_lines(delivery),
        tracking_numbers=_tracking_numbers(delivery),
        order_refs=_order_refs(delivery),
    )


def warehouse_infos(rows: list[Any]) -> list[WarehouseInfo]:
    """warehouse.list() rows → warehouses keyed by their numeric id ("3")."""
    infos = []
    for row in rows:
        if not isinstance(row, Mapping):
            continue
        name, wid = text(row.get("name")), text(row.get("warehouse_id"))
        if wid:
            infos.append(WarehouseInfo(name=name, wms_code=wid, label=f"{name} (#{wid})" if name else wid))
    return infos
