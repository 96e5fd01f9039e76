"""Section 5: the admin overview's queries (config/overview/selectors.py) as the tables grow.

Rows are written by `INSERT ... SELECT ... FROM generate_series` (a million rows in seconds), to
the webhook, API-call, return and RMA tables alike (returns with their aging, and a fiftieth as many orphan
receipts). The ladder keeps what the charts read (the
last 7 days: about 1,000 rows per table) the same and grows the history behind it (1k → 100k →
1M rows per table): with the indexes, the time must not follow the table. A last step then puts
100,000 more rows inside the windows, so the report also shows what a busier week costs.
"""

import datetime as dt
import statistics
import time
from dataclasses import dataclass, field
from typing import Any

from bench.data import Wiring

RECENT_ROWS = 1_000
LADDER = (1_000, 100_000, 1_000_000)
BUSY_WINDOW_ROWS = 100_000
REPEATS = 5


@dataclass
class OverviewCost:
    rows: int  # per table
    window_rows: int  # of them, inside the 7-day window
    ms: dict[str, float] = field(default_factory=dict)  # median of REPEATS, each query uncached
    queries: int = 0


def _columns(model: Any, exprs: dict[str, str]) -> tuple[str, str, list[Any]]:
    """The column list and SELECT list of an INSERT ... SELECT: `exprs` (SQL over the series `g`)
    where given, every other column its model default, cast to its column type."""
    from django.db import connection

    columns, select, params = [], [], []
    for f in model._meta.concrete_fields:
        if f.primary_key:
            continue
        columns.append(f'"{f.column}"')
        if f.attname in exprs:
            select.append(exprs[f.attname])
        else:
            select.append(f"CAST(%s AS {f.db_type(connection)})")
            params.append(f.get_db_prep_save(f.get_default(), connection))
    return ", ".join(columns), ", ".join(select), params


def _insert(model: Any, count: int, exprs: dict[str, str]) -> None:
    from django.db import connection

    columns, select, params = _columns(model, exprs)
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({columns}) SELECT {select} FROM generate_series(1, {int(count)}) AS g",  # noqa: S608
            params,
        )


def _id_base(model: Any) -> int:
    """The table's largest id, with its sequence set so the next insert takes the id after it: rows
    inserted next are then base + g, whatever earlier sections (a TRUNCATE keeps the sequence) left."""
    from django.db import connection

    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE(MAX(id), 0) + 1, false) - 1 "  # noqa: S608
            f"FROM {table}"
        )
        return int(cursor.fetchone()[0])


