"""ShipStream JSON → provider-neutral DTOs (pure functions, no DB).

https://docs.shipstream.io/ref/topics.html (delivery:* topics)
"""

from collections.abc import Mapping
from typing import Any

from integrations.inbound import InboundWarehouseReturnEvent, WarehouseLineData, parse_timestamp, text, to_int

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
    )
