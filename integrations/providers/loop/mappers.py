"""Loop JSON → provider-neutral DTOs (pure functions, no DB).

https://docs.loopreturns.com/webhook-reference/topics/return
"""

from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from integrations.inbound import (
    InboundLabelEvent,
    InboundLabelRequestEvent,
    InboundReturnEvent,
    InboundShipmentLookupEvent,
    ReturnData,
    ReturnLineData,
    ReturnMethod,
    ReturnShipmentData,
)
from integrations.payload_values import (
    country_code,
    items,
    mapping,
    parse_timestamp,
    tag_list,
    text,
    to_decimal,
    to_int,
)

PLATFORM = "loop"
RETURN_CHANGES = {"return.created": "created", "return.updated": "updated", "return.closed": "closed"}
LABEL_CHANGES = {"label.created": "label_created", "label.updated": "label_updated"}
LABEL_REQUEST_CHANGES = {
    "label.request.issued": "label_request_issued",
    "label.request.cancelled": "label_request_cancelled",
}
# Loop writes "N/A" where there is no tracking number yet.
_NO_TRACKING = {"", "n/a", "na", "none", "null"}


def is_test_payload(payload: Mapping[str, Any]) -> bool:
    return any(payload.get(flag) is True for flag in ("test", "is_test", "test_mode"))


def _tracking(value: Any) -> str:
    raw = text(value)
    return "" if raw.lower() in _NO_TRACKING else raw


def _line_key(item: Mapping[str, Any]) -> str:
    # Loop sends one line item per returned unit; units of one SKU with the same reason and
    # outcome become one line, so a line's key is stable across updates of the return.
    return "|".join((text(item.get("sku")), text(item.get("return_reason")), text(item.get("outcome"))))


def return_lines(line_items: list[Mapping[str, Any]]) -> tuple[tuple[ReturnLineData, ...], dict[str, str]]:
    """Group per-unit line items; also return Loop line_item_id → our line key (labels name units)."""
    groups: OrderedDict[str, list[Mapping[str, Any]]] = OrderedDict()
    unit_to_key: dict[str, str] = {}
    for item in line_items:
        if not isinstance(item, Mapping) or not text(item.get("sku")):
            continue
        key = _line_key(item)
        groups.setdefault(key, []).append(item)
        unit_to_key[text(item.get("line_item_id"))] = key
    lines = []
    for key, units in groups.items():
        first = units[0]
        lines.append(
            ReturnLineData(
                line_key=key,
                sku=text(first.get("sku")),
                quantity=sum(max(to_int(unit.get("quantity")) or 1, 1) for unit in units),
                title=text(first.get("title")),
                reason=text(first.get("return_reason")),
                parent_reason=text(first.get("parent_return_reason")),
                reason_code=text(first.get("return_reason_code")),
                customer_comment=text(first.get("return_comment")),
                outcome=text(first.get("outcome")),
                external_line_ids=tuple(text(unit.get("line_item_id")) for unit in units),
                destination_key=text(first.get("consolidation_destination_id")),
            )
        )
    return tuple(lines), unit_to_key


def _shipments(payload: Mapping[str, Any], unit_to_key: dict[str, str]) -> tuple[ReturnShipmentData, ...] | None:
    labels = payload.get("labels")
    shipments: list[ReturnShipmentData] = []
    if isinstance(labels, list):
        for label in labels:
            if not isinstance(label, Mapping):
                continue
            tracking = _tracking(label.get("tracking_number"))
            key = tracking or text(label.get("url"))
            if not key:
                continue
            line_keys = sorted({unit_to_key[u] for u in map(text, items(label.get("line_items"))) if u in unit_to_key})
            shipments.append(
                ReturnShipmentData(
                    shipment_key=key,
                    carrier=text(label.get("carrier")),
                    tracking_number=tracking,
                    status=text(label.get("status")),
                    label_url=text(label.get("url")),
                    line_keys=tuple(line_keys),
                    updated_at=parse_timestamp(label.get("updated_at")),
                )
            )
        return tuple(shipments)
    # Older payloads carry one flat label.
    tracking = _tracking(payload.get("tracking_number"))
    if tracking:
        return (
            ReturnShipmentData(
                shipment_key=tracking,
                carrier=text(payload.get("carrier")),
                tracking_number=tracking,
                status=text(payload.get("label_status")),
                label_url=text(payload.get("label_url")),
                updated_at=parse_timestamp(payload.get("label_updated_at")),
            ),
        )
    return None


