"""The inbound webhook interface and the provider-neutral event DTOs webhooks are mapped to.

Handlers (integrations/providers/<slug>/webhooks.py) verify against the raw bytes and parse
into the frozen dataclasses below; mappers are pure; services are the only code that writes.
"""

import abc
import base64
import binascii
import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, ClassVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils.dateparse import parse_datetime

if TYPE_CHECKING:
    from integrations.models import Connection


# --- results and errors ------------------------------------------------------------------


@dataclass(frozen=True)
class VerificationResult:
    ok: bool
    reason: str = ""


class WebhookParseError(ValueError):
    """The body is not JSON or not a shape we know: answered 400 with this one-line reason."""


class WebhookRetryLater(Exception):
    """The event depends on something not there yet (a label before its return): retry with a countdown."""


# --- provider-neutral DTOs ---------------------------------------------------------------


@dataclass(frozen=True)
class ReturnLineData:
    line_key: str
    sku: str
    quantity: int
    title: str = ""
    reason: str = ""
    parent_reason: str = ""
    reason_code: str = ""
    customer_comment: str = ""
    outcome: str = ""
    external_line_ids: tuple[str, ...] = ()
    destination_key: str = ""


@dataclass(frozen=True)
class ReturnShipmentData:
    shipment_key: str
    carrier: str = ""
    service: str = ""
    tracking_number: str = ""
    status: str = ""
    label_url: str = ""
    line_keys: tuple[str, ...] = ()
    cancelled: bool = False


@dataclass(frozen=True)
class ReturnData:
    platform: str
    external_id: str
    order_name: str = ""
    order_number: str = ""
    platform_order_id: str = ""
    provider_order_id: str = ""
    customer_email: str = ""
    customer_name: str = ""
    state: str = ""
    currency: str = ""
    total: Decimal | None = None
    outcome: str = ""
    destination_id: str = ""
    destination_address: Mapping[str, Any] = field(default_factory=dict)
    platform_created_at: dt.datetime | None = None
    platform_updated_at: dt.datetime | None = None
    is_test: bool = False
    lines: tuple[ReturnLineData, ...] = ()
    # None: the payload says nothing about shipments (keep what we have).
    shipments: tuple[ReturnShipmentData, ...] | None = None


@dataclass(frozen=True)
class InboundReturnEvent:
    """A return was created / updated / closed / back-filled on the platform."""

    change: str  # created | updated | closed | backfill
    data: ReturnData


@dataclass(frozen=True)
class InboundLabelEvent:
    """A return's label was created or changed."""

    platform: str
    return_external_id: str
    change: str  # label_created | label_updated
    shipment: ReturnShipmentData
    updated_at: dt.datetime | None = None
    # True: a label for a return Backhaul does not hold is dropped instead of retried (a Happy Returns
    # shipment lists every return in the bag, not only this store's).
    if_return_known: bool = False


@dataclass(frozen=True)
class InboundLabelRequestEvent:
    """Loop's third-party label flow: a label was requested or the request was cancelled."""

    platform: str
    return_external_id: str
    request_id: str
    change: str  # label_request_issued | label_request_cancelled
    destination_address: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class InboundHappyReturnsShipmentEvent:
    """Only ids arrive: Loop's client fetches the shipment (inbound_event_enrich) and turns it into label events."""

    loop_shipment_id: str
    happy_returns_shipment_id: str


@dataclass(frozen=True)
class FulfillmentData:
    shipment_key: str
    order_key: str = ""
    order_number: str = ""
    external_order_id: str = ""
    warehouse_code: str = ""
    carrier: str = ""
    service: str = ""
    tracking_numbers: tuple[str, ...] = ()
    packages: tuple[Mapping[str, Any], ...] = ()
    items: tuple[Mapping[str, Any], ...] = ()
    ordered_at: dt.datetime | None = None
    shipped_at: dt.datetime | None = None


@dataclass(frozen=True)
class InboundFulfillmentEvent:
    data: FulfillmentData


@dataclass(frozen=True)
class WarehouseLineData:
    sku: str
    expected_quantity: int | None = None
    received_quantity: int | None = None
    restocked_quantity: int | None = None
    # Per unit group: {"quantity": 1, "condition": "good", "disposition": "restocked"}.
    receiving_details: tuple[Mapping[str, Any], ...] = ()


