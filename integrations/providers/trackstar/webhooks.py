"""TrackStar webhook verification (Svix) and parsing.

https://docs.svix.com/receiving/verifying-payloads/how-manual
"""

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING

from django.conf import settings

from integrations.inbound import (
    IgnoredEvent,
    InboundEvent,
    VerificationResult,
    WebhookHandler,
    WebhookParseError,
    active_secrets,
    b64,
    b64decode_or_none,
    header,
    hmac_digest,
    load_json_object,
    matches_any,
    normalise_event_name,
    text,
)
from integrations.providers.trackstar import mappers

if TYPE_CHECKING:
    from integrations.models import Connection


def svix_key(secret: str) -> bytes:
    """whsec_<base64> → the HMAC key; a secret without the prefix is used as given."""
    if secret.startswith("whsec_"):
        decoded = b64decode_or_none(secret.removeprefix("whsec_"))
        if decoded is not None:
            return decoded
    return secret.encode()


class TrackStarWebhooks(WebhookHandler):
    slug = "trackstar"

    def verify(
        self, *, connection: "Connection", headers: Mapping[str, str], body: bytes, now: dt.datetime
    ) -> VerificationResult:
        """v1 = base64(HMAC-SHA256(key, "{svix-id}.{svix-timestamp}.{body}")), timestamp within tolerance."""
        msg_id = header(headers, "svix-id").strip()
        timestamp = header(headers, "svix-timestamp").strip()
        signatures = header(headers, "svix-signature").strip()
        if not (msg_id and timestamp and signatures):
            return VerificationResult(False, "missing svix-id, svix-timestamp or svix-signature header")
        try:
            sent_at = int(timestamp)
        except ValueError:
            return VerificationResult(False, "svix-timestamp is not an integer")
        # Checked before the HMAC: a replayed old request must fail even with a valid signature.
        # Integer arithmetic: a float would overflow on a 400-digit timestamp.
        if abs(int(now.timestamp()) - sent_at) > settings.WEBHOOK_TIMESTAMP_TOLERANCE_SECONDS:
            return VerificationResult(False, "svix-timestamp outside the tolerance window")
        secrets = active_secrets(connection, now=now)
        if not secrets:
            return VerificationResult(False, "no webhook secret configured on the connection")
        signed = f"{msg_id}.{timestamp}.".encode() + body
        expected = [b64(hmac_digest(svix_key(secret), signed)) for secret in secrets]
        candidates = [value for version, _, value in (s.partition(",") for s in signatures.split()) if version == "v1"]
        if not any(matches_any(candidate, expected) for candidate in candidates):
            return VerificationResult(False, "svix-signature does not match")
        return VerificationResult(True, "svix signature valid")

    def parse(self, *, headers: Mapping[str, str], body: bytes) -> list[InboundEvent]:
        """svix-id is stable across retries, so it is the dedupe key."""
        payload = load_json_object(body)
        raw_type = text(payload.get("event_type"))
        if not raw_type:
            raise WebhookParseError("missing event_type: not a TrackStar webhook")
        msg_id = header(headers, "svix-id").strip()
        if not msg_id:
            raise WebhookParseError("missing svix-id")
        name = normalise_event_name(raw_type)
        data = payload.get("data")
        if not isinstance(data, Mapping):
            data = {}
        if name in ("return.created", "return.updated"):
            if not text(data.get("id")):
                raise WebhookParseError(f"TrackStar {raw_type} without data.id")
            previous = payload.get("previous_attributes")
            event = mappers.return_event(data, previous if isinstance(previous, Mapping) else None)
            return [InboundEvent(name, msg_id, event, external_event_id=msg_id)]
        if name == "order.shipment.created":
            fulfillments = mappers.fulfillment_events(data)
            return [InboundEvent(name, msg_id, f, external_event_id=msg_id) for f in fulfillments]
        if name.startswith("connection-error."):
            health_event = mappers.connection_health_event(name, data)
            return [InboundEvent(name, msg_id, health_event, external_event_id=msg_id)]
        return [InboundEvent(name, msg_id, IgnoredEvent(f"TrackStar {raw_type} is not handled"), msg_id)]
