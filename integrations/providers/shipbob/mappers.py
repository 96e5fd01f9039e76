"""ShipBob JSON → provider-neutral DTOs (pure functions, no DB, no I/O).

The return objects are 2026-01's PublicReturnDto (GET /return/{id}, list items) and PublicReturnV1Dto
(create, PUT, and presumably the webhook bodies): the same fields, except that only the first carries
each item's `sku` and the status dates. PROVIDER.md "Return objects" lists the fields and their sources.
"""

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from integrations.base import OrderRef, WarehouseInfo
from integrations.inbound import InboundWarehouseReturnEvent, ItemGrade, WarehouseLineData
from integrations.payload_values import grade_description, items, mapping, parse_timestamp, text, to_int

# ShipBob return status → RMA.Status value. The 2026-01 DTOs type status as a free string whose
# description spells it both "AwaitingArrival" and "Awaiting Arrival": compared without spaces or case.
RETURN_STATUSES = {
    "awaitingarrival": "submitted",
    "arrived": "receiving",
    "processing": "receiving",
    "completed": "received",
    "cancelled": "cancelled",
    "canceled": "cancelled",
}
# The statuses in which goods are at the warehouse, so per-item quantities are worth reading.
ARRIVING = ("receiving", "received")
# What ShipBob did with units (action_taken[].action) → the condition and disposition Backhaul records.
# ShipBob reports what it did, not what it found: a unit it did not restock is not resellable, so it counts
# as damaged and a person reviews the return before the refund, as with ShipMonk's "dispose".
ACTIONS_TAKEN = {
    "restock": ("good", "restocked"),
    "quarantine": ("damaged", "quarantined"),
    "dispose": ("damaged", "disposed"),
}
# The status dates of a PublicReturnDto: the latest one is when the return last changed.
_STATUS_DATES = (
    "insert_date",
    "awaiting_arrival_date",
    "arrived_date",
    "processing_date",
    "completed_date",
    "cancelled_date",
)
_SPACES = re.compile(r"[\s_-]+")


def word_key(value: Any) -> str:
    """A ShipBob enum word compared loosely: "Awaiting Arrival", "awaiting_arrival" → "awaitingarrival"."""
    return _SPACES.sub("", text(value)).lower()


def identifier(value: Any) -> int | None:
    """A ShipBob id (an integer, or its digits as text); None for anything else. Not payload_values.to_int,
    which bounds quantities: an id is only a number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    digits = text(value)
    return int(digits) if digits.isdigit() and len(digits) <= 100 else None


def rma_status(value: Any) -> str:
    """The RMA.Status value of a ShipBob return status ("" for a word Backhaul does not know)."""
    return RETURN_STATUSES.get(word_key(value), "")


def _updated_at(data: Mapping[str, Any]) -> Any:
    """The return has no update time: the latest of its status dates and status history stands in for it."""
    moments = [parse_timestamp(data.get(name)) for name in _STATUS_DATES]
    moments += [parse_timestamp(mapping(entry).get("timestamp")) for entry in items(data.get("status_history"))]
    return max((m for m in moments if m is not None), default=None)


def _detail(taken: Mapping[str, Any], quantity: int) -> dict[str, Any]:
    """One action_taken entry as a receiving detail; the warehouse's reason and photo are kept as evidence."""
    condition, disposition = ACTIONS_TAKEN.get(word_key(taken.get("action")), ("", word_key(taken.get("action"))))
    detail = {
        "quantity": quantity,
        "condition": condition,
        "disposition": disposition,
        "action": text(taken.get("action")),
        "reason": text(taken.get("action_reason")),
        "image_url": text(taken.get("image_url")),
    }
    return {key: value for key, value in detail.items() if value != ""}


def _grade(taken: Mapping[str, Any], quantity: int, *, inspected_at: Any) -> ItemGrade:
    """One action_taken entry as a grade: ShipBob reports what it did (the disposition) and names no condition; its
    reason is the note and its photo the evidence (providers.md §8.2)."""
    action, reason = word_key(taken.get("action")), text(taken.get("action_reason"))
    image = text(taken.get("image_url"))
    return ItemGrade(
        quantity=quantity,
        disposition=action,
        description=grade_description("ShipBob", disposition=action, detail=reason),
        note=reason,
        images=(image,) if image.startswith(("https://", "http://")) else (),
        inspected_at=inspected_at,
    )


def return_lines(data: Mapping[str, Any]) -> tuple[WarehouseLineData, ...] | None:
    """Per SKU: expected, received (every unit processed), restocked (those restocked) and a detail per action.

    None when the object names no inventory, or an item without its SKU (the create answer's shape, and
    presumably the webhooks'): the lines are then read from GET /return/{id}, which has them."""
    inventory = data.get("inventory")
    if not isinstance(inventory, list):
        return None
    by_sku: dict[str, dict[str, Any]] = {}
    inspected_at = parse_timestamp(data.get("completed_date")) or parse_timestamp(data.get("processing_date"))
    for item in inventory:
        if not isinstance(item, Mapping):
            continue
        sku = text(item.get("sku"))
        if not sku:
            return None
        line = by_sku.setdefault(sku, {"expected": 0, "received": 0, "restocked": 0, "details": [], "grades": []})
        line["expected"] += to_int(item.get("quantity")) or 0
        for taken in items(item.get("action_taken")):
            if not isinstance(taken, Mapping):
                continue
            quantity = max(to_int(taken.get("quantity_processed")) or 0, 0)
            line["received"] += quantity
            if word_key(taken.get("action")) == "restock":
                line["restocked"] += quantity
            if quantity:
                line["details"].append(_detail(taken, quantity))
                line["grades"].append(_grade(taken, quantity, inspected_at=inspected_at))
    return tuple(
        WarehouseLineData(
            sku=sku,
            expected_quantity=line["expected"],
            received_quantity=line["received"],
            restocked_quantity=line["restocked"],
            receiving_details=tuple(line["details"]),
            grades=tuple(line["grades"]),
        )
        for sku, line in by_sku.items()
    )


