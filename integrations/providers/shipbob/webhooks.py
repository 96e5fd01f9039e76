"""ShipBob webhooks: Standard Webhooks signatures (`webhook-id`, `webhook-timestamp`, `webhook-signature`
with the subscription's whsec_ secret), the topic in `x-webhook-topic`, and the return topics parsed.

https://developer.shipbob.com/webhooks ; PROVIDER.md "Webhooks" (what is documented and what is not).
"""

from collections.abc import Mapping
from typing import Any

from integrations.inbound import InboundEvent
from integrations.inbound_errors import WebhookParseError
from integrations.payload_values import text
from integrations.providers.shipbob import mappers
from integrations.providers.shipbob.declaration import RETURN_TOPICS
from integrations.webhook_handler import Delivery, WebhookHandler
from integrations.webhook_signatures import StandardWebhooksSignature, header

# ShipBob's other 2026-01 topics (Webhooks.Topics): a subscription that includes them is answered, not used.
OTHER_TOPICS = frozenset(
    {
        "order.shipped",
        "order.shipment.delivered",
        "order.shipment.exception",
        "order.shipment.on_hold",
        "order.shipment.cancelled",
        "billing.charge.created",
        "billing.refund.created",
        "billing.credit.created",
    }
)


def _return(delivery: Delivery) -> list[InboundEvent]:
    """return.* → the RMA's status and quantities. ShipBob publishes no body for these topics: the return is
    read wherever the likely shapes put it, and a body without SKUs is completed from the API before it is
    applied (ShipBobClient.inbound_event_enrich). The delivery's webhook-id is the dedupe key."""
    event = mappers.return_event(mappers.webhook_return(delivery.payload))
    if not (event.rma_number or event.external_id):
        raise WebhookParseError(f"ShipBob {delivery.event_type} names no return (no id, return_id or reference_id)")
    return [InboundEvent(delivery.event_type, delivery.delivery_id, event, external_event_id=delivery.delivery_id)]


class ShipBobWebhooks(WebhookHandler):
    slug = "shipbob"
    display_name = "ShipBob"
    signature = StandardWebhooksSignature("webhook-")
    events = {topic.name: _return for topic in RETURN_TOPICS}
    ignored_events = OTHER_TOPICS

    def event_type(self, payload: dict[str, Any], headers: Mapping[str, str]) -> str:
        """The topic ShipBob sends in x-webhook-topic (a `topic` in the body is read too, should it come there)."""
        topic = header(headers, "x-webhook-topic").strip() or text(payload.get("topic"))
        if not topic:
            raise WebhookParseError("missing x-webhook-topic header: not a ShipBob webhook")
        if not self.delivery_id(headers):
            raise WebhookParseError("missing webhook-id header")
        return topic.lower()

    def delivery_id(self, headers: Mapping[str, str]) -> str:
        return header(headers, "webhook-id").strip()