def _customer_name(payload: Mapping[str, Any]) -> str:
    detail = mapping(payload.get("customer_detail"))
    name = " ".join(text(detail.get(k)) for k in ("first_name", "last_name") if text(detail.get(k)))
    return name or text(mapping(payload.get("address")).get("name"))


# Words of Loop's `return_method{provider, method_type}` (Loop's data export; the webhook's values are not
# documented) that name a drop-off rather than a parcel posted with a label (a printerless QR code is a label).
_DROP_OFF_WORDS = ("drop", "in_store", "in-store", "locker", "counter")
_MAIL_WORDS = ("mail", "label", "ship", "carrier", "post", "qr")


def return_method(payload: Mapping[str, Any], shipments: tuple[ReturnShipmentData, ...] | None) -> str:
    """How the parcel travels, as ReturnMethod: a Happy Returns shipment id (the webhook documents "the Happy
    Returns shipment ID"; `happy_returns_shipment_id` is the name Loop's Happy Returns webhook uses) or a
    `return_method` naming Happy Returns is a Happy Returns drop-off; another drop-off named by
    `return_method` is a drop-off; a carrier label is mail; "" when nothing says."""
    method = mapping(payload.get("return_method"))
    words = " ".join(text(method.get(key)).lower() for key in ("provider", "method_type", "type"))
    if text(payload.get("happy_returns_shipment_id")) or "happy" in words:
        return ReturnMethod.HAPPY_RETURNS
    if any(word in words for word in _DROP_OFF_WORDS):
        return ReturnMethod.DROP_OFF
    if any(word in words for word in _MAIL_WORDS):
        return ReturnMethod.MAIL
    if any(s.tracking_number or s.label_url for s in shipments or ()):
        return ReturnMethod.MAIL
    return ""


def return_event(payload: Mapping[str, Any]) -> InboundReturnEvent:
    """`topic: return` → InboundReturnEvent (lines grouped by SKU, labels as shipments).

    The shopper's address is `address` (the order's shipping address, or the one a gift return typed).
    Order tags: the webhook documents none; `order_tags` (or `tags`) is read when present, as a list or
    Shopify's comma-separated string."""
    lines, unit_to_key = return_lines([i for i in items(payload.get("line_items")) if isinstance(i, Mapping)])
    created_at = parse_timestamp(payload.get("created_at"))
    outcomes = {line.outcome for line in lines if line.outcome and line.outcome != "default"}
    shipments = _shipments(payload, unit_to_key)
    address = mapping(payload.get("address"))
    data = ReturnData(
        platform=PLATFORM,
        external_id=text(payload.get("id")),
        order_name=text(payload.get("order_name")),
        order_number=text(payload.get("order_number") or payload.get("provider_order_number")),
        platform_order_id=text(payload.get("order_id")),
        provider_order_id=text(payload.get("provider_order_id")),
        customer_email=text(payload.get("customer")),
        customer_name=_customer_name(payload),
        state=text(payload.get("state")),
        currency=text(payload.get("currency")),
        total=to_decimal(payload.get("return_total") or payload.get("total")),
        outcome=text(payload.get("outcome")) or (outcomes.pop() if len(outcomes) == 1 else ""),
        destination_id=text(payload.get("destination_id")),
        customer_country_code=country_code(address.get("country_code"), address.get("country")),
        customer_region=text(address.get("state") or address.get("province")),
        customer_postal_code=text(address.get("zip")),
        order_tags=tag_list(payload.get("order_tags", payload.get("tags"))),
        return_method=return_method(payload, shipments),
        platform_created_at=created_at,
        # edited_at is null until the first edit; created_at then orders the versions.
        platform_updated_at=parse_timestamp(payload.get("edited_at")) or created_at,
        is_test=is_test_payload(payload),
        lines=lines,
        shipments=shipments,
    )
    return InboundReturnEvent(change=RETURN_CHANGES[text(payload.get("trigger"))], data=data)


