"""ShipMonk JSON → provider-neutral DTOs (pure functions, no DB).

https://apidocs.shipmonk.com/reference (webhooks: orderShipmentNotification, returnStatusChange)
"""

from collections.abc import Mapping
from typing import Any

from integrations.base import WarehouseInfo
from integrations.inbound import (
    FulfillmentData,
    InboundFulfillmentEvent,
    InboundWarehouseReturnEvent,
    ItemGrade,
    WarehouseLineData,
)
from integrations.payload_values import (
    content_key,
    grade_description,
    items,
    mapping,
    parse_timestamp,
    text,
    to_int,
)

# ShipMonk return status → RMA.Status value.
RETURN_STATUSES = {
    "status_created": "submitted",
    "in_progress": "in_transit",
    "en_route": "in_transit",
    "not_arrived": "in_transit",
    "arrived": "receiving",
    "returned": "received",
    "grading_completed": "received",
}
RESTOCKED_DISPOSITIONS = {"returned_to_inventory", "reworked", "received_back_into_inventory"}


def warehouse_code(value: Any) -> str:
    """`warehouse`: a code ("CA1") in the webhooks; in the order detail its shape is unconfirmed, a code or
    an object `{"id": 1, "identifier": "CA1", "name": ...}` (providers.md §4.3). Both read as the code."""
    if isinstance(value, Mapping):
        return text(value.get("identifier") or value.get("code"))
    return text(value)


def tracking_numbers(payload: Mapping[str, Any]) -> tuple[str, ...]:
    numbers = [text(p.get("tracking_number")) for p in items(payload.get("packages")) if isinstance(p, Mapping)]
    numbers.append(text(payload.get("master_tracking_number")))
    return tuple(sorted({n for n in numbers if n}))


def shipment_key(payload: Mapping[str, Any]) -> str:
    """ShipMonk has no shipment id: order key + warehouse + tracking numbers tells split shipments apart."""
    return content_key(
        "shipmonk",
        text(payload.get("order_key")),
        warehouse_code(payload.get("warehouse")),
        ",".join(tracking_numbers(payload)),
    )


def fulfillment_event(payload: Mapping[str, Any]) -> InboundFulfillmentEvent:
    """Shipment Notification → Fulfillment (several packages, each with its tracking number)."""
    packages = []
    for package in items(payload.get("packages")):
        if not isinstance(package, Mapping):
            continue
        packages.append(
            {
                "tracking_number": text(package.get("tracking_number")),
                "box_number": package.get("box_number"),
                "weight_lb": package.get("weight_lb"),
                "products": [
                    {"sku": text(p.get("sku")), "quantity": to_int(p.get("quantity")) or 0}
                    for p in items(package.get("packed_products"))
                    if isinstance(p, Mapping)
                ],
            }
        )
    products = [
        {
            "sku": text(item.get("sku")),
            "quantity": to_int(item.get("quantity")) or 0,
            "ordered_quantity": to_int(item.get("ordered_quantity")),
            "fulfilled_quantity": to_int(item.get("fulfilled_quantity")),
        }
        for item in items(payload.get("items"))
        if isinstance(item, Mapping)
    ]
    return InboundFulfillmentEvent(
        FulfillmentData(
            shipment_key=shipment_key(payload),
            order_key=text(payload.get("order_key")),
            order_number=text(payload.get("order_number")),
            warehouse_code=warehouse_code(payload.get("warehouse")),
            carrier=text(payload.get("carrier")),
            service=text(payload.get("service")),
            tracking_numbers=tracking_numbers(payload),
            packages=tuple(packages),
            items=tuple(products),
            ordered_at=parse_timestamp(payload.get("ordered_at")),
            shipped_at=parse_timestamp(payload.get("shipped_at")),
        )
    )


