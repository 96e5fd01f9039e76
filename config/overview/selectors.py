"""The admin overview's numbers: a handful of indexed aggregate queries (reads only, never a lock).

Every chart reads one window grouped in SQL, so its cost follows the rows in the window, not the
size of the table (the indexes are in integrations' and returns' `*_overview_indexes*` migrations;
`make bench --only overview` measures them from 1k to 1M rows):

- webhooks per hour, provider and outcome over the last 24 hours (`webhook_created_provider`);
- the time from a webhook's arrival to its RMA created at the warehouse, p50 and p95 per hour over
  7 days (`rma_submitted`, then the webhook by primary key); PostgreSQL's `percentile_cont`, or
  the same interpolation in Python on SQLite (the quick start);
- RMA pushes and platform actions per connection over 7 days (`rma_created_conn`,
  `return_action_at_conn`);
- provider answer codes per provider over 24 hours (`apicall_created_provider`).

Every COUNT is `COUNT(*)`, or of a non-null indexed column where it carries a FILTER, so PostgreSQL
can answer from the index without reading the table (an index-only scan; `COUNT(id)` read 20,000
heap pages for the failed-webhook counter at 1M rows, 4 s, against 6 ms now). Each counter comes
with the admin changelist URL that lists exactly the rows it counted. `overview_cached` keeps the
whole result OVERVIEW_CACHE_SECONDS.
"""

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connections, router
from django.db.models import Aggregate, Count, DurationField, ExpressionWrapper, F, Q
from django.db.models.functions import TruncHour
from django.utils import timezone

from config.overview.counters import Counter, overview_counters
from integrations.models import ApiCall, Connection, InboundWebhook
from integrations.registry import provider_name
from returns.models import RMA, Return

WEBHOOK_HOURS = 24
LATENCY_HOURS = 7 * 24
WORK_DAYS = 7
ANSWER_HOURS = 24
CACHE_KEY = "admin-overview:v1"
# The returns platforms' guides promise an RMA at the warehouse within 1–3 s of the event.
PROMISE_SECONDS = (1.0, 3.0)

# What the endpoint answered, from the row's status: 2xx and processing (accepted), 200 for a
# delivery seen before (duplicate), 4xx (rejected), or a verifier, parser or worker that raised.
WEBHOOK_OUTCOMES: dict[str, tuple[str, ...]] = {
    "accepted": (
        InboundWebhook.Status.RECEIVED,
        InboundWebhook.Status.PENDING,
        InboundWebhook.Status.PROCESSING,
        InboundWebhook.Status.PROCESSED,
        InboundWebhook.Status.IGNORED,
    ),
    "duplicate": (InboundWebhook.Status.DUPLICATE,),
    "rejected": (InboundWebhook.Status.REJECTED,),
    "failed": (InboundWebhook.Status.FAILED,),
}
WORK_STATES = ("succeeded", "queued", "retrying", "needs attention", "failed")
_RMA_SUCCEEDED = (RMA.Status.SUBMITTED, RMA.Status.IN_TRANSIT, RMA.Status.RECEIVING, RMA.Status.RECEIVED)
_ACTION = Return.PlatformActionStatus
_ACTION_STATE = {
    _ACTION.PROCESSED: "succeeded",
    _ACTION.FLAGGED: "succeeded",
    _ACTION.IGNORED: "succeeded",
    _ACTION.RECORDED: "succeeded",
    _ACTION.PROCESS_QUEUED: "queued",
    _ACTION.FLAG_QUEUED: "queued",
    _ACTION.FAILED: "failed",
}


@dataclass(frozen=True)
class ProviderHours:
    """One provider's webhooks per hour: outcome → one count per hour, oldest first."""

    provider: str
    counts: dict[str, list[int]]

    @property
    def total(self) -> int:
        return sum(sum(values) for values in self.counts.values())

    def outcome_total(self, outcome: str) -> int:
        return sum(self.counts[outcome])

    @property
    def failed(self) -> int:
        return self.outcome_total("failed")

    @property
    def rejected(self) -> int:
        return self.outcome_total("rejected")


@dataclass(frozen=True)
class LatencyHours:
    """Per hour of arrival at the warehouse: RMAs, and the p50 / p95 seconds from their webhook."""

    hours: list[dt.datetime]
    count: list[int]
    p50: list[float | None]
    p95: list[float | None]


