"""TrackStar JSON → provider-neutral DTOs (pure functions, no DB).

https://docs.trackstarhq.com/how-to-guides/webhooks/webhooks ; returns: api-reference/wms-api/returns/info
"""

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from integrations.base import OrderRef, WarehouseInfo
from integrations.inbound import (
    FulfillmentData,
    InboundConnectionHealthEvent,
    InboundFulfillmentEvent,
    InboundWarehouseReturnEvent,
    ItemGrade,
    WarehouseLineData,
)
from integrations.payload_values import content_key, grade_description, items, parse_timestamp, text, to_int

# TrackStar return status → RMA.Status value ("other": look at raw_status; we keep it, map nothing).
RETURN_STATUSES = {
    "open": "submitted",
    "in-transit": "in_transit",
    "in_transit": "in_transit",
    "receiving": "receiving",
    "received": "received",
    "cancelled": "cancelled",
}


def _receiving_details(data: Mapping[str, Any]) -> dict[str, list[dict[str, Any]]]:
    by_sku: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for shipment in items(data.get("shipments")):
        if not isinstance(shipment, Mapping):
            continue
        for item in items(shipment.get("line_items")):
            if not isinstance(item, Mapping):
                continue
            for detail in items(item.get("receiving_details")):
                if isinstance(detail, Mapping):
                    by_sku[text(item.get("sku"))].append(
                        {
                            "quantity": to_int(detail.get("quantity")) or 0,
                            "condition": text(detail.get("condition")),
                            "disposition": text(detail.get("disposition")),
                        }
                    )
    return by_sku


def _grades(data: Mapping[str, Any]) -> dict[str, list[ItemGrade]]:
    """Per SKU, what the warehouse found and did: shipments[].line_items[].receiving_details[]{quantity,
    condition, disposition} (providers.md §3.3), inspected when the parcel arrived. TrackStar documents no note or
    photo there."""
    by_sku: dict[str, list[ItemGrade]] = defaultdict(list)
    for shipment in (s for s in items(data.get("shipments")) if isinstance(s, Mapping)):
        arrived = parse_timestamp(shipment.get("arrived_date"))
        for item in (i for i in items(shipment.get("line_items")) if isinstance(i, Mapping)):
            for detail in (d for d in items(item.get("receiving_details")) if isinstance(d, Mapping)):
                quantity = to_int(detail.get("quantity")) or 0
                condition, disposition = text(detail.get("condition")), text(detail.get("disposition"))
                if quantity <= 0 or not (condition or disposition):
                    continue
                by_sku[text(item.get("sku"))].append(
                    ItemGrade(
                        quantity=quantity,
                        condition=condition,
                        disposition=disposition,
                        description=grade_description("TrackStar", condition=condition, disposition=disposition),
                        inspected_at=arrived,
                    )
                )
    return by_sku


def return_event(data: Mapping[str, Any], previous_attributes: Mapping[str, Any] | None) -> InboundWarehouseReturnEvent:
    """return.created / return.updated → RMA status and quantities; matched by TrackStar's return id."""
    details = _receiving_details(data)
    grades = _grades(data)
    lines = tuple(
        WarehouseLineData(
            sku=text(item.get("sku")),
            expected_quantity=to_int(item.get("expected_quantity")),
            received_quantity=to_int(item.get("received_quantity")),
            restocked_quantity=to_int(item.get("restocked_quantity")),
            receiving_details=tuple(details.get(text(item.get("sku")), ())),
            grades=tuple(grades.get(text(item.get("sku")), ())),
        )
        for item in items(data.get("line_items"))
        if isinstance(item, Mapping) and text(item.get("sku"))
    )
    shipments = [s for s in items(data.get("shipments")) if isinstance(s, Mapping)]
    warehouse = next((text(s.get("warehouse_id")) for s in shipments), "")
    status = text(data.get("status"))
    arrived = [parse_timestamp(s.get("arrived_date")) for s in shipments]
    return InboundWarehouseReturnEvent(
        external_id=text(data.get("id")),
        status=RETURN_STATUSES.get(status, ""),
        warehouse_status=text(data.get("raw_status")) if status == "other" else status,
        warehouse_code=warehouse,
        updated_at=parse_timestamp(data.get("updated_date")),
        received_at=max((a for a in arrived if a), default=None),
        lines=lines,
        changed_fields=tuple(sorted(previous_attributes or {})),
        tracking_numbers=tuple(
            dict.fromkeys(text(s.get("tracking_number")) for s in shipments if s.get("tracking_number"))
        ),
        # TrackStar's own id of the original order (its fulfilments carry it as their external order id).
        order_refs=(text(data.get("order_id")),) if text(data.get("order_id")) else (),
    )


