"""Loop webhook verification and parsing.

https://docs.loopreturns.com/webhook-reference/validation.md
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
from integrations.providers.loop import mappers

if TYPE_CHECKING:
    from integrations.models import Connection


class LoopWebhooks(WebhookHandler):
    slug = "loop"

    def verify(
        self, *, connection: "Connection", headers: Mapping[str, str], body: bytes, now: dt.datetime
    ) -> VerificationResult:
        """X-Loop-Signature = base64(HMAC-SHA256(secret, raw body)); Loop signs its own escaping, so raw bytes only."""
        signature = header(headers, "X-Loop-Signature").strip()
        if not signature:
            return VerificationResult(False, "missing X-Loop-Signature header")
        secrets = active_secrets(connection, now=now)
        if not secrets:
            return VerificationResult(False, "no webhook secret configured on the connection")
        expected = [b64(hmac_digest(secret.encode(), body)) for secret in secrets]
        if not matches_any(signature, expected):
            return VerificationResult(False, "X-Loop-Signature does not match")
        return VerificationResult(True, "X-Loop-Signature valid")

    def parse(self, *, headers: Mapping[str, str], body: bytes) -> list[InboundEvent]:
        """One event per delivery; Loop sends no event id, so the key is built from the content."""
        payload = load_json_object(body)
        topic, trigger = text(payload.get("topic")), text(payload.get("trigger"))
        if not topic or not trigger:
            raise WebhookParseError("missing topic or trigger: not a Loop webhook")
        event_type = f"{topic}:{trigger}"
        if not text(payload.get("id")) and topic != "happy.returns.shipment":
            raise WebhookParseError(f"{event_type} without an id")
        if topic == "return" and trigger in mappers.RETURN_CHANGES:
            event = mappers.return_event(payload)
            key = content_key(
                topic,
                trigger,
                event.data.external_id,
                payload.get("edited_at") or payload.get("created_at"),
                event.data.state,
            )
            return [InboundEvent(event_type, key, event)]
        if topic == "label" and trigger in mappers.LABEL_CHANGES:
            label = mappers.label_event(payload)
            key = content_key(
                topic,
                trigger,
                label.return_external_id,
                label.shipment.shipment_key,
                label.shipment.status,
                payload.get("label_updated_at"),
            )
            return [InboundEvent(event_type, key, label)]
        if topic == "label.request" and trigger in mappers.LABEL_REQUEST_CHANGES:
            request = mappers.label_request_event(payload)
            return [InboundEvent(event_type, content_key(topic, trigger, request.request_id), request)]
        if topic == "happy.returns.shipment" and trigger == "shipment.processed":
            shipment = mappers.happy_returns_shipment_event(payload)
            if not shipment.happy_returns_shipment_id:
                raise WebhookParseError("happy.returns.shipment without happy_returns_shipment_id")
            key = content_key(topic, trigger, shipment.happy_returns_shipment_id)
            return [InboundEvent(event_type, key, shipment)]
        key = content_key(topic, trigger, payload.get("id"), payload.get("edited_at") or payload.get("created_at"))
        return [InboundEvent(event_type, key, IgnoredEvent(f"Loop {event_type} is not handled"))]
