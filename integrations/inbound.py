"""The inbound webhook interface and the provider-neutral event DTOs webhooks are mapped to.

Handlers (integrations/providers/<slug>/webhooks.py) verify against the raw bytes and parse
into the frozen dataclasses below; mappers are pure; services are the only code that writes.
"""

import abc
import base64
import binascii
import dataclasses
import datetime as dt
import enum
import hashlib
import hmac
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, ClassVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils.dateparse import parse_datetime

from integrations.fitting import NUL, TooDeep, cut_text, fitted_key, is_storable, storable_json

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


# --- fitting DTO values to the columns they land in ---------------------------------------


class Fit(enum.Enum):
    """How a DTO field's value is made to fit its column (integrations/fitting.py)."""

    TEXT = "text"  # cut; NUL and lone surrogates shown as U+FFFD
    KEY = "key"  # a key we build: hashed to fit
    ID = "id"  # the provider's identifier: refused (WebhookParseError) when it does not fit
    JSON = "json"  # NUL and lone surrogates shown as U+FFFD; refused when nested too deeply
    COUNT = "count"  # a quantity: refused outside 0..MAX_COUNT
    MONEY = "money"  # an amount: dropped (None) when it does not fit a 12-digit, 2-place column
    NESTED = "nested"  # DTOs (fitted when they were built): only what they cut is carried up


MAX_COUNT = 2**31 - 1  # PostgreSQL integer


def fit(kind: Fit, limit: int = 0) -> dict[str, Any]:
    """The metadata of a DTO field made to fit its column (limit: its max_length) as the DTO is built:
    `sku: str = field(metadata=fit(Fit.ID, 200))`.

    A tuple field applies the rule to each item. The limits mirror the model columns; a test
    compares them, so the two cannot drift apart."""
    return {"fit": (kind, limit)}


# A fitter returns the value itself when it already fits (the common case, and no copy), else the
# fitted value; it notes what it cut in `cut` and raises WebhookParseError for what it refuses.
# Its arguments: the value, the field's name, the item's index in a tuple field (else None), `cut`.
Fitter = Callable[[Any, str, int | None, dict[str, int]], Any]


def _path(name: str, index: int | None) -> str:
    return name if index is None else f"{name}[{index}]"


class FitsColumns:
    """Base of the DTOs: every value is made to fit its column as the DTO is built, so no service
    writing it meets a DataError (NUL, a value longer than its column, an integer out of range) or
    a UnicodeEncodeError (a lone surrogate from JSON's "\\ud800").

    What was cut is kept as {dotted path: true length}, nested DTOs' cuts included: cut_lengths()."""

    def __post_init__(self) -> None:
        cut: dict[str, int] = {}
        for name, fitter in _fit_plan(type(self)):
            value = getattr(self, name)
            if value.__class__ is tuple:
                fitted_items = tuple([fitter(item, name, i, cut) for i, item in enumerate(value)])
                changed = any(a is not b for a, b in zip(fitted_items, value, strict=True))
                fitted: Any = fitted_items if changed else value
            else:
                fitted = fitter(value, name, None, cut)
            if fitted is not value:
                object.__setattr__(self, name, fitted)
        if cut:
            object.__setattr__(self, "_cut_lengths", cut)


def cut_lengths(value: Any) -> dict[str, int]:
    """What was cut to fit in a DTO and the DTOs inside it: dotted path → true length."""
    return dict(getattr(value, "_cut_lengths", {}))


_FIT_PLANS: dict[type, tuple[tuple[str, Fitter], ...]] = {}


def _fit_plan(cls: type) -> tuple[tuple[str, Fitter], ...]:
    plan = _FIT_PLANS.get(cls)
    if plan is None:
        fields = [f for f in dataclasses.fields(cls) if "fit" in f.metadata]
        plan = _FIT_PLANS[cls] = tuple((f.name, _fitter(*f.metadata["fit"])) for f in fields)
    return plan


