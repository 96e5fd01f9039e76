"""ShipStream JSON-RPC bodies, built from DTOs (pure functions, no I/O).

https://docs.shipstream.io/ref/delivery.html (an RMA is a delivery of type "rma").
"""

from typing import Any

from integrations.base import RmaPayload
from integrations.providers._common import compact, full_note

INSTRUCTION_TEXT = {
    "restock": "Restock if resellable",
    "inspect": "Inspect before restocking",
    "quarantine": "Quarantine, do not restock",
    "dispose": "Dispose, do not restock",
}


def rpc(method: str, args: list[Any], *, request_id: int = 1) -> dict[str, Any]:
    """A JSON-RPC 2.0 `call` with a null session: Basic auth carries the credentials."""
    return {"jsonrpc": "2.0", "id": request_id, "method": "call", "params": [None, method, args]}


def special_requirements(payload: RmaPayload) -> str:
    """Per-SKU processing instructions in the warehouse's words."""
    lines = []
    for line in payload.lines:
        if line.instruction:
            text = INSTRUCTION_TEXT.get(line.instruction, line.instruction)
            lines.append(f"{line.sku}: {text}{f' ({line.instruction_note})' if line.instruction_note else ''}")
    return "\n".join(lines)


def delivery_data(payload: RmaPayload) -> dict[str, Any]:
    """The `data` argument of delivery.create; only documented fields."""
    try:
        warehouse_id: int | None = int(payload.warehouse_code)
    except ValueError:
        warehouse_id = None
    return compact(
        {
            "warehouse_id": warehouse_id,
            "merchant_ref": payload.number,
            "sender_ref_alt": payload.order_name,
            "sender_name": payload.customer_name,
            "tracking_numbers": list(payload.tracking_numbers),
            "carrier_name": payload.carrier,
            "comments": full_note(payload),
            "special_requirements": special_requirements(payload),
        }
    )


def delivery_create_args(payload: RmaPayload) -> list[Any]:
    """delivery.create("rma", data, items)."""
    items = [{"sku": line.sku, "qty": line.quantity} for line in payload.lines]
    return ["rma", delivery_data(payload), items]


def delivery_tracking_update_args(external_id: str, payload: RmaPayload) -> list[Any]:
    """delivery.update(increment_id, data, addItems, removeItems) with only the tracking."""
    data = compact({"tracking_numbers": list(payload.tracking_numbers), "carrier_name": payload.carrier})
    return [external_id, data, None, None]