def label_event(payload: Mapping[str, Any]) -> InboundLabelEvent:
    """`topic: label`: `id` is the return id (older payloads: `return_id`); `shipment_id` names the label,
    `label_updated_at` is its own update time (intake ignores an event older than the label it holds)."""
    tracking = _tracking(payload.get("tracking_number"))
    updated_at = parse_timestamp(payload.get("label_updated_at"))
    return InboundLabelEvent(
        platform=PLATFORM,
        return_external_id=text(payload.get("return_id") or payload.get("id")),
        change=LABEL_CHANGES[text(payload.get("trigger"))],
        shipment=ReturnShipmentData(
            shipment_key=tracking or text(payload.get("shipment_id")),
            carrier=text(payload.get("carrier")),
            tracking_number=tracking,
            status=text(payload.get("label_status") or payload.get("status")),
            label_url=text(payload.get("url") or payload.get("label_url")),
            platform_shipment_id=text(payload.get("shipment_id")),
            updated_at=updated_at,
        ),
        updated_at=updated_at,
    )


def label_request_event(payload: Mapping[str, Any]) -> InboundLabelRequestEvent:
    destination = mapping(mapping(payload.get("addresses")).get("destination"))
    return InboundLabelRequestEvent(
        platform=PLATFORM,
        return_external_id=text(payload.get("return_id")),
        request_id=text(payload.get("id")),
        change=LABEL_REQUEST_CHANGES[text(payload.get("trigger"))],
        destination_address=dict(destination),
    )


def happy_returns_shipment_event(payload: Mapping[str, Any]) -> InboundShipmentLookupEvent:
    return InboundShipmentLookupEvent(
        reference=text(payload.get("loop_shipment_id")),
        shipment_id=text(payload.get("happy_returns_shipment_id")),
    )


def happy_returns_shipment_labels(shipment: Mapping[str, Any]) -> list[InboundLabelEvent]:
    """The fetched Happy Returns shipment → one label event per return it carries.

    The key names of this response are not documented in our sources, so read leniently:
    the shipment's tracking / carrier / status apply to every return id listed in it.
    """
    data = shipment.get("data")
    body: Mapping[str, Any] = data if isinstance(data, Mapping) else shipment
    tracking = _tracking(body.get("tracking_number") or body.get("tracking"))
    key = tracking or text(body.get("bag_barcode") or body.get("id") or body.get("happy_returns_shipment_id"))
    return_ids: list[str] = [text(r) for r in items(body.get("return_ids")) if text(r)]
    for item in items(body.get("items")) or items(body.get("returns")):
        if isinstance(item, Mapping) and text(item.get("return_id")):
            return_ids.append(text(item.get("return_id")))
    events = []
    for return_id in dict.fromkeys(return_ids):
        events.append(
            InboundLabelEvent(
                platform=PLATFORM,
                return_external_id=return_id,
                change="label_updated",
                shipment=ReturnShipmentData(
                    shipment_key=key,
                    carrier=text(body.get("carrier")) or "Happy Returns",
                    tracking_number=tracking,
                    status=text(body.get("status") or body.get("shipment_status")),
                ),
                updated_at=parse_timestamp(body.get("updated_at")),
                if_return_known=True,
            )
        )
    return events
