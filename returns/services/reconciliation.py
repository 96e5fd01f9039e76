"""Reconciliation: catch what webhooks missed (product.md flow 9, reliability test 23).

A periodic run per connection polls the provider for returns updated since the connection's
cursor (Connection.sync_cursor, minus an overlap) and feeds them through the same services as
webhooks, after mapping them with the same mappers: WMS returns → rma_apply_warehouse_event,
platform returns → return_apply_event. Both are version-guarded and idempotent, so re-reading
what a webhook already brought changes nothing. The cursor advances only after a complete run;
a rate limit or an outage ends the run early and the next run starts from the same cursor.

It covers TrackStar's hourly return sync and its silence during a connection's initial sync,
Loop deactivating a failing webhook, and a dropped delivery anywhere. The platform run also
flags returns that should have an RMA but have none after RECONCILE_GRACE_MINUTES, and
catches up platform actions whose RMAs resolved unnoticed or whose task was lost.

A run that fails shows on the connection's health (sync_error since sync_failed_at, and as its
last_error) until the next complete run clears it.
"""

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from config.leases import lease_acquire
from config.publishing import task_publish
from integrations.exceptions import ProviderError, ProviderPermanentError, ProviderThrottled
from integrations.inbound import InboundWarehouseReturnEvent
from integrations.models import Connection
from integrations.registry import get_returns_platform_client, get_warehouse_client
from returns.models import RMA, Return, TimelineEvent
from returns.services.intake import return_apply_event, return_event_prepare
from returns.services.outcomes import returns_platform_catch_up
from returns.services.rmas.triggers import rma_trigger_met
from returns.services.timeline import timeline_add
from returns.services.warehouse_events import rma_apply_warehouse_event

logger = logging.getLogger(__name__)

FOUND_BY = "found by reconciliation"
# A return in one of these states needs no RMA any more.
_FINISHED_STATES = ("cancelled", "canceled", "deleted", "rejected", "closed", "expired", "complete")
# Returns older than this are not flagged for a missing RMA: the check is for recent drift.
_MISSING_RMA_WINDOW = dt.timedelta(days=30)


@dataclass
class ReconcileResult:
    connection_id: int
    status: str = "ok"  # ok | skipped | busy | incomplete
    checked: int = 0
    repaired: int = 0
    missing_rmas: int = 0
    detail: str = ""
    notes: list[str] = field(default_factory=list)


def _since(connection: Connection, now: dt.datetime) -> dt.datetime:
    start = connection.sync_cursor or now - dt.timedelta(hours=settings.RECONCILE_FIRST_LOOKBACK_HOURS)
    return start - dt.timedelta(seconds=settings.RECONCILE_OVERLAP_SECONDS)


# -- warehouse side ---------------------------------------------------------------------------


def _reconcile_warehouse(connection: Connection, since: dt.datetime, now: dt.datetime, result: ReconcileResult) -> None:
    """The WMS's RMAs changed since `since`, mapped by the webhook mappers and applied like webhooks."""
    client = get_warehouse_client(connection=connection)
    for event in client.returns_changed_since(since=since, until=now, max_pages=settings.RECONCILE_MAX_PAGES):
        if not (event.rma_number or event.external_id):
            continue
        result.checked += 1
        before = _rma_state(connection, event)
        note = rma_apply_warehouse_event(connection=connection, event=event, webhook_id=None, found_by=FOUND_BY)
        if note:
            continue  # not ours (a native integration's RMA) or older than what we have
        if before is not None and before != _rma_state(connection, event):
            result.repaired += 1


def _rma_state(connection: Connection, event: InboundWarehouseReturnEvent) -> tuple[Any, ...] | None:
    lookup = {"number": event.rma_number} if event.rma_number else {"external_id": event.external_id}
    rma = RMA.objects.filter(warehouse_connection=connection, **lookup).first()
    if rma is None:
        return None
    quantities = tuple(rma.lines.order_by("id").values_list("received_quantity", "restocked_quantity"))
    return (rma.status, rma.outcome, rma.warehouse_status, quantities)


# -- platform side ----------------------------------------------------------------------------


def _reconcile_platform(connection: Connection, since: dt.datetime, now: dt.datetime, result: ReconcileResult) -> None:
    """The platform's returns changed since `since`, mapped by the webhook mappers and applied like webhooks."""
    client = get_returns_platform_client(connection=connection)
    for event in client.returns_changed_since(since=since, until=now, max_pages=settings.RECONCILE_MAX_PAGES):
        data = event.data
        if not data.external_id:
            continue
        result.checked += 1
        existing = Return.objects.filter(
            store_id=connection.store_id, platform=data.platform, external_id=data.external_id
        ).first()
        before = (existing.platform_updated_at, existing.state) if existing else None
        # Like a webhook: the order lookup routing may need is asked before the intake's transaction.
        prepared = return_event_prepare(connection=connection, event=event)
        return_obj = return_apply_event(
            connection=connection, event=event, webhook_id=None, order_lookup=prepared.order_lookup
        )
        return_obj.refresh_from_db()
        after = (return_obj.platform_updated_at, return_obj.state)
        if before == after:
            continue
        result.repaired += 1
        what = "Return" if before is None else f"Update of the return ({return_obj.state})"
        timeline_add(
            return_obj=return_obj,
            kind="reconciliation_repaired",
            level=TimelineEvent.Level.WARNING,
            message=f"{what} {FOUND_BY}: its webhook never arrived",
            data={"connection_id": connection.pk},
        )


