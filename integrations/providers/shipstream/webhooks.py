"""ShipStream webhooks: X-Plugin-Hmac-Sha256 over the raw body; the delivery (RMA) topics are parsed.

https://docs.shipstream.io/ref/webhook.html
"""

from collections.abc import Mapping
from typing import Any

from integrations.inbound import IgnoredEvent, InboundEvent
from integrations.inbound_errors import WebhookParseError
from integrations.payload_values import content_key, mapping, text
from integrations.providers.shipstream import mappers
from integrations.providers.shipstream.declaration import DECLARATION
from integrations.webhook_handler import Delivery, WebhookHandler
from integrations.webhook_signatures import HmacBodySignature


def _key(delivery: Delivery) -> str:
    """No event id: topic + delivery + new status + event time identify an event."""
    message = mapping(delivery.payload.get("message"))
    return content_key(
        delivery.event_type,
        message.get("delivery_id") or message.get("increment_id"),
        message.get("new_status"),
        message.get("event_timestamp"),
    )


def _delivery(delivery: Delivery) -> list[InboundEvent]:
    topic, message = delivery.event_type, mapping(delivery.payload.get("message"))
    if text(message.get("delivery_type")) not in ("", "rma"):
        return [InboundEvent(topic, _key(delivery), IgnoredEvent("not an RMA delivery"))]
    if not text(message.get("merchant_ref")):
        raise WebhookParseError(f"ShipStream {topic} without merchant_ref")
    return [InboundEvent(topic, _key(delivery), mappers.delivery_event(topic, message))]


class ShipStreamWebhooks(WebhookHandler):
    slug = "shipstream"
    display_name = "ShipStream"
    signature = HmacBodySignature("X-Plugin-Hmac-Sha256")
    # The delivery (RMA) topics Backhaul subscribes to, as its declaration lists them.
    events = {topic.name: _delivery for topic in DECLARATION.webhooks.topics if topic.name.startswith("delivery:")}

    def event_type(self, payload: dict[str, Any], headers: Mapping[str, str]) -> str:
        topic = text(payload.get("topic"))
        if not topic or not isinstance(payload.get("message"), Mapping):
            raise WebhookParseError("missing topic or message: not a ShipStream webhook")
        return topic

    def ignored_key(self, delivery: Delivery) -> str:
        return _key(delivery)
