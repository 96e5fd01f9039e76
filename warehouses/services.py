"""Outbound fulfilments reported by the WMS (which warehouse shipped which order)."""

from django.db import transaction
from django.db.models import Q

from integrations.inbound import FulfillmentData, InboundFulfillmentEvent
from integrations.models import Connection
from warehouses.models import Fulfillment, ShippingLocation


@transaction.atomic
def fulfillment_upsert(*, connection: Connection, data: FulfillmentData, webhook_id: int | None) -> Fulfillment:
    """Create or update one shipment of an order; the key tells split shipments apart and repeats are no-ops."""
    location = None
    if data.warehouse_code:
        location = (
            ShippingLocation.objects.filter(store_id=connection.store_id)
            .filter(Q(wms_warehouse_code=data.warehouse_code) | Q(trackstar_warehouse_id=data.warehouse_code))
            .order_by("-warehouse_connection_id")
            .first()
        )
    fulfillment, _ = Fulfillment.objects.update_or_create(
        store_id=connection.store_id,
        shipment_key=data.shipment_key,
        defaults={
            "warehouse_connection": connection,
            "location": location,
            "order_key": data.order_key,
            "order_number": data.order_number,
            "external_order_id": data.external_order_id,
            "warehouse_code": data.warehouse_code,
            "carrier": data.carrier,
            "service": data.service,
            "tracking_numbers": list(data.tracking_numbers),
            "packages": [dict(p) for p in data.packages],
            "items": [dict(i) for i in data.items],
            "ordered_at": data.ordered_at,
            "shipped_at": data.shipped_at,
            "source_webhook_id": webhook_id,
        },
    )
    return fulfillment


def fulfillment_event_apply(
    *, connection: Connection, prepared: InboundFulfillmentEvent, webhook_id: int | None
) -> str:
    """The handler-table form of fulfillment_upsert (registered in WarehousesConfig.ready)."""
    fulfillment_upsert(connection=connection, data=prepared.data, webhook_id=webhook_id)
    return ""
