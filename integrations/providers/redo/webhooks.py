"""Redo webhooks: a bearer token we issued (Redo signs nothing), and one parser for its return events.

https://developers.redo.com/docs/api-reference/authentication
"""

from collections.abc import Mapping
from typing import Any

from integrations.inbound import InboundEvent
from integrations.inbound_errors import WebhookParseError
from integrations.payload_values import content_key, mapping, text
from integrations.providers.redo import mappers
from integrations.webhook_handler import Delivery, WebhookHandler
from integrations.webhook_signatures import BearerToken


def _return(delivery: Delivery) -> list[InboundEvent]:
    """Redo sends no event id: the key is type + return id + updatedAt (+ status)."""
    payload, event_type = delivery.payload, delivery.event_type
    ret = mapping(payload.get("return"))
    if not text(ret.get("id")):
        raise WebhookParseError(f"Redo {event_type} without a return id")
    event = mappers.return_event(payload)
    key = content_key(event_type, event.data.external_id, ret.get("updatedAt") or payload.get("at"), event.data.state)
    return [InboundEvent(f"return.{event_type}", key, event)]


class RedoWebhooks(WebhookHandler):
    slug = "redo"
    display_name = "Redo"
    signature = BearerToken()
    events = dict.fromkeys(mappers.EVENT_TYPES, _return)

    def event_type(self, payload: dict[str, Any], headers: Mapping[str, str]) -> str:
        event_type = text(payload.get("type"))
        if not event_type:
            raise WebhookParseError("missing type: not a Redo webhook")
        return event_type

    def ignored_key(self, delivery: Delivery) -> str:
        return content_key("redo", delivery.event_type, delivery.payload.get("at"))