def _fitter(kind: Fit, limit: int) -> Fitter:
    def text(value: Any, name: str, index: int | None, cut: dict[str, int]) -> Any:
        if value.__class__ is not str or (len(value) <= limit and is_storable(value)):
            return value
        if len(value) > limit:
            cut[_path(name, index)] = len(value)
        return cut_text(value, limit)

    def key(value: Any, name: str, index: int | None, cut: dict[str, int]) -> Any:
        return fitted_key(value, limit) if value.__class__ is str else value

    def identifier(value: Any, name: str, index: int | None, cut: dict[str, int]) -> Any:
        if value.__class__ is str and (len(value) > limit or not is_storable(value)):
            if NUL in value:
                raise WebhookParseError(f"{_path(name, index)} contains a NUL character")
            if not is_storable(value):
                raise WebhookParseError(f"{_path(name, index)} contains a lone UTF-16 surrogate")
            raise WebhookParseError(f"{_path(name, index)} is {len(value)} characters long (at most {limit})")
        return value

    def json_value(value: Any, name: str, index: int | None, cut: dict[str, int]) -> Any:
        if not value or (value.__class__ is str and is_storable(value)):
            return value
        try:
            return storable_json(value)
        except TooDeep as exc:
            raise WebhookParseError(f"{_path(name, index)} is {exc}") from exc

    def count(value: Any, name: str, index: int | None, cut: dict[str, int]) -> Any:
        if isinstance(value, int) and not 0 <= value <= MAX_COUNT:
            raise WebhookParseError(f"{_path(name, index)} {value} is out of range (0 to {MAX_COUNT})")
        return value

    def money(value: Any, name: str, index: int | None, cut: dict[str, int]) -> Any:
        # adjusted() is the power of ten of the first digit: below 10, at most 10 whole digits.
        if isinstance(value, Decimal) and not (value.is_finite() and value.adjusted() < 10):
            return None
        return value

    def nested(value: Any, name: str, index: int | None, cut: dict[str, int]) -> Any:
        for path, length in getattr(value, "_cut_lengths", {}).items():
            cut[f"{_path(name, index)}.{path}"] = length
        return value

    fitters: dict[Fit, Fitter] = {
        Fit.TEXT: text,
        Fit.KEY: key,
        Fit.ID: identifier,
        Fit.JSON: json_value,
        Fit.COUNT: count,
        Fit.MONEY: money,
        Fit.NESTED: nested,
    }
    return fitters[kind]


# --- provider-neutral DTOs ---------------------------------------------------------------
# Limits are the max_length of the column each value lands in (returns.models, warehouses.models,
# integrations.models); tests/integrations/webhooks/test_fitting.py checks they agree.


@dataclass(frozen=True)
class ReturnLineData(FitsColumns):
    line_key: str = field(metadata=fit(Fit.KEY, 200))
    sku: str = field(metadata=fit(Fit.ID, 200))
    quantity: int = field(metadata=fit(Fit.COUNT))
    title: str = field(default="", metadata=fit(Fit.TEXT, 300))
    reason: str = field(default="", metadata=fit(Fit.TEXT, 300))
    parent_reason: str = field(default="", metadata=fit(Fit.TEXT, 300))
    reason_code: str = field(default="", metadata=fit(Fit.TEXT, 100))
    customer_comment: str = field(default="", metadata=fit(Fit.TEXT, 10_000))
    outcome: str = field(default="", metadata=fit(Fit.TEXT, 50))
    external_line_ids: tuple[str, ...] = field(default=(), metadata=fit(Fit.JSON))
    destination_key: str = field(default="", metadata=fit(Fit.TEXT, 100))


@dataclass(frozen=True)
class ReturnShipmentData(FitsColumns):
    shipment_key: str = field(metadata=fit(Fit.KEY, 200))
    carrier: str = field(default="", metadata=fit(Fit.TEXT, 100))
    service: str = field(default="", metadata=fit(Fit.TEXT, 100))
    tracking_number: str = field(default="", metadata=fit(Fit.ID, 100))
    status: str = field(default="", metadata=fit(Fit.TEXT, 40))
    label_url: str = field(default="", metadata=fit(Fit.TEXT, 1000))
    # Line keys are fitted as the lines' own keys are, so they still name the same lines.
    line_keys: tuple[str, ...] = field(default=(), metadata=fit(Fit.KEY, 200))
    cancelled: bool = False
    # The platform's id of this label (Loop `shipment_id`), when it sends one: a later event about the
    # same label is matched by it even when its tracking number changed.
    platform_shipment_id: str = field(default="", metadata=fit(Fit.TEXT, 100))
    # The label's own update time (Loop `label_updated_at`, `labels[].updated_at`): an older one changes nothing.
    updated_at: dt.datetime | None = None


