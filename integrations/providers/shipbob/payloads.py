"""ShipBob request bodies, built from DTOs (pure functions, no I/O).

POST /2026-01/return and PUT /2026-01/return/{id} take the same CreateReturnRequest (the PUT replaces the
return whole): https://developer.shipbob.com/2026-01/api/returns/create-return-order ; PROVIDER.md "Create".
"""

from collections.abc import Mapping
from typing import Any

from integrations.base import RmaPayload
from integrations.exceptions import ProviderConfigurationError
from integrations.payload_values import items, mapping, text, to_int
from integrations.providers._common import compact
from integrations.providers.shipbob.mappers import identifier, word_key

# The ReturnAction enum (requested_action): "Default" lets the item's own return preference in ShipBob decide.
RETURN_ACTIONS = ("Default", "Restock", "Quarantine", "Dispose")
_ACTION_FOR_INSTRUCTION = {
    "restock": "Restock",
    "inspect": "Quarantine",
    "quarantine": "Quarantine",
    "dispose": "Dispose",
}
REFERENCE_MAX = 50  # reference_id: 1 to 50 characters
TRACKING_MAX = 500


def requested_action(instruction: str) -> str:
    """Backhaul's instruction → ShipBob's requested_action. Inspecting means holding the units aside for a
    person, which is what ShipBob's Quarantine does; no instruction leaves it to the item's own preference."""
    return _ACTION_FOR_INSTRUCTION.get(instruction, "Default")


def fulfillment_center_id(warehouse_code: str) -> int:
    """The location's ShipBob fulfillment center id, a number from GET /fulfillment-center."""
    try:
        return int(warehouse_code)
    except ValueError:
        raise ProviderConfigurationError(
            f"the shipping location's ShipBob fulfillment center id must be a number from ShipBob's list of "
            f"fulfillment centers, not {warehouse_code!r}"
        ) from None


def reference_id(number: str) -> str:
    if not 1 <= len(number) <= REFERENCE_MAX:
        raise ProviderConfigurationError(
            f"RMA number {number!r} does not fit ShipBob's reference_id (1 to {REFERENCE_MAX} characters)"
        )
    return number


def inventory_lines(payload: RmaPayload, inventory_ids: Mapping[str, int]) -> list[dict[str, Any]]:
    """One line per inventory id, as ShipBob requires: SKUs that resolve to the same inventory item are summed,
    and when they were asked different actions the units are quarantined, so a person decides."""
    merged: dict[int, dict[str, Any]] = {}
    for line in payload.lines:
        inventory_id = inventory_ids[line.sku]
        action = requested_action(line.instruction)
        entry = merged.setdefault(inventory_id, {"id": inventory_id, "quantity": 0, "requested_action": action})
        entry["quantity"] += line.quantity
        if entry["requested_action"] != action:
            entry["requested_action"] = "Quarantine"
    return list(merged.values())


def return_create_body(
    payload: RmaPayload, *, inventory_ids: Mapping[str, int], original_shipment_id: int | None = None
) -> dict[str, Any]:
    """Body of POST /2026-01/return. ShipBob holds one tracking number per return (one box, one return): the
    first label's. reference_id is our RMA number, which is how the return is found again."""
    body = {
        "reference_id": reference_id(payload.number),
        "fulfillment_center": {"id": fulfillment_center_id(payload.warehouse_code)},
        "inventory": inventory_lines(payload, inventory_ids),
        "tracking_number": (payload.tracking_numbers or ("",))[0][:TRACKING_MAX],
        "original_shipment_id": original_shipment_id,
    }
    return compact(body)


def _lot(item: Mapping[str, Any]) -> dict[str, Any]:
    lot = mapping(item.get("lot_information"))
    return {"lot_number": text(lot.get("number")), "lot_date": text(lot.get("expiration"))}


def return_update_body(current: Mapping[str, Any], *, tracking_number: str) -> dict[str, Any]:
    """Body of PUT /2026-01/return/{id}: the return as ShipBob holds it (GET /return/{id}), with the new
    tracking number. The PUT replaces the whole return, so nothing it has may be left out."""
    inventory = []
    for item in items(current.get("inventory")):
        if not isinstance(item, Mapping):
            continue
        asked = text(mapping(item.get("action_requested")).get("action"))
        action = next((a for a in RETURN_ACTIONS if word_key(a) == word_key(asked)), "Default")
        inventory.append(
            {"id": identifier(item.get("id")), "quantity": to_int(item.get("quantity")), "requested_action": action}
            | _lot(item)
        )
    body = {
        "reference_id": text(current.get("reference_id")),
        "fulfillment_center": {"id": identifier(mapping(current.get("fulfillment_center")).get("id"))},
        "inventory": inventory,
        "tracking_number": tracking_number[:TRACKING_MAX],
        "original_shipment_id": identifier(current.get("original_shipment_id")),
    }
    return compact(body)