def fulfillment_events(data: Mapping[str, Any]) -> list[InboundFulfillmentEvent]:
    """order.shipment.created: the order with its shipments → one Fulfillment per shipment."""
    shipments = [s for s in items(data.get("shipments")) if isinstance(s, Mapping)] or [data]
    events = []
    for shipment in shipments:
        packages = [p for p in items(shipment.get("packages")) if isinstance(p, Mapping)]
        numbers = sorted(
            {text(p.get("tracking_number")) for p in packages if text(p.get("tracking_number"))}
            | ({text(shipment.get("tracking_number"))} if text(shipment.get("tracking_number")) else set())
        )
        warehouse = text(shipment.get("warehouse_id") or data.get("warehouse_id"))
        key = text(shipment.get("shipment_id") or shipment.get("id")) if shipment is not data else ""
        events.append(
            InboundFulfillmentEvent(
                FulfillmentData(
                    shipment_key=("trackstar:" + key)
                    if key
                    else content_key("trackstar", data.get("id"), warehouse, ",".join(numbers)),
                    order_key=text(data.get("order_number") or data.get("reference_id")),
                    order_number=text(data.get("order_number")),
                    external_order_id=text(data.get("id")),
                    warehouse_code=warehouse,
                    carrier=text(shipment.get("carrier") or shipment.get("carrier_name")),
                    service=text(shipment.get("shipping_method") or shipment.get("service")),
                    tracking_numbers=tuple(numbers),
                    packages=tuple(dict(p) for p in packages),
                    items=tuple(dict(i) for i in items(shipment.get("line_items")) if isinstance(i, Mapping)),
                    ordered_at=parse_timestamp(data.get("created_date")),
                    shipped_at=parse_timestamp(shipment.get("shipped_date")),
                )
            )
        )
    return events


def connection_health_event(event_name: str, data: Mapping[str, Any]) -> InboundConnectionHealthEvent:
    if event_name.endswith(".deleted"):
        return InboundConnectionHealthEvent(healthy=True, message="")
    message = text(data.get("error_message") or data.get("message") or data.get("error") or data.get("type"))
    return InboundConnectionHealthEvent(healthy=False, message=message or "TrackStar reported a connection error")


def warehouse_infos(rows: list[Any]) -> list[WarehouseInfo]:
    """GET /wms/warehouses rows → warehouses keyed by TrackStar's id, with the WMS's own code where given."""
    infos = []
    for row in rows:
        if not isinstance(row, Mapping):
            continue
        name, wid = text(row.get("name")), text(row.get("id"))
        code = text(row.get("code") or row.get("identifier"))
        if wid:
            label = f"{name} ({code or wid})" if name else wid
            infos.append(WarehouseInfo(name=name, wms_code=code, trackstar_id=wid, label=label))
    return infos


def order_number_forms(*, order_name: str, order_number: str = "", order_ids: Any = ()) -> tuple[str, ...]:
    """The values an order is searched by, in order: its name as the platform writes it (`#2001`), without
    and with the `#`, its number, then the platform's own ids of the order."""
    forms: list[str] = []
    for value in (order_name, order_number):
        value = text(value)
        if value:
            bare = value.lstrip("#")
            forms += [value, bare, f"#{bare}"] if bare else [value]
    forms += [text(v) for v in order_ids or () if text(v)]
    return tuple(dict.fromkeys(forms))


def order_ref_matching(data: Any, *, wanted: set[str]) -> OrderRef | None:
    """GET /wms/orders → the first order whose number (or reference) is one of the wanted forms."""
    for order in items(data.get("data")) if isinstance(data, Mapping) else []:
        if not isinstance(order, Mapping) or not order.get("id"):
            continue
        numbers = {text(order.get(k)) for k in ("order_number", "reference_id", "name")}
        if numbers & wanted:
            return OrderRef(
                external_order_id=text(order.get("id")),
                warehouse_code=text(order.get("warehouse_id")),
                raw=dict(order),
            )
    return None
