"""Redo webhook verification and parsing.

Redo signs nothing: every delivery carries `Authorization: Bearer <the token we issued>`.
https://developers.redo.com/docs/api-reference/authentication
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
    content_key,
    header,
    load_json_object,
    matches_any,
    text,
)
from integrations.providers.redo import mappers

if TYPE_CHECKING:
    from integrations.models import Connection


class RedoWebhooks(WebhookHandler):
    slug = "redo"

    def verify(
        self, *, connection: "Connection", headers: Mapping[str, str], body: bytes, now: dt.datetime
    ) -> VerificationResult:
        """Constant-time compare of the bearer token with the current (and rotating) token."""
        authorization = header(headers, "Authorization").strip()
        scheme, _, token = authorization.partition(" ")
        if not authorization:
            return VerificationResult(False, "missing Authorization header")
        if scheme.lower() != "bearer" or not token.strip():
            return VerificationResult(False, "Authorization is not a Bearer token")
        secrets = active_secrets(connection, now=now)
        if not secrets:
            return VerificationResult(False, "no webhook token configured on the connection")
        if not matches_any(token.strip(), secrets):
            return VerificationResult(False, "bearer token does not match")
        return VerificationResult(True, "bearer token valid")

    def parse(self, *, headers: Mapping[str, str], body: bytes) -> list[InboundEvent]:
        """Redo sends no event id: the key is type + return id + updatedAt (+ status)."""
        payload = load_json_object(body)
        event_type = text(payload.get("type"))
        if not event_type:
            raise WebhookParseError("missing type: not a Redo webhook")
        ret = payload.get("return")
        if event_type not in mappers.EVENT_TYPES:
            key = content_key("redo", event_type, payload.get("at"))
            return [InboundEvent(event_type, key, IgnoredEvent(f"Redo {event_type} is not handled"))]
        if not isinstance(ret, Mapping) or not text(ret.get("id")):
            raise WebhookParseError(f"Redo {event_type} without a return id")
        event = mappers.return_event(payload)
        key = content_key(
            event_type, event.data.external_id, ret.get("updatedAt") or payload.get("at"), event.data.state
        )
        return [InboundEvent(f"return.{event_type}", key, event)]