@dataclass(frozen=True)
class ReturnData(FitsColumns):
    platform: str
    external_id: str = field(metadata=fit(Fit.ID, 100))
    order_name: str = field(default="", metadata=fit(Fit.ID, 100))
    order_number: str = field(default="", metadata=fit(Fit.ID, 100))
    platform_order_id: str = field(default="", metadata=fit(Fit.ID, 100))
    provider_order_id: str = field(default="", metadata=fit(Fit.ID, 100))
    customer_email: str = field(default="", metadata=fit(Fit.TEXT, 254))
    customer_name: str = field(default="", metadata=fit(Fit.TEXT, 200))
    state: str = field(default="", metadata=fit(Fit.TEXT, 30))
    currency: str = field(default="", metadata=fit(Fit.TEXT, 3))
    total: Decimal | None = field(default=None, metadata=fit(Fit.MONEY))
    outcome: str = field(default="", metadata=fit(Fit.TEXT, 30))
    destination_id: str = field(default="", metadata=fit(Fit.TEXT, 100))
    destination_address: Mapping[str, Any] = field(default_factory=dict, metadata=fit(Fit.JSON))
    platform_created_at: dt.datetime | None = None
    platform_updated_at: dt.datetime | None = None
    is_test: bool = False
    lines: tuple[ReturnLineData, ...] = field(default=(), metadata=fit(Fit.NESTED))
    # None: the payload says nothing about shipments (keep what we have).
    shipments: tuple[ReturnShipmentData, ...] | None = field(default=None, metadata=fit(Fit.NESTED))


@dataclass(frozen=True)
class InboundReturnEvent(FitsColumns):
    """A return was created / updated / closed / back-filled on the platform."""

    change: str  # created | updated | closed | backfill
    data: ReturnData = field(metadata=fit(Fit.NESTED))


@dataclass(frozen=True)
class InboundLabelEvent(FitsColumns):
    """A return's label was created or changed."""

    platform: str
    return_external_id: str = field(metadata=fit(Fit.ID, 100))
    change: str  # label_created | label_updated
    shipment: ReturnShipmentData = field(metadata=fit(Fit.NESTED))
    updated_at: dt.datetime | None = None
    # True: a label for a return Backhaul does not hold is dropped instead of retried (a Happy Returns
    # shipment lists every return in the bag, not only this store's).
    if_return_known: bool = False


@dataclass(frozen=True)
class InboundLabelRequestEvent(FitsColumns):
    """Loop's third-party label flow: a label was requested or the request was cancelled."""

    platform: str
    return_external_id: str = field(metadata=fit(Fit.ID, 100))
    request_id: str = field(metadata=fit(Fit.ID, 100))  # kept in the timeline entry's data, and looked up there
    change: str  # label_request_issued | label_request_cancelled
    destination_address: Mapping[str, Any] = field(default_factory=dict, metadata=fit(Fit.JSON))


@dataclass(frozen=True)
class InboundHappyReturnsShipmentEvent(FitsColumns):
    """Only ids arrive: Loop's client fetches the shipment (inbound_event_enrich) and turns it into label events."""

    loop_shipment_id: str = field(metadata=fit(Fit.ID, 100))
    happy_returns_shipment_id: str = field(metadata=fit(Fit.ID, 100))  # part of the URL the details are fetched from


@dataclass(frozen=True)
class FulfillmentData(FitsColumns):
    shipment_key: str = field(metadata=fit(Fit.KEY, 255))
    order_key: str = field(default="", metadata=fit(Fit.ID, 200))
    order_number: str = field(default="", metadata=fit(Fit.ID, 100))
    external_order_id: str = field(default="", metadata=fit(Fit.ID, 200))
    warehouse_code: str = field(default="", metadata=fit(Fit.TEXT, 100))
    carrier: str = field(default="", metadata=fit(Fit.TEXT, 100))
    service: str = field(default="", metadata=fit(Fit.TEXT, 100))
    tracking_numbers: tuple[str, ...] = field(default=(), metadata=fit(Fit.JSON))
    packages: tuple[Mapping[str, Any], ...] = field(default=(), metadata=fit(Fit.JSON))
    items: tuple[Mapping[str, Any], ...] = field(default=(), metadata=fit(Fit.JSON))
    ordered_at: dt.datetime | None = None
    shipped_at: dt.datetime | None = None


@dataclass(frozen=True)
class InboundFulfillmentEvent(FitsColumns):
    data: FulfillmentData = field(metadata=fit(Fit.NESTED))


@dataclass(frozen=True)
class WarehouseLineData(FitsColumns):
    sku: str = field(metadata=fit(Fit.ID, 200))  # matched against our RMA lines' SKUs, which are at most this long
    expected_quantity: int | None = field(default=None, metadata=fit(Fit.COUNT))
    received_quantity: int | None = field(default=None, metadata=fit(Fit.COUNT))
    restocked_quantity: int | None = field(default=None, metadata=fit(Fit.COUNT))
    # Per unit group: {"quantity": 1, "condition": "good", "disposition": "restocked"}.
    receiving_details: tuple[Mapping[str, Any], ...] = field(default=(), metadata=fit(Fit.JSON))


