"""TrackStar webhooks: Svix signatures (Standard Webhooks with `svix-` headers), and a parser per event.

https://docs.trackstarhq.com/how-to-guides/webhooks/webhooks ; https://docs.svix.com/receiving/verifying-payloads/how-manual
"""

from collections.abc import Mapping
from typing import Any

from integrations.inbound import InboundEvent
from integrations.inbound_errors import WebhookParseError
from integrations.payload_values import mapping, normalise_event_name, text
from integrations.providers.trackstar import mappers
from integrations.webhook_handler import Delivery, WebhookHandler
from integrations.webhook_signatures import StandardWebhooksSignature, header


def _return(delivery: Delivery) -> list[InboundEvent]:
    data = mapping(delivery.payload.get("data"))
    if not text(data.get("id")):
        raise WebhookParseError(f"TrackStar {delivery.event_type} without data.id")
    previous = delivery.payload.get("previous_attributes")
    event = mappers.return_event(data, previous if isinstance(previous, Mapping) else None)
    return [InboundEvent(delivery.event_type, delivery.delivery_id, event, external_event_id=delivery.delivery_id)]


def _shipment(delivery: Delivery) -> list[InboundEvent]:
    fulfillments = mappers.fulfillment_events(mapping(delivery.payload.get("data")))
    return [
        InboundEvent(delivery.event_type, delivery.delivery_id, f, external_event_id=delivery.delivery_id)
        for f in fulfillments
    ]


def _connection_error(delivery: Delivery) -> list[InboundEvent]:
    health = mappers.connection_health_event(delivery.event_type, mapping(delivery.payload.get("data")))
    return [InboundEvent(delivery.event_type, delivery.delivery_id, health, external_event_id=delivery.delivery_id)]


class TrackStarWebhooks(WebhookHandler):
    slug = "trackstar"
    display_name = "TrackStar"
    signature = StandardWebhooksSignature("svix-")
    # Names as normalise_event_name spells them (TrackStar mixes "_" and "-").
    events = {
        "return.created": _return,
        "return.updated": _return,
        "order.shipment.created": _shipment,
        "connection-error.created": _connection_error,
        "connection-error.updated": _connection_error,
        "connection-error.deleted": _connection_error,
    }

    def event_type(self, payload: dict[str, Any], headers: Mapping[str, str]) -> str:
        raw_type = text(payload.get("event_type"))
        if not raw_type:
            raise WebhookParseError("missing event_type: not a TrackStar webhook")
        if not self.delivery_id(headers):
            raise WebhookParseError("missing svix-id")
        return normalise_event_name(raw_type)

    def delivery_id(self, headers: Mapping[str, str]) -> str:
        return header(headers, "svix-id").strip()
