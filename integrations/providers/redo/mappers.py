"""Redo JSON → provider-neutral DTOs (pure functions, no DB).

https://developers.redo.com/docs/guides/integrations/webhooks (return-read schema in @redotech/redo-api-schema)
"""

from collections.abc import Mapping
from typing import Any

from integrations.inbound import InboundReturnEvent, ReturnData, ReturnLineData, ReturnMethod, ReturnShipmentData
from integrations.payload_values import country_code, items, mapping, parse_timestamp, tag_list, text, to_int

PLATFORM = "redo"
EVENT_TYPES = {"created": "created", "updated": "updated", "backfill": "backfill"}


def _lines(raw_items: list[Any]) -> tuple[ReturnLineData, ...]:
    lines = []
    for item in raw_items:
        if not isinstance(item, Mapping) or not text(item.get("sku")):
            continue
        if item.get("greenReturn") is True:
            # A "green" return keeps the goods with the shopper: nothing reaches a warehouse.
            continue
        reasons = items(item.get("reasons"))
        lines.append(
            ReturnLineData(
                line_key=text(item.get("id")) or text(item.get("sku")),
                sku=text(item.get("sku")),
                quantity=max(to_int(item.get("quantity")) or 1, 1),
                title=text(item.get("productTitle") or item.get("title")),
                reason=text(item.get("reason")),
                parent_reason=text(reasons[0]) if len(reasons) > 1 else "",
                reason_code=text(item.get("reasonCode")),
                customer_comment=text(item.get("customerComment")),
                outcome=text(item.get("outcome")),
                external_line_ids=(text(item.get("id")),) if text(item.get("id")) else (),
            )
        )
    return tuple(lines)


def _shipments(ret: Mapping[str, Any], item_to_key: dict[str, str]) -> tuple[ReturnShipmentData, ...] | None:
    raw = ret.get("shipments")
    if not isinstance(raw, list):
        raw = [ret["shipment"]] if isinstance(ret.get("shipment"), Mapping) else None
    if raw is None:
        return None
    shipments = []
    for shipment in raw:
        if not isinstance(shipment, Mapping):
            continue
        tracking = text(shipment.get("tracker"))
        key = text(shipment.get("shipmentGroupId")) or tracking
        if not key:
            continue
        line_keys = sorted({item_to_key[i] for i in map(text, items(shipment.get("itemIds"))) if i in item_to_key})
        shipments.append(
            ReturnShipmentData(
                shipment_key=key,
                carrier=text(shipment.get("carrier")),
                tracking_number=tracking,
                status=text(shipment.get("status")),
                label_url=text(shipment.get("postageLabel") or shipment.get("formLabel")),
                line_keys=tuple(line_keys),
                cancelled=text(shipment.get("status")) == "cancelled",
            )
        )
    return tuple(shipments)


def _destination(ret: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    location_id = ""
    for shipment in [ret.get("shipment"), *items(ret.get("shipments"))]:
        if isinstance(shipment, Mapping) and text(shipment.get("externalLocationId")):
            location_id = text(shipment.get("externalLocationId"))
            break
    return location_id, dict(mapping(mapping(ret.get("destination")).get("mailingAddress")))


def return_method(shipments: tuple[ReturnShipmentData, ...] | None) -> str:
    """A shipment with a carrier's tracking number or postage label is mail; Redo's schema names no drop-off
    method, so nothing else is said ("")."""
    if any(s.tracking_number or s.label_url for s in shipments or () if not s.cancelled):
        return ReturnMethod.MAIL
    return ""


def return_event(payload: Mapping[str, Any]) -> InboundReturnEvent:
    """`{type, at, return, order}` → InboundReturnEvent.

    The shopper is `source` (its `mailingAddress`: state, postalCode, country); `destination` is the
    warehouse. Order tags: `order.tags` (the return's order, else the event's), read when present, as a
    list or Shopify's comma-separated string (the schema we hold does not list them)."""
    ret = mapping(payload.get("return"))
    order = mapping(ret.get("order")) or mapping(payload.get("order"))
    source = mapping(ret.get("source"))
    name = source.get("name")
    lines = _lines(items(ret.get("items")))
    item_to_key = {text(i.get("id")): text(i.get("id")) for i in items(ret.get("items")) if isinstance(i, Mapping)}
    location_id, address = _destination(ret)
    compensation = [text(c) for c in items(ret.get("compensationMethods"))]
    shopify_order_ids = items(ret.get("shopifyOrderIds"))
    shopper = mapping(source.get("mailingAddress"))
    shipments = _shipments(ret, item_to_key)
    tags = mapping(ret.get("order")).get("tags", mapping(payload.get("order")).get("tags"))
    data = ReturnData(
        platform=PLATFORM,
        external_id=text(ret.get("id")),
        order_name=text(order.get("name")),
        platform_order_id=text(order.get("id")),
        provider_order_id=text(shopify_order_ids[0]) if shopify_order_ids else "",
        customer_email=text(source.get("emailAddress")),
        customer_name=" ".join(text(name.get(k)) for k in ("given", "surname") if text(name.get(k)))
        if isinstance(name, Mapping)
        else "",
        state=text(ret.get("status")),
        outcome=compensation[0] if len(compensation) == 1 else "",
        destination_id=location_id,
        destination_address=address,
        customer_country_code=country_code(shopper.get("country"), shopper.get("countryCode")),
        customer_region=text(shopper.get("state") or shopper.get("province")),
        customer_postal_code=text(shopper.get("postalCode") or shopper.get("zip")),
        order_tags=tag_list(tags),
        return_method=return_method(shipments),
        platform_created_at=parse_timestamp(ret.get("createdAt")),
        # Redo delivers in order per return, but a backfill or replay can still arrive late.
        platform_updated_at=parse_timestamp(ret.get("updatedAt")) or parse_timestamp(payload.get("at")),
        is_test=any(ret.get(flag) is True or payload.get(flag) is True for flag in ("test", "isTest")),
        lines=lines,
        shipments=shipments,
    )
    return InboundReturnEvent(change=EVENT_TYPES[text(payload.get("type"))], data=data)