@dataclass(frozen=True)
class InboundWarehouseReturnEvent:
    """The WMS changed an RMA: status, received / restocked quantities, condition per unit."""

    rma_number: str = ""  # ShipMonk `rma`, ShipStream `merchant_ref`
    external_id: str = ""  # TrackStar return id
    status: str = ""  # an RMA.Status value, "" when the raw status maps to none
    warehouse_status: str = ""  # the WMS's own word, kept for support
    warehouse_code: str = ""
    updated_at: dt.datetime | None = None
    received_at: dt.datetime | None = None
    lines: tuple[WarehouseLineData, ...] | None = None
    changed_fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class InboundConnectionHealthEvent:
    """TrackStar connection-error.*: the connection's health as the provider sees it."""

    healthy: bool
    message: str = ""


@dataclass(frozen=True)
class IgnoredEvent:
    """A verified event we do not handle: kept, marked ignored, answered 2xx."""

    reason: str = ""


Payload = (
    InboundReturnEvent
    | InboundLabelEvent
    | InboundLabelRequestEvent
    | InboundHappyReturnsShipmentEvent
    | InboundFulfillmentEvent
    | InboundWarehouseReturnEvent
    | InboundConnectionHealthEvent
    | IgnoredEvent
)


@dataclass(frozen=True)
class InboundEvent:
    """One event parsed from a webhook body."""

    event_type: str
    dedupe_key: str
    payload: Payload
    external_event_id: str = ""

    @property
    def ignored(self) -> bool:
        return isinstance(self.payload, IgnoredEvent)


# --- the handler interface ---------------------------------------------------------------


class WebhookHandler(abc.ABC):
    """Verifies and parses one provider's webhooks; lives in integrations/providers/<slug>/webhooks.py."""

    slug: ClassVar[str]

    @abc.abstractmethod
    def verify(
        self, *, connection: "Connection", headers: Mapping[str, str], body: bytes, now: dt.datetime
    ) -> VerificationResult:
        """Check the request against the raw bytes and the connection's current (and rotating) secrets."""

    @abc.abstractmethod
    def parse(self, *, headers: Mapping[str, str], body: bytes) -> list[InboundEvent]:
        """Turn a verified body into neutral events; raise WebhookParseError on garbage."""


# --- helpers shared by the handlers and mappers (pure) -----------------------------------


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


def load_json_object(body: bytes) -> dict[str, Any]:
    """Parse the raw body as a JSON object or raise a one-line WebhookParseError."""
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, ValueError) as exc:
        raise WebhookParseError(f"body is not JSON: {str(exc).splitlines()[0][:120]}") from exc
    if not isinstance(data, dict):
        raise WebhookParseError(f"expected a JSON object, got {type(data).__name__}")
    return data


def text(value: Any) -> str:
    """A provider value as a stripped string ("" for None); ids come as int or string."""
    if value is None:
        return ""
    return str(value).strip()


def to_int(value: Any) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(Decimal(str(value)))
    except (InvalidOperation, ValueError):
        return None


def to_decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def parse_timestamp(value: Any) -> dt.datetime | None:
    """ISO strings, "Y-m-d H:M:S" (UTC when naive), epoch seconds, or {date, timezone} (ShipMonk legacy)."""
    if value is None or value == "":
        return None
    if isinstance(value, Mapping):
        naive = parse_timestamp_naive(value.get("date"))
        if naive is None:
            return None
        if naive.tzinfo is not None:
            return naive.astimezone(dt.UTC)
        try:
            zone: dt.tzinfo = ZoneInfo(text(value.get("timezone")) or "UTC")
        except (ZoneInfoNotFoundError, ValueError):
            zone = dt.UTC
        return naive.replace(tzinfo=zone).astimezone(dt.UTC)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return dt.datetime.fromtimestamp(float(value), tz=dt.UTC)
    parsed = parse_timestamp_naive(value)
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC)


def parse_timestamp_naive(value: Any) -> dt.datetime | None:
    raw = text(value)
    if not raw:
        return None
    if raw.isdigit():
        return dt.datetime.fromtimestamp(int(raw), tz=dt.UTC)
    try:
        return parse_datetime(raw.replace("Z", "+00:00"))
    except ValueError:
        return None


def content_key(*parts: Any) -> str:
    """A dedupe key from content when the provider sends no event id; hashed to fit the column."""
    joined = "|".join(text(part) if not isinstance(part, dt.datetime) else part.isoformat() for part in parts)
    if len(joined) <= 200:
        return joined
    return joined[:120] + "#" + hashlib.sha256(joined.encode()).hexdigest()[:32]


def normalise_event_name(name: str) -> str:
    """TrackStar spells some events with `_` and some with `-` (inbound_shipment vs inbound-shipment)."""
    return name.strip().lower().replace("_", "-")