def returns_flag_missing_rmas(*, store_id: int, now: dt.datetime | None = None) -> int:
    """Warn on the timeline of returns that should have an RMA but have none after the grace period (once each)."""
    now = now or timezone.now()
    grace = dt.timedelta(minutes=settings.RECONCILE_GRACE_MINUTES)
    candidates = (
        Return.objects.select_related("store")
        .filter(
            store_id=store_id,
            store__is_active=True,
            created_at__lt=now - grace,
            created_at__gte=now - _MISSING_RMA_WINDOW,
            rmas__isnull=True,
            lines__isnull=False,
        )
        .exclude(state__in=_FINISHED_STATES)
        .exclude(timeline__kind="rma_missing")
        .distinct()
    )
    flagged = 0
    for return_obj in candidates[:500]:
        if return_obj.is_test and not return_obj.store.is_sandbox:
            continue  # test events on a live store are discarded on purpose
        if not rma_trigger_met(return_obj=return_obj):
            continue  # waiting for its label (on_label_created): nothing is missing yet
        timeline_add(
            return_obj=return_obj,
            kind="rma_missing",
            level=TimelineEvent.Level.WARNING,
            message=f"No RMA {settings.RECONCILE_GRACE_MINUTES} minutes after the return arrived ({FOUND_BY}): "
            "check routing and the warehouse connection",
        )
        flagged += 1
    return flagged


# -- the run ----------------------------------------------------------------------------------


def connection_reconcile(*, connection_id: int, now: dt.datetime | None = None) -> ReconcileResult:
    """One reconciliation run for one connection; advances its cursor only when the run completes."""
    result = ReconcileResult(connection_id=connection_id)
    # One run at a time per connection: a slow run must not overlap the next beat's.
    with lease_acquire(key=f"connection:reconcile:{connection_id}") as lease:
        if not lease.held:
            result.status = "busy"
            return result
        connection = Connection.objects.select_related("store").filter(pk=connection_id).first()
        if connection is None or connection.status != Connection.Status.ACTIVE or not connection.store.is_active:
            result.status = "skipped"
            result.detail = "connection not active" if connection else "no such connection"
            return result
        started = now or timezone.now()
        since = _since(connection, started)
        try:
            if connection.role == Connection.Role.WAREHOUSE:
                _reconcile_warehouse(connection, since, started, result)
            else:
                _reconcile_platform(connection, since, started, result)
        except ProviderError as exc:
            # Transient (rate limit, outage) or permanent (credentials): keep the cursor, try next run.
            result.status = "incomplete"
            result.detail = exc.message
            level = logging.ERROR if isinstance(exc, ProviderPermanentError) else logging.WARNING
            logger.log(level, "reconciliation of connection %s stopped: %s", connection_id, type(exc).__name__)
            if not isinstance(exc, ProviderThrottled):  # our own rate limit says nothing about the connection
                connection_sync_failed(connection=connection, message=exc.message, at=started)
        if connection.role == Connection.Role.RETURNS_PLATFORM:
            result.missing_rmas = returns_flag_missing_rmas(store_id=connection.store_id, now=started)
            returns_platform_catch_up(store_id=connection.store_id)
        if result.status == "ok":
            Connection.objects.filter(pk=connection_id).update(sync_cursor=started)
            if connection.sync_error:
                connection_sync_recovered(connection=connection)
    return result


def connection_sync_failed(*, connection: Connection, message: str, at: dt.datetime) -> None:
    """Show a failed reconciliation on the connection's health (admin, API, the store's health).

    The error is also the connection's last_error, which the merchant's health page shows; the
    first failure of a streak keeps its time in sync_failed_at."""
    error = f"Reconciliation failed: {message}"[:2000]
    Connection.objects.filter(pk=connection.pk).update(
        sync_error=error, last_error=error, sync_failed_at=connection.sync_failed_at or at, updated_at=timezone.now()
    )


def connection_sync_recovered(*, connection: Connection) -> None:
    """A complete run clears the reconciliation failure (and last_error, unless something else wrote it since)."""
    now = timezone.now()
    Connection.objects.filter(pk=connection.pk, last_error=F("sync_error")).update(last_error="", updated_at=now)
    Connection.objects.filter(pk=connection.pk).update(sync_error="", sync_failed_at=None, updated_at=now)


def connections_reconcile_enqueue() -> int:
    """Publish one reconciliation task per active connection (the beat entry calls this)."""
    ids = list(
        Connection.objects.filter(status=Connection.Status.ACTIVE, store__is_active=True).values_list("pk", flat=True)
    )
    for connection_id in ids:
        task_publish("returns.tasks.connection_reconcile", connection_id)
    return len(ids)