@dataclass(frozen=True)
class InboundWarehouseReturnEvent(FitsColumns):
    """The WMS changed an RMA: status, received / restocked quantities, condition per unit."""

    rma_number: str = field(default="", metadata=fit(Fit.ID, 100))  # ShipMonk `rma`, ShipStream `merchant_ref`
    external_id: str = field(default="", metadata=fit(Fit.ID, 200))  # TrackStar return id, ShipMonk return id
    status: str = ""  # an RMA.Status value, "" when the raw status maps to none
    warehouse_status: str = field(default="", metadata=fit(Fit.TEXT, 60))  # the WMS's own word, kept for support
    warehouse_code: str = field(default="", metadata=fit(Fit.TEXT, 100))
    updated_at: dt.datetime | None = None
    received_at: dt.datetime | None = None
    lines: tuple[WarehouseLineData, ...] | None = field(default=None, metadata=fit(Fit.NESTED))
    changed_fields: tuple[str, ...] = field(default=(), metadata=fit(Fit.JSON))


@dataclass(frozen=True)
class InboundConnectionHealthEvent(FitsColumns):
    """TrackStar connection-error.*: the connection's health as the provider sees it."""

    healthy: bool
    message: str = field(default="", metadata=fit(Fit.TEXT, 2000))


@dataclass(frozen=True)
class IgnoredEvent(FitsColumns):
    """A verified event we do not handle: kept, marked ignored, answered 2xx."""

    reason: str = field(default="", metadata=fit(Fit.TEXT, 500))


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
class InboundEvent(FitsColumns):
    """One event parsed from a webhook body."""

    event_type: str = field(metadata=fit(Fit.TEXT, 120))
    dedupe_key: str = field(metadata=fit(Fit.KEY, 255))
    payload: Payload = field(metadata=fit(Fit.NESTED))
    external_event_id: str = field(default="", metadata=fit(Fit.TEXT, 255))

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
    except RecursionError as exc:  # json's own depth guard: `[` x 100000 is refused, not a crash
        raise WebhookParseError("body is not JSON we can read: nested too deeply") from exc
    if not isinstance(data, dict):
        raise WebhookParseError(f"expected a JSON object, got {type(data).__name__}")
    return data


def text(value: Any) -> str:
    """A provider value as a stripped string ("" for None); ids come as int or string."""
    if value is None:
        return ""
    return str(value).strip()


def mapping(value: Any) -> Mapping[str, Any]:
    """A provider object, or {} when the payload has something else there (a string, a list, null)."""
    return value if isinstance(value, Mapping) else {}


def items(value: Any) -> list[Any]:
    """A provider list, or [] when the payload has something else there (an object, a number, null)."""
    return value if isinstance(value, list) else []


def to_int(value: Any) -> int | None:
    """A whole number from an int, float or numeric string; None for anything else or one too big
    to be a quantity (checked before int() builds it: `1e999999999` would take minutes)."""
    number = to_decimal(value)
    # adjusted() first: abs() of a Decimal with a huge exponent raises decimal.Overflow.
    if number is None or not number.is_finite() or number.adjusted() > 9 or abs(number) > MAX_COUNT:
        return None
    return int(number)


def to_decimal(value: Any) -> Decimal | None:
    if value is None or value == "" or isinstance(value, bool | Mapping | list):
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def parse_timestamp(value: Any) -> dt.datetime | None:
    """ISO strings, "Y-m-d H:M:S" (UTC when naive), epoch seconds, or {date, timezone} (ShipMonk legacy).

    None for anything else, including times that fall outside the years 1-9999 once in UTC."""
    try:
        return _parse_timestamp(value)
    except (OverflowError, OSError, ValueError):  # OSError: a platform's own limit on epoch seconds
        return None


def _parse_timestamp(value: Any) -> dt.datetime | None:
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
        except ZoneInfoNotFoundError:
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
    try:
        if raw.isdigit():  # epoch seconds; more than 12 digits is beyond the year 9999
            return dt.datetime.fromtimestamp(int(raw), tz=dt.UTC) if len(raw) <= 12 else None
        return parse_datetime(raw.replace("Z", "+00:00"))
    except (OverflowError, OSError, ValueError):
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