@dataclass(frozen=True)
class WorkRow:
    """One connection's RMA pushes (a warehouse) or platform actions (a returns platform)."""

    kind: str  # "RMA pushes" or "Platform actions"
    connection_id: int
    label: str
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class ProviderAnswers:
    provider: str
    codes: list[tuple[str, int]]  # ("200", 310), ("422", 4), ("no answer", 2); by count, largest first
    total: int
    errors: int

    @property
    def error_rate(self) -> float:
        return self.errors / self.total if self.total else 0.0


@dataclass(frozen=True)
class Overview:
    computed_at: dt.datetime
    counters: list[Counter]
    webhook_hours: list[dt.datetime]
    webhooks: list[ProviderHours]
    latency: LatencyHours
    work: list[WorkRow]
    answers: list[ProviderAnswers]
    cache_seconds: int = 0
    notes: dict[str, str] = field(default_factory=dict)


# -- helpers -----------------------------------------------------------------------------------


def _hours(*, now: dt.datetime, count: int) -> list[dt.datetime]:
    """The starts of the last `count` hours, oldest first; the last is the current hour."""
    current = now.replace(minute=0, second=0, microsecond=0)
    return [current - dt.timedelta(hours=count - 1 - i) for i in range(count)]


def _hour_key(value: dt.datetime) -> dt.datetime:
    # TruncHour answers in the current time zone (UTC here); compare as aware UTC.
    if timezone.is_naive(value):
        value = timezone.make_aware(value, dt.UTC)
    return value.astimezone(dt.UTC)


def _provider_label(slug: str) -> str:
    return provider_name(slug) if slug else "unknown"


def percentile(values: list[float], fraction: float) -> float | None:
    """Linear interpolation between the closest ranks: what PostgreSQL's percentile_cont computes."""
    if not values:
        return None
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


class PercentileCont(Aggregate):
    """PostgreSQL's ordered-set aggregate `percentile_cont(f) WITHIN GROUP (ORDER BY expr)`."""

    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression: Any, *, fraction: float, **extra: Any) -> None:
        super().__init__(expression, fraction=float(fraction), **extra)


# -- charts ----------------------------------------------------------------------------------


def webhooks_per_hour(*, now: dt.datetime) -> tuple[list[dt.datetime], list[ProviderHours]]:
    hours = _hours(now=now, count=WEBHOOK_HOURS)
    slot = {hour: i for i, hour in enumerate(hours)}
    outcome_of = {status: outcome for outcome, statuses in WEBHOOK_OUTCOMES.items() for status in statuses}
    rows = (
        InboundWebhook.objects.filter(created_at__gte=hours[0])
        .annotate(hour=TruncHour("created_at"))
        .values_list("provider", "hour", "status")
        .annotate(n=Count("*"))
        .order_by()
    )
    table: dict[str, dict[str, list[int]]] = {}
    for provider, hour, status, n in rows:
        index = slot.get(_hour_key(hour))
        if index is None:  # a row stamped in the future (clock skew): not in any hour shown
            continue
        counts = table.setdefault(provider, {outcome: [0] * len(hours) for outcome in WEBHOOK_OUTCOMES})
        counts[outcome_of.get(status, "accepted")][index] += n
    providers = [ProviderHours(_provider_label(p), counts) for p, counts in table.items()]
    providers.sort(key=lambda p: (-p.total, p.provider))
    return hours, providers


def rma_latency_per_hour(*, now: dt.datetime) -> LatencyHours:
    hours = _hours(now=now, count=LATENCY_HOURS)
    slot = {hour: i for i, hour in enumerate(hours)}
    latency = ExpressionWrapper(F("submitted_at") - F("source_webhook__created_at"), output_field=DurationField())
    timed = (
        RMA.objects.filter(submitted_at__gte=hours[0], source_webhook__isnull=False)
        .annotate(hour=TruncHour("submitted_at"))
        .order_by()
    )
    count = [0] * len(hours)
    p50: list[float | None] = [None] * len(hours)
    p95: list[float | None] = [None] * len(hours)
    if connections[router.db_for_read(RMA)].vendor == "postgresql":
        rows = timed.values_list("hour").annotate(
            n=Count("*"),
            p50=PercentileCont(latency, fraction=0.5, output_field=DurationField()),
            p95=PercentileCont(latency, fraction=0.95, output_field=DurationField()),
        )
        for hour, n, fifty, ninety_five in rows.values_list("hour", "n", "p50", "p95"):
            index = slot.get(_hour_key(hour))
            if index is not None:
                count[index], p50[index], p95[index] = n, fifty.total_seconds(), ninety_five.total_seconds()
    else:  # SQLite (the quick start) has no percentile aggregate: the same interpolation here
        per_hour: dict[int, list[float]] = defaultdict(list)
        for hour, took in timed.annotate(took=latency).values_list("hour", "took"):
            index = slot.get(_hour_key(hour))
            if index is not None:
                per_hour[index].append(took.total_seconds())
        for index, values in per_hour.items():
            count[index], p50[index], p95[index] = len(values), percentile(values, 0.5), percentile(values, 0.95)
    return LatencyHours(hours=hours, count=count, p50=p50, p95=p95)