def _line(item: Mapping[str, Any], *, received_at: Any = None) -> WarehouseLineData:
    product = mapping(item.get("product"))
    details = []
    grades = []
    restocked = 0
    for detail in items(item.get("receiving_details")):
        if not isinstance(detail, Mapping):
            continue
        quantity = to_int(detail.get("received_quantity")) or 0
        disposition = text(detail.get("final_disposition"))
        if disposition in RESTOCKED_DISPOSITIONS:
            restocked += quantity
        details.append(
            {
                "quantity": quantity,
                "condition": "damaged" if disposition in {"dispose", "damaged_not_resellable"} else "good",
                "disposition": "restocked" if disposition in RESTOCKED_DISPOSITIONS else disposition,
                "lot": text(detail.get("lot")),
            }
        )
        if quantity > 0 and disposition:
            # ShipMonk grades with a final disposition per receipt and names no condition (providers.md §4.2).
            lot = text(detail.get("lot"))
            grades.append(
                ItemGrade(
                    quantity=quantity,
                    disposition=disposition,
                    description=grade_description(
                        "ShipMonk", disposition=disposition, detail=f"lot {lot}" if lot else ""
                    ),
                    inspected_at=parse_timestamp(detail.get("received_at")) or parse_timestamp(received_at),
                )
            )
    received = to_int(item.get("received_quantity"))
    if not details and received and text(item.get("desired_action")) == "received_back_into_inventory":
        restocked = received
    return WarehouseLineData(
        sku=text(product.get("sku")) or text(item.get("sku")),
        expected_quantity=to_int(item.get("expected_quantity")),
        received_quantity=received,
        restocked_quantity=restocked,
        receiving_details=tuple(details),
        grades=tuple(grades),
    )


# `source` values that name another integration that made the return (ShipMonk's native Loop app, Happy Returns,
# Returnly, Deposco: providers.md §4.2), which reports it on its own. `shipmonk` (made in ShipMonk or through its
# API, as Backhaul's are) and any value not documented are the warehouse's: a parcel nobody claimed is kept.
FOREIGN_SOURCES = frozenset({"loop", "returnly", "deposco", "happy_returns_loop", "happy_returns"})


def order_refs(order_key: str) -> tuple[str, ...]:
    """The order key, and the channel's order id inside it ("shopify-5550001112" → "5550001112")."""
    if not order_key:
        return ()
    _, _, tail = order_key.rpartition("-")
    return (order_key, tail) if tail.isdigit() and tail != order_key else (order_key,)


def return_status_event(payload: Mapping[str, Any]) -> InboundWarehouseReturnEvent:
    """returnStatusChange (one returns-list element) → RMA status and received quantities, and what an orphan
    receipt is matched by (tracking numbers, the order key)."""
    status = text(payload.get("status"))
    numbers = [text(n) for n in items(payload.get("tracking_numbers"))] + [text(payload.get("tracking_number"))]
    source = text(payload.get("source")).lower()
    return InboundWarehouseReturnEvent(
        rma_number=text(payload.get("rma")),
        external_id=text(payload.get("id")),
        status=RETURN_STATUSES.get(status, ""),
        warehouse_status=status,
        warehouse_code=warehouse_code(payload.get("warehouse")),
        updated_at=parse_timestamp(payload.get("updated_at")),
        received_at=parse_timestamp(payload.get("received_at")),
        lines=tuple(
            _line(i, received_at=payload.get("received_at"))
            for i in items(payload.get("items"))
            if isinstance(i, Mapping)
        ),
        tracking_numbers=tuple(dict.fromkeys(n for n in numbers if n)),
        order_refs=order_refs(text(payload.get("order_key"))),
        foreign_source=source if source in FOREIGN_SOURCES else "",
    )


def warehouse_infos(items: list[Any]) -> list[WarehouseInfo]:
    """GET /v1/integrations/warehouses rows → warehouses keyed by their identifier ("CA1")."""
    infos = []
    for item in items:
        if not isinstance(item, Mapping):
            continue
        name, code = text(item.get("name")), text(item.get("identifier"))
        if code:
            infos.append(WarehouseInfo(name=name, wms_code=code, label=f"{name} ({code})" if name else code))
    return infos
