"""Reading values out of a provider's JSON, pure and forgiving: a provider that sends a string where a list
was due, a number as text, or a timestamp in one of five shapes still gives a value or a clear "none"."""

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils.dateparse import parse_datetime

from integrations.dto_fitting import MAX_COUNT
from integrations.inbound_errors import WebhookParseError


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
    # surrogatepass: a lone surrogate from JSON's "\ud800" escape is hashed too, not a crash of the parser.
    return joined[:120] + "#" + hashlib.sha256(joined.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def normalise_event_name(name: str) -> str:
    """TrackStar spells some events with `_` and some with `-` (inbound_shipment vs inbound-shipment)."""
    return name.strip().lower().replace("_", "-")


# Shopify allows 250 tags of at most 40 characters on an order; more is not an order's tag list.
MAX_TAGS = 250
MAX_TAG_LENGTH = 100


def tag_list(value: Any) -> tuple[str, ...]:
    """Tags from a list of strings or one comma-separated string (Shopify's two spellings), stripped, without
    blanks or repeats (compared without case), each cut to MAX_TAG_LENGTH characters; () for anything else."""
    raw = value.split(",") if isinstance(value, str) else items(value)
    found: dict[str, str] = {}
    for item in raw:
        if isinstance(item, str | int) and not isinstance(item, bool):
            tag = text(item)[:MAX_TAG_LENGTH]
            if tag:
                found.setdefault(tag.casefold(), tag)
        if len(found) >= MAX_TAGS:
            break
    return tuple(found.values())


def country_code(*values: Any) -> str:
    """The first value that is an ISO 3166-1 alpha-2 code ("us" → "US"); "" when none is."""
    for value in values:
        code = text(value)
        if len(code) == 2 and code.isascii() and code.isalpha():
            return code.upper()
    return ""


def grade_description(wms: str, *, condition: str = "", disposition: str = "", detail: str = "") -> str:
    """A grade's description (Loop requires one, at most 255 characters) when the WMS writes none of its own:
    "Graded at TrackStar: condition damaged, disposition scrapped (lot L1)"."""
    words = [f"condition {condition}" if condition else "", f"disposition {disposition}" if disposition else ""]
    said = ", ".join(w for w in words if w) or "received"
    return f"Graded at {wms}: {said}{f' ({detail})' if detail else ''}"[:255]