def work_per_connection(*, now: dt.datetime) -> list[WorkRow]:
    since = now - dt.timedelta(days=WORK_DAYS)
    table: dict[tuple[str, int], dict[str, int]] = {}

    def add(kind: str, connection_id: int | None, state: str, n: int) -> None:
        if connection_id is None or not n:
            return
        counts = table.setdefault((kind, connection_id), dict.fromkeys(WORK_STATES, 0))
        counts[state] += n

    pushes = (
        RMA.objects.filter(created_at__gte=since)
        .exclude(status=RMA.Status.CANCELLED)
        .values_list("warehouse_connection_id", "status")
        .annotate(n=Count("*"), tried=Count("attempts", filter=Q(attempts__gt=0)))
        .order_by()
    )
    for connection_id, status, n, tried in pushes:
        if status in _RMA_SUCCEEDED:
            add("RMA pushes", connection_id, "succeeded", n)
        elif status == RMA.Status.PENDING:
            add("RMA pushes", connection_id, "retrying", tried)
            add("RMA pushes", connection_id, "queued", n - tried)
        elif status == RMA.Status.NEEDS_ATTENTION:
            add("RMA pushes", connection_id, "needs attention", n)
        elif status == RMA.Status.FAILED:
            add("RMA pushes", connection_id, "failed", n)
    actions = (
        Return.objects.filter(platform_action_at__gte=since)
        .values_list("connection_id", "platform_action")
        .annotate(n=Count("*"))
        .order_by()
    )
    for connection_id, action, n in actions:
        state = _ACTION_STATE.get(action)
        if state:
            add("Platform actions", connection_id, state, n)
    # Only what the label shows: the encrypted credentials are neither read nor decrypted.
    named = (
        Connection.objects.filter(pk__in={pk for _, pk in table})
        .select_related("store")
        .only("name", "provider", "wms_name", "store__name")
    )
    labels = {c.pk: str(c) for c in named}
    rows = [WorkRow(kind, pk, labels.get(pk, f"Connection #{pk}"), counts) for (kind, pk), counts in table.items()]
    rows.sort(key=lambda r: (r.kind != "RMA pushes", -r.total, r.label))
    return rows


def answers_per_provider(*, now: dt.datetime) -> list[ProviderAnswers]:
    since = now - dt.timedelta(hours=ANSWER_HOURS)
    ok = Q(status_code__gte=200, status_code__lt=300, error_class="")
    rows = (
        ApiCall.objects.filter(created_at__gte=since)
        .values_list("provider", "status_code")
        .annotate(n=Count("*"), errors=Count("provider", filter=~ok))
        .order_by()
    )
    codes: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    errors: dict[str, int] = defaultdict(int)
    for provider, status_code, n, failed in rows:
        codes[provider][str(status_code) if status_code is not None else "no answer"] += n
        errors[provider] += failed
    result = [
        ProviderAnswers(
            provider=_provider_label(provider),
            codes=sorted(by_code.items(), key=lambda item: (-item[1], item[0])),
            total=sum(by_code.values()),
            errors=errors[provider],
        )
        for provider, by_code in codes.items()
    ]
    result.sort(key=lambda a: (-a.total, a.provider))
    return result


# -- the whole page --------------------------------------------------------------------------


def overview_build(*, now: dt.datetime | None = None) -> Overview:
    now = now or timezone.now()
    webhook_hours, webhooks = webhooks_per_hour(now=now)
    return Overview(
        computed_at=now,
        counters=overview_counters(now=now),
        webhook_hours=webhook_hours,
        webhooks=webhooks,
        latency=rma_latency_per_hour(now=now),
        work=work_per_connection(now=now),
        answers=answers_per_provider(now=now),
        cache_seconds=settings.OVERVIEW_CACHE_SECONDS,
    )


def overview_cached() -> Overview:
    """The overview as computed at most OVERVIEW_CACHE_SECONDS ago (0: every time)."""
    seconds = settings.OVERVIEW_CACHE_SECONDS
    if seconds <= 0:
        return overview_build()
    found = cache.get(CACHE_KEY)
    if isinstance(found, Overview):
        return found
    overview = overview_build()
    cache.set(CACHE_KEY, overview, seconds)
    return overview