def return_event(data: Mapping[str, Any]) -> InboundWarehouseReturnEvent:
    """A ShipBob return → its RMA's status and quantities; matched by reference_id (our RMA number)."""
    status = text(data.get("status"))
    return InboundWarehouseReturnEvent(
        rma_number=text(data.get("reference_id")),
        external_id=text(data.get("id") or data.get("return_id")),
        status=rma_status(status),
        warehouse_status=status,
        warehouse_code=text(mapping(data.get("fulfillment_center")).get("id")),
        updated_at=_updated_at(data),
        received_at=parse_timestamp(data.get("completed_date")) or parse_timestamp(data.get("arrived_date")),
        lines=return_lines(data),
    )


_RETURN_KEYS = ("reference_id", "return_id", "inventory", "status", "id")


def webhook_return(payload: Mapping[str, Any]) -> Mapping[str, Any]:
    """The return a webhook body is about. ShipBob documents no body for return.* topics (PROVIDER.md
    "Webhook bodies"): the return itself at the top level is the likeliest, and an envelope (`return`,
    `data`, `data.return`) or a bare `return_id` are read too. The id found in an envelope is the return's."""
    data = payload.get("data")
    for candidate in (payload.get("return"), mapping(data).get("return"), data, payload):
        if isinstance(candidate, Mapping) and any(key in candidate for key in _RETURN_KEYS):
            found = dict(candidate)
            found.setdefault("return_id", payload.get("return_id") or mapping(data).get("return_id"))
            return found
    return {}


def warehouse_infos(rows: Iterable[Any]) -> list[WarehouseInfo]:
    """GET /fulfillment-center rows → warehouses keyed by the fulfillment center's id ("22")."""
    infos = []
    for row in rows:
        if not isinstance(row, Mapping):
            continue
        name, fc_id = text(row.get("name")), text(row.get("id"))
        if fc_id:
            infos.append(WarehouseInfo(name=name, wms_code=fc_id, label=f"{name} (#{fc_id})" if name else fc_id))
    return infos


def order_forms(*, order_name: str, order_number: str = "", order_ids: Sequence[str] = ()) -> tuple[str, ...]:
    """The reference ids an order may have at ShipBob, most likely first: a store integration keeps the store's
    own order id there (Shopify's), an API integration whatever it sent (often the name `#1042`, or `1042`).
    A comma would split the comma-separated ReferenceIds filter: such a form is left out."""
    forms = [text(v) for v in order_ids or ()]
    for value in (order_name, order_number):
        value = text(value)
        forms += [value, value.lstrip("#")]
    return tuple(dict.fromkeys(f for f in forms if f and "," not in f))


def _live_shipments(order: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    shipments = [s for s in items(order.get("shipments")) if isinstance(s, Mapping) and text(s.get("id"))]
    return [s for s in shipments if word_key(s.get("status")) != "cancelled"] or shipments


def shipment_for(
    order: Mapping[str, Any], *, skus: Sequence[str] = (), fulfillment_center: str = ""
) -> Mapping[str, Any] | None:
    """The shipment of `order` the returned items came from: the one holding most of `skus`, then one from
    the receiving fulfillment center, then the first; cancelled shipments only when there is nothing else."""
    wanted = set(skus)

    def score(shipment: Mapping[str, Any]) -> tuple[int, int]:
        shipped = {text(p.get("sku")) for p in items(shipment.get("products")) if isinstance(p, Mapping)}
        at_center = text(mapping(shipment.get("location")).get("id")) == fulfillment_center != ""
        return len(shipped & wanted), int(at_center)

    shipments = _live_shipments(order)
    return max(shipments, key=score) if shipments else None


def order_matching(data: Any, *, forms: Sequence[str]) -> Mapping[str, Any] | None:
    """GET /order → the order whose reference_id (or order_number) is the earliest of `forms` (a bare array;
    an `items` page is read too)."""
    rows = data.get("items") if isinstance(data, Mapping) else data
    orders = [o for o in items(rows) if isinstance(o, Mapping) and text(o.get("id"))]
    for form in forms:
        for order in orders:
            if form in (text(order.get("reference_id")), text(order.get("order_number"))):
                return order
    return None


def order_ref(order: Mapping[str, Any]) -> OrderRef:
    """An order as routing needs it: the fulfillment center that shipped it (its warehouse code) and, as its
    key, the shipment id a ShipBob return names as `original_shipment_id`."""
    shipment = shipment_for(order) or {}
    return OrderRef(
        external_order_id=text(order.get("id")),
        warehouse_code=text(mapping(shipment.get("location")).get("id")),
        order_key=text(shipment.get("id")),
        raw=dict(order),
    )
