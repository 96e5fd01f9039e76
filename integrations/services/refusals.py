"""Refused webhook requests cost bounded bytes and CPU (reliability.md rule 17).

A request refused before it is verified (not a POST, a body over the size limit, an unknown
endpoint, a signature that does not verify) is still accounted for, in one of two ways:

- stored as an InboundWebhook row, with at most settings.WEBHOOK_REFUSED_BODY_KEPT_BYTES of its
  body and its true length, while its source and its endpoint are within their rate limits
  (settings.WEBHOOK_REFUSED_LIMIT_PER_SOURCE / _PER_ENDPOINT, moving windows shared by every
  process through integrations.ratelimit);
- past either limit, answered 429 with Retry-After and counted on one RefusedWebhookCount row per
  hour, endpoint and source (every source together when the endpoint's limit was hit, so a flood
  from many addresses still adds one row an hour).

Verified deliveries never come here: a provider's delivery in the middle of a flood of forgeries
to the same endpoint is verified, stored and processed as usual.
"""

import contextlib
import datetime as dt
import ipaddress
import logging
import math
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db import connection as django_connection
from django.db.models import F
from django.utils import timezone

from integrations import ratelimit
from integrations.fitting import cut_text
from integrations.models import Connection, RefusedWebhookCount

logger = logging.getLogger(__name__)

LimitedBy = RefusedWebhookCount.LimitedBy
# Every path that names no connection shares one endpoint limit: a scan of random tokens is one flood.
UNKNOWN_ENDPOINT = "unknown"
# A refused request's headers are kept up to this many characters in all (names and values, each
# value already cut to HEADER_VALUE_KEPT_CHARS), in the order they came; the rest are dropped.
REFUSED_HEADERS_KEPT_CHARS = 8192


@dataclass(frozen=True)
class Limited:
    """A refused request past a rate limit: which one, and when a slot frees."""

    limited_by: str
    retry_after: int

    @property
    def message(self) -> str:
        whose = "from this address" if self.limited_by == LimitedBy.SOURCE else "to this endpoint"
        return f"too many refused requests {whose}: try again in {self.retry_after} s"


def source_key(address: str | None) -> str:
    """What a source's limit counts against: the IPv4 address, or the /64 of an IPv6 one (a single
    subscriber usually holds a whole /64, so counting each address would let it multiply its limit)."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return ""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def endpoint_key(connection: Connection | None) -> str:
    return f"connection:{connection.pk}" if connection is not None else UNKNOWN_ENDPOINT


def refused_body(raw: dict[str, Any]) -> dict[str, Any]:
    """The stored form of a refused request: its body cut to the kept prefix, and its headers to
    REFUSED_HEADERS_KEPT_CHARS in all (the server lets a request carry about a hundred), each cut
    noted in `truncated` with the true length (the body may already be shorter than that length: a
    too-large one is not read)."""
    kept = settings.WEBHOOK_REFUSED_BODY_KEPT_BYTES
    body, length = raw["body"], raw["body_length"]
    truncated = dict(raw["truncated"])
    if len(body) > kept or length > len(body):
        truncated["body"] = length
    headers: dict[str, str] = {}
    used = 0
    for name, value in raw["headers"].items():
        used += len(name) + len(value)
        if used > REFUSED_HEADERS_KEPT_CHARS:
            truncated["headers"] = sum(len(n) + len(v) for n, v in raw["headers"].items())
            break
        headers[name] = value
    return {**raw, "body": body[:kept], "headers": headers, "truncated": truncated}


def refusal_limited(*, source: str, endpoint: str) -> Limited | None:
    """Take a slot of the source's limit, then of the endpoint's; None while both have room.

    The limiter's storage (Redis) being down must not turn refusals into 500s or lose them: the
    request is then stored as before the limits existed."""
    limits = (
        (LimitedBy.SOURCE, f"webhook-refused:source:{source}", settings.WEBHOOK_REFUSED_LIMIT_PER_SOURCE),
        (LimitedBy.ENDPOINT, f"webhook-refused:endpoint:{endpoint}", settings.WEBHOOK_REFUSED_LIMIT_PER_ENDPOINT),
    )
    for limited_by, key, limit in limits:
        try:
            wait = ratelimit.acquire(key=key, limit=limit)
        except Exception as exc:  # redis-py / limits errors: only the class is logged (a URL may hold a password)
            logger.warning("webhook refusal limiter unavailable (%s): request stored", type(exc).__name__)
            return None
        if wait:
            return Limited(limited_by=limited_by, retry_after=max(1, math.ceil(wait)))
    return None


def refusal_count(
    *,
    limited: Limited,
    raw: dict[str, Any],
    source: str,
    status_code: int,
    reason: str,
    now: dt.datetime | None = None,
) -> None:
    """Add one refused request to its hour's row (one UPDATE; an INSERT the first time)."""
    now = now or timezone.now()
    connection: Connection | None = raw["connection"]
    window = now.replace(minute=0, second=0, microsecond=0)
    key = {
        "window_start": window,
        "endpoint_key": endpoint_key(connection),
        "source": source if limited.limited_by == LimitedBy.SOURCE else "",
    }
    last = {
        "last_source": source,
        "last_status": status_code,
        "last_reason": cut_text(reason, 300),
        "last_provider": cut_text(str(raw["provider"]), 20) if connection is None else "",
        "last_endpoint_token": cut_text(str(raw["endpoint_token"]), 128) if connection is None else "",
        "updated_at": now,
    }
    length = int(raw["body_length"])
    rows = RefusedWebhookCount.objects.filter(**key)
    if rows.update(count=F("count") + 1, body_bytes=F("body_bytes") + length, **last):
        return
    try:
        # A savepoint only inside a caller's transaction (tests); the endpoint runs in autocommit.
        with transaction.atomic() if django_connection.in_atomic_block else contextlib.nullcontext():
            RefusedWebhookCount.objects.create(
                **key,
                **last,
                connection=connection,
                limited_by=limited.limited_by,
                count=1,
                body_bytes=length,
            )
    except IntegrityError:  # another request created this hour's row first
        rows.update(count=F("count") + 1, body_bytes=F("body_bytes") + length, **last)
