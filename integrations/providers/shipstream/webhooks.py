"""ShipStream webhook verification and parsing.

https://docs.shipstream.io/ref/webhook.html
"""

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING

from integrations.inbound import (
    IgnoredEvent,
    InboundEvent,
    VerificationResult,
    WebhookHandler,
    WebhookParseError,
    active_secrets,
    b64,
    content_key,
    header,
    hmac_digest,
    load_json_object,
    matches_any,
    text,
)
from integrations.providers.shipstream import mappers

if TYPE_CHECKING:
    from integrations.models import Connection


class ShipStreamWebhooks(WebhookHandler):
    slug = "shipstream"

    def verify(
        self, *, connection: "Connection", headers: Mapping[str, str], body: bytes, now: dt.datetime
    ) -> VerificationResult:
        """X-Plugin-Hmac-Sha256 = base64(HMAC-SHA256(secret_key, raw body))."""
        signature = header(headers, "X-Plugin-Hmac-Sha256").strip()
        if not signature:
            return VerificationResult(False, "missing X-Plugin-Hmac-Sha256 header")
        secrets = active_secrets(connection, now=now)
        if not secrets:
            return VerificationResult(False, "no webhook secret configured on the connection")
        if not matches_any(signature, [b64(hmac_digest(s.encode(), body)) for s in secrets]):
            return VerificationResult(False, "X-Plugin-Hmac-Sha256 does not match")
        return VerificationResult(True, "X-Plugin-Hmac-Sha256 valid")

    def parse(self, *, headers: Mapping[str, str], body: bytes) -> list[InboundEvent]:
        """No event id: topic + delivery + new status + event time identify an event."""
        payload = load_json_object(body)
        topic = text(payload.get("topic"))
        message = payload.get("message")
        if not topic or not isinstance(message, Mapping):
            raise WebhookParseError("missing topic or message: not a ShipStream webhook")
        key = content_key(
            topic,
            message.get("delivery_id") or message.get("increment_id"),
            message.get("new_status"),
            message.get("event_timestamp"),
        )
        if not topic.startswith("delivery:") or topic.startswith("delivery_label:"):
            return [InboundEvent(topic, key, IgnoredEvent(f"ShipStream {topic} is not handled"))]
        if text(message.get("delivery_type")) not in ("", "rma"):
            return [InboundEvent(topic, key, IgnoredEvent("not an RMA delivery"))]
        if not text(message.get("merchant_ref")):
            raise WebhookParseError(f"ShipStream {topic} without merchant_ref")
        return [InboundEvent(topic, key, mappers.delivery_event(topic, message))]