def rows_add(*, wiring: Wiring, count: int, newest_seconds: int, oldest_seconds: int) -> None:
    """`count` rows in each table, created between `oldest_seconds` and `newest_seconds` ago; each
    return has one RMA, timed from one webhook (0.5–3.5 s later), and one API call."""
    from integrations.models import ApiCall, InboundWebhook
    from returns.models import RMA, OrphanReceipt, Return

    span = max(oldest_seconds - newest_seconds, 1)
    at = f"(now() - make_interval(secs => {newest_seconds} + mod(g::bigint * 7919, {span})))"
    hook_base, return_base = _id_base(InboundWebhook), _id_base(Return)
    # 2 % failed, 4 % rejected, 8 % duplicates, the rest processed.
    hook_status = (
        "CASE WHEN mod(g, 50) = 0 THEN 'failed' WHEN mod(g, 25) = 1 THEN 'rejected' "
        "WHEN mod(g, 12) = 2 THEN 'duplicate' ELSE 'processed' END"
    )
    _insert(
        InboundWebhook,
        count,
        {
            "created_at": at,
            "updated_at": at,
            "connection_id": str(wiring.loop_connection_id),
            "store_id": str(wiring.store_id),
            "provider": "'loop'",
            "status": hook_status,
            "verification": "'valid'",
            "event_type": "'return.created'",
        },
    )
    action = (
        "CASE WHEN mod(g, 100) = 0 THEN 'failed' WHEN mod(g, 20) = 1 THEN 'process_queued' "
        "WHEN mod(g, 3) = 0 THEN 'process' ELSE '' END"
    )
    # Aging: a return in ten waits for its parcel (its label N days later), one in twenty-five for the platform.
    aging_stage = "CASE WHEN mod(g, 10) = 3 THEN 'label' WHEN mod(g, 25) = 4 THEN 'received' ELSE '' END"
    aging_due = (
        f"CASE WHEN {aging_stage} = 'label' THEN {at} + interval '14 days' "
        f"WHEN {aging_stage} = 'received' THEN {at} + interval '7 days' END"
    )
    _insert(
        Return,
        count,
        {
            "created_at": at,
            "updated_at": at,
            "store_id": str(wiring.store_id),
            "connection_id": str(wiring.loop_connection_id),
            "platform": "'loop'",
            "external_id": f"'ov-' || ({return_base} + g)",
            "order_name": f"'#OV' || ({return_base} + g)",
            "state": "'open'",
            "platform_action": action,
            "platform_action_at": f"CASE WHEN {action} = '' THEN NULL ELSE {at} END",
            "aging_stage": aging_stage,
            "aging_since": f"CASE WHEN {aging_stage} = '' THEN NULL ELSE {at} END",
            "aging_due_at": aging_due,
        },
    )
    # A parcel in fifty arrives with no RMA of ours (an orphan receipt); one in twenty of those waits for a person.
    orphan_base = _id_base(OrphanReceipt)
    _insert(
        OrphanReceipt,
        max(1, count // 50),
        {
            "created_at": at,
            "updated_at": at,
            "store_id": str(wiring.store_id),
            "warehouse_connection_id": str(wiring.wms_connection_id),
            "wms_key": f"'id:ov-' || ({orphan_base} + g)",
            "state": "CASE WHEN mod(g, 20) = 0 THEN 'open' ELSE 'linked' END",
        },
    )
    rma_status = (
        "CASE WHEN mod(g, 200) = 0 THEN 'failed' WHEN mod(g, 150) = 1 THEN 'needs_attention' "
        "WHEN mod(g, 90) = 2 THEN 'pending' WHEN mod(g, 2) = 0 THEN 'received' ELSE 'submitted' END"
    )
    latency = "make_interval(secs => 0.5 + mod(g::bigint * 104729, 3000) / 1000.0)"
    _insert(
        RMA,
        count,
        {
            "created_at": at,
            "updated_at": at,
            "store_id": str(wiring.store_id),
            "return_obj_id": f"{return_base} + g",
            "number": f"'OV' || ({return_base} + g)",
            "order_name": f"'#OV' || ({return_base} + g)",
            "warehouse_connection_id": str(wiring.wms_connection_id),
            "status": rma_status,
            "idempotency_key": f"'ov-' || ({return_base} + g)",
            "attempts": "CASE WHEN mod(g, 90) = 2 THEN mod(g, 3) ELSE 1 END",
            "submitted_at": f"CASE WHEN {rma_status} IN ('received', 'submitted') THEN {at} + {latency} END",
            "source_webhook_id": f"{hook_base} + g",
        },
    )
    code = "CASE WHEN mod(g, 211) = 0 THEN NULL WHEN mod(g, 97) = 0 THEN 500 WHEN mod(g, 50) = 0 THEN 422 ELSE 201 END"
    _insert(
        ApiCall,
        count,
        {
            "created_at": at,
            "updated_at": at,
            "connection_id": str(wiring.wms_connection_id),
            "provider": "CASE WHEN mod(g, 3) = 0 THEN 'loop' ELSE 'shipmonk' END",
            "operation": "'create_rma'",
            "method": "'POST'",
            "url": "'http://127.0.0.1/rma'",
            "status_code": code,
            "error_class": f"CASE WHEN {code} = 201 THEN '' ELSE 'ProviderError' END",
        },
    )
    from django.db import connection

    with connection.cursor() as cursor:
        for model in (InboundWebhook, Return, RMA, ApiCall, OrphanReceipt):
            # As autovacuum leaves an insert-heavy table: statistics, and a visibility map so that
            # counting from an index does not visit the table's rows.
            cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")


def measure(*, rows: int, window_rows: int) -> OverviewCost:
    """Each of the overview's queries REPEATS times, uncached; the median in ms."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from config.overview import counters, selectors

    steps = {
        "counters": counters.overview_counters,
        "webhooks per hour": lambda now: selectors.webhooks_per_hour(now=now),
        "time to warehouse": lambda now: selectors.rma_latency_per_hour(now=now),
        "pushes and actions": lambda now: selectors.work_per_connection(now=now),
        "answer codes": lambda now: selectors.answers_per_provider(now=now),
    }
    cost = OverviewCost(rows=rows, window_rows=window_rows)
    for name, step in steps.items():
        timings = []
        for _ in range(REPEATS):
            now = timezone.now()
            started = time.perf_counter()
            step(now=now) if name == "counters" else step(now)
            timings.append((time.perf_counter() - started) * 1000)
        cost.ms[name] = statistics.median(timings)
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        selectors.overview_build()
        cost.ms["whole overview"] = (time.perf_counter() - started) * 1000
    cost.queries = len(queries)
    return cost


def run(
    *, wiring: Wiring, ladder: tuple[int, ...] = LADDER, busy: int = BUSY_WINDOW_ROWS, log: Any = print
) -> list[OverviewCost]:
    week = int(dt.timedelta(days=7).total_seconds())
    results = []
    have = 0
    for level in ladder:
        recent = min(RECENT_ROWS, level) - min(RECENT_ROWS, have)
        if recent > 0:
            rows_add(wiring=wiring, count=recent, newest_seconds=0, oldest_seconds=week)
        older = level - max(have, RECENT_ROWS)
        if older > 0:  # history: 8 to 37 days old, outside every window
            rows_add(wiring=wiring, count=older, newest_seconds=week + 86400, oldest_seconds=week + 30 * 86400)
        have = level
        results.append(measure(rows=level, window_rows=min(RECENT_ROWS, level)))
        log(f"overview: {results[-1]}")
    if busy:
        rows_add(wiring=wiring, count=busy, newest_seconds=0, oldest_seconds=week)
        results.append(measure(rows=have + busy, window_rows=min(RECENT_ROWS, have) + busy))
        log(f"overview: {results[-1]}")
    return results
