"""Loop webhooks: X-Loop-Signature over the raw body, and a parser per topic and trigger.

https://docs.loopreturns.com/webhook-reference/validation.md
"""

from collections.abc import Mapping
from typing import Any

from integrations.inbound import InboundEvent
from integrations.inbound_errors import WebhookParseError
from integrations.payload_values import content_key, text
from integrations.providers.loop import mappers
from integrations.webhook_handler import Delivery, WebhookHandler
from integrations.webhook_signatures import HmacBodySignature


def _return(delivery: Delivery) -> list[InboundEvent]:
    payload = delivery.payload
    event = mappers.return_event(payload)
    key = content_key(
        *delivery.event_type.split(":"),
        event.data.external_id,
        payload.get("edited_at") or payload.get("created_at"),
        event.data.state,
    )
    return [InboundEvent(delivery.event_type, key, event)]


def _label(delivery: Delivery) -> list[InboundEvent]:
    label = mappers.label_event(delivery.payload)
    key = content_key(
        *delivery.event_type.split(":"),
        label.return_external_id,
        label.shipment.shipment_key,
        label.shipment.status,
        delivery.payload.get("label_updated_at"),
    )
    return [InboundEvent(delivery.event_type, key, label)]


def _label_request(delivery: Delivery) -> list[InboundEvent]:
    request = mappers.label_request_event(delivery.payload)
    return [
        InboundEvent(delivery.event_type, content_key(*delivery.event_type.split(":"), request.request_id), request)
    ]


def _shipment(delivery: Delivery) -> list[InboundEvent]:
    shipment = mappers.happy_returns_shipment_event(delivery.payload)
    if not shipment.shipment_id:
        raise WebhookParseError("happy.returns.shipment without happy_returns_shipment_id")
    key = content_key(*delivery.event_type.split(":"), shipment.shipment_id)
    return [InboundEvent(delivery.event_type, key, shipment)]


class LoopWebhooks(WebhookHandler):
    slug = "loop"
    display_name = "Loop"
    # Loop signs its own escaping (slashes, unicode), so only the raw bytes verify.
    signature = HmacBodySignature("X-Loop-Signature")
    # "<topic>:<trigger>", one delivery each.
    events = {
        **{f"return:{trigger}": _return for trigger in mappers.RETURN_CHANGES},
        **{f"label:{trigger}": _label for trigger in mappers.LABEL_CHANGES},
        **{f"label.request:{trigger}": _label_request for trigger in mappers.LABEL_REQUEST_CHANGES},
        "happy.returns.shipment:shipment.processed": _shipment,
    }
    ignored_events = frozenset({"restock:restock.requested"})

    def event_type(self, payload: dict[str, Any], headers: Mapping[str, str]) -> str:
        topic, trigger = text(payload.get("topic")), text(payload.get("trigger"))
        if not topic or not trigger:
            raise WebhookParseError("missing topic or trigger: not a Loop webhook")
        if not text(payload.get("id")) and topic != "happy.returns.shipment":
            raise WebhookParseError(f"{topic}:{trigger} without an id")
        return f"{topic}:{trigger}"
