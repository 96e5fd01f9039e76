"""Checking who sent a webhook: the signature schemes providers use, against the raw bytes and the connection's
current (and rotating) secrets, every comparison constant-time.

A provider's handler (integrations/providers/<slug>/webhooks.py) names its scheme:
`HmacBodySignature("X-Loop-Signature")`, `BearerToken()`, `StandardWebhooksSignature("svix-")`; a scheme
of its own (ShipMonk's Basic Auth) is a small class in its folder built from the helpers here.
"""

import base64
import binascii
import datetime as dt
import hashlib
import hmac
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from django.conf import settings

from integrations.inbound_errors import VerificationResult

if TYPE_CHECKING:
    from integrations.models import Connection


def header(headers: Mapping[str, str], name: str) -> str:
    """Case-insensitive header lookup over a plain dict."""
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return ""


def active_secrets(connection: "Connection", *, now: dt.datetime) -> list[str]:
    """The current webhook secret, plus the previous one while its rotation window is open."""
    secrets = [connection.webhook_secret] if connection.webhook_secret else []
    expires = connection.previous_webhook_secret_expires_at
    if connection.previous_webhook_secret and expires is not None and now < expires:
        secrets.append(connection.previous_webhook_secret)
    return secrets


def hmac_digest(key: bytes, message: bytes, algorithm: str = "sha256") -> bytes:
    return hmac.new(key, message, getattr(hashlib, algorithm)).digest()


def matches_any(candidate: str, expected: Iterable[str]) -> bool:
    """Constant-time compare against every expected value (no early exit that leaks which one)."""
    found = False
    for value in expected:
        found |= hmac.compare_digest(candidate.encode(), value.encode())
    return found


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def b64decode_or_none(value: str) -> bytes | None:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None


class SignatureScheme:
    """How a provider authenticates a delivery; verify() says yes or no and why, in one line."""

    def verify(
        self, *, connection: "Connection", headers: Mapping[str, str], body: bytes, now: dt.datetime
    ) -> VerificationResult:
        raise NotImplementedError


class HmacBodySignature(SignatureScheme):
    """`<header>: base64(HMAC(webhook secret, raw body))` (Loop's X-Loop-Signature, ShipStream's
    X-Plugin-Hmac-Sha256). Only the raw bytes: a provider signs its own JSON escaping."""

    def __init__(self, header_name: str, *, algorithm: str = "sha256") -> None:
        self.header_name, self.algorithm = header_name, algorithm

    def verify(
        self, *, connection: "Connection", headers: Mapping[str, str], body: bytes, now: dt.datetime
    ) -> VerificationResult:
        signature = header(headers, self.header_name).strip()
        if not signature:
            return VerificationResult(False, f"missing {self.header_name} header")
        secrets = active_secrets(connection, now=now)
        if not secrets:
            return VerificationResult(False, "no webhook secret configured on the connection")
        expected = [b64(hmac_digest(secret.encode(), body, self.algorithm)) for secret in secrets]
        if not matches_any(signature, expected):
            return VerificationResult(False, f"{self.header_name} does not match")
        return VerificationResult(True, f"{self.header_name} valid")


class BearerToken(SignatureScheme):
    """`Authorization: Bearer <the token we issued>` (Redo signs nothing), compared in constant time with the
    current token and the previous one while its rotation window is open."""

    def verify(
        self, *, connection: "Connection", headers: Mapping[str, str], body: bytes, now: dt.datetime
    ) -> VerificationResult:
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


def standard_webhooks_key(secret: str) -> bytes:
    """whsec_<base64> → the HMAC key; a secret without the prefix is used as given."""
    if secret.startswith("whsec_"):
        decoded = b64decode_or_none(secret.removeprefix("whsec_"))
        if decoded is not None:
            return decoded
    return secret.encode()


class StandardWebhooksSignature(SignatureScheme):
    """Standard Webhooks (Svix: TrackStar's `svix-` headers; ShipBob's `webhook-` headers):
    `<prefix>signature` holds space-separated `v1,<base64(HMAC-SHA256(key, "{id}.{timestamp}.{body}"))>`,
    the key being the base64 after `whsec_`; the timestamp must be within WEBHOOK_TIMESTAMP_TOLERANCE_SECONDS.
    https://www.standardwebhooks.com/ ; https://docs.svix.com/receiving/verifying-payloads/how-manual"""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix

    def verify(
        self, *, connection: "Connection", headers: Mapping[str, str], body: bytes, now: dt.datetime
    ) -> VerificationResult:
        p = self.prefix
        msg_id = header(headers, f"{p}id").strip()
        timestamp = header(headers, f"{p}timestamp").strip()
        signatures = header(headers, f"{p}signature").strip()
        if not (msg_id and timestamp and signatures):
            return VerificationResult(False, f"missing {p}id, {p}timestamp or {p}signature header")
        try:
            sent_at = int(timestamp)
        except ValueError:
            return VerificationResult(False, f"{p}timestamp is not an integer")
        # Checked before the HMAC: a replayed old request must fail even with a valid signature.
        # Integer arithmetic: a float would overflow on a 400-digit timestamp.
        if abs(int(now.timestamp()) - sent_at) > settings.WEBHOOK_TIMESTAMP_TOLERANCE_SECONDS:
            return VerificationResult(False, f"{p}timestamp outside the tolerance window")
        secrets = active_secrets(connection, now=now)
        if not secrets:
            return VerificationResult(False, "no webhook secret configured on the connection")
        signed = f"{msg_id}.{timestamp}.".encode() + body
        expected = [b64(hmac_digest(standard_webhooks_key(secret), signed)) for secret in secrets]
        candidates = [value for version, _, value in (s.partition(",") for s in signatures.split()) if version == "v1"]
        if not any(matches_any(candidate, expected) for candidate in candidates):
            return VerificationResult(False, f"{p}signature does not match")
        return VerificationResult(True, f"{p.rstrip('-')} signature valid")
