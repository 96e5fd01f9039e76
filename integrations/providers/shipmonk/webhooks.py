"""ShipMonk webhooks: Basic Auth (and X-Sm-Signature when we set a key); ShipMonk names no event type, so the
kind of each delivery is told from its shape.

Basic Auth is the only scheme ShipMonk documents for shipment notifications; the newer
X-Sm-Signature (HMAC-SHA512 of the raw body, encoding undocumented) is checked when we set a key.
https://apidocs.shipmonk.com/reference (Webhooks, Data Integrity)
"""

import base64
import binascii
import datetime as dt
import hmac
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from integrations.inbound import InboundEvent
from integrations.inbound_errors import VerificationResult, WebhookParseError
from integrations.payload_values import content_key, text
from integrations.providers.shipmonk import mappers
from integrations.webhook_handler import Delivery, WebhookHandler
from integrations.webhook_signatures import SignatureScheme, active_secrets, b64, header, hmac_digest, matches_any

if TYPE_CHECKING:
    from integrations.models import Connection


def active_passwords(connection: "Connection", *, now: dt.datetime) -> list[str]:
    """The current Basic Auth password, plus the previous one while its rotation window is open."""
    passwords = [connection.webhook_password] if connection.webhook_password else []
    expires = connection.previous_webhook_password_expires_at
    if connection.previous_webhook_password and expires is not None and now < expires:
        passwords.append(connection.previous_webhook_password)
    return passwords


class BasicAuthThenSignature(SignatureScheme):
    """Basic Auth (always), then X-Sm-Signature when the connection has a signing key."""

    def verify(
        self, *, connection: "Connection", headers: Mapping[str, str], body: bytes, now: dt.datetime
    ) -> VerificationResult:
        authorization = header(headers, "Authorization").strip()
        scheme, _, encoded = authorization.partition(" ")
        if not authorization:
            return VerificationResult(False, "missing Authorization (Basic) header")
        if scheme.lower() != "basic":
            return VerificationResult(False, "Authorization is not Basic")
        try:
            username, sep, password = base64.b64decode(encoded.strip(), validate=True).decode().partition(":")
        except (binascii.Error, ValueError):
            return VerificationResult(False, "Basic credentials are not valid base64")
        passwords = active_passwords(connection, now=now)
        if not connection.webhook_username or not passwords:
            return VerificationResult(False, "no webhook username/password configured on the connection")
        user_ok = hmac.compare_digest(username.encode(), connection.webhook_username.encode())
        # Evaluate both before deciding, so a wrong user costs the same time as a wrong password.
        password_ok = matches_any(password, passwords)
        if not (sep and user_ok and password_ok):
            return VerificationResult(False, "Basic credentials do not match")

        secrets = active_secrets(connection, now=now)
        if not secrets:
            return VerificationResult(True, "Basic credentials valid")
        signature = header(headers, "X-Sm-Signature").strip()
        if not signature:
            return VerificationResult(False, "missing X-Sm-Signature header")
        digests = [hmac_digest(secret.encode(), body, "sha512") for secret in secrets]
        # The encoding is undocumented: accept hex (either case) or base64.
        expected = [d.hex() for d in digests] + [b64(d) for d in digests]
        candidate = signature.lower() if len(signature) == 128 else signature
        if not matches_any(candidate, expected):
            return VerificationResult(False, "X-Sm-Signature does not match")
        return VerificationResult(True, "Basic credentials and X-Sm-Signature valid")


def _return_status(delivery: Delivery) -> list[InboundEvent]:
    event = mappers.return_status_event(delivery.payload)
    # A return the warehouse made itself has no RMA number: ShipMonk's own id tells it apart.
    named = event.rma_number or f"id:{event.external_id}"
    key = content_key("return", named, event.warehouse_status, delivery.payload.get("updated_at"))
    return [InboundEvent(delivery.event_type, key, event)]


def _shipment_notification(delivery: Delivery) -> list[InboundEvent]:
    fulfillment = mappers.fulfillment_event(delivery.payload)
    return [InboundEvent(delivery.event_type, fulfillment.data.shipment_key, fulfillment)]


class ShipMonkWebhooks(WebhookHandler):
    slug = "shipmonk"
    display_name = "ShipMonk"
    signature = BasicAuthThenSignature()
    events = {"return.status_changed": _return_status, "order.shipment_notification": _shipment_notification}
    ignored_events = frozenset({"order.status_changed", "receiving.status_changed"})

    def event_type(self, payload: dict[str, Any], headers: Mapping[str, str]) -> str:
        """ShipMonk names no event type: tell the webhook kinds apart by their shape."""
        if "status" in payload and (text(payload.get("rma")) or ("rma" in payload and "return_reason" in payload)):
            # A return: ours carry our RMA number; one the warehouse made itself (a parcel nobody announced)
            # has an empty `rma`, and the return object's other keys.
            return "return.status_changed"
        if "processing_status" in payload and text(payload.get("order_key")):
            return "order.status_changed"
        if text(payload.get("order_key")) and ("packages" in payload or "shipped_at" in payload):
            return "order.shipment_notification"
        if "receiving_status" in payload or "asn" in payload:
            return "receiving.status_changed"
        raise WebhookParseError("unknown ShipMonk payload: expected a shipment notification or a return")

    def ignored_key(self, delivery: Delivery) -> str:
        payload = delivery.payload
        if delivery.event_type == "order.status_changed":
            return content_key("order", payload.get("order_key"), payload.get("processing_status"))
        return content_key("receiving", payload.get("id"), payload.get("status"))
