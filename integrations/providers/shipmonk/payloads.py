"""ShipMonk request bodies, built from DTOs (pure functions, no I/O).

https://apidocs.shipmonk.com/reference (POST /v1/integrations/returns, an upsert keyed on `rma`)
"""

from typing import Any

from integrations.base import ReasonCategory, RmaPayload
from integrations.providers._common import compact, full_note

RETURN_REASONS = (
    "reason_exchange",
    "reason_changed_mind",
    "reason_undeliverable",
    "reason_unknown",
    "reason_incorrect_product",
)
DESIRED_ACTIONS = ("received_back_into_inventory", "damaged_not_resellable")

_REASON_MAP: dict[str, str] = {
    ReasonCategory.EXCHANGE: "reason_exchange",
    ReasonCategory.CHANGED_MIND: "reason_changed_mind",
    ReasonCategory.UNDELIVERABLE: "reason_undeliverable",
    ReasonCategory.INCORRECT_PRODUCT: "reason_incorrect_product",
}


def return_reason(category: str) -> str:
    """Backhaul's reason category → ShipMonk's return_reason enum (reason_unknown when unmapped)."""
    return _REASON_MAP.get(category, "reason_unknown")


def desired_action(instruction: str) -> str:
    """Only a restock goes back into inventory; inspect / quarantine / dispose must not be sold as new.

    No matching rule (blank) counts as restock, the normal fate of a return.
    """
    if instruction in ("", "restock"):
        return "received_back_into_inventory"
    return "damaged_not_resellable"


def return_upsert_body(payload: RmaPayload) -> dict[str, Any]:
    """Body of POST /v1/integrations/returns; only keys of ShipMonk's schema (it refuses others)."""
    try:
        store_id = int(payload.account_id)
    except ValueError:
        store_id = None  # compact() drops it; ShipMonk then answers 422, which names the field
    body: dict[str, Any] = {
        "warehouse": payload.warehouse_code,
        "rma": payload.number,
        "store_id": store_id,
        "return_reason": return_reason(payload.reason_category),
        "items": [
            {"sku": line.sku, "expected_quantity": line.quantity, "desired_action": desired_action(line.instruction)}
            for line in payload.lines
        ],
        "order_key": payload.order_key,
        # The items have no note field: reasons go here, one line per SKU (Loop↔ShipMonk behaviour).
        "note": full_note(payload),
        "tracking_numbers": list(payload.tracking_numbers),
        # value is an object in ShipMonk's schema, not a string.
        "custom_data": [
            {
                "name": "backhaul",
                "value": compact(
                    {
                        "platform": payload.platform,
                        "return_id": payload.platform_return_id,
                        "order_name": payload.order_name,
                        "carrier": payload.carrier,
                        "service": payload.service,
                    }
                ),
            }
        ],
    }
    if payload.tracking_numbers:
        body["tracking_number"] = payload.tracking_numbers[0]
    if not payload.order_key and payload.order_name:
        # Without ShipMonk's own order key the order is still linked by its number.
        body["references_to_related_order"] = {"order_number": payload.order_name, "search_in_all_stores": False}
    return compact(body)
