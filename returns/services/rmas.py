"""RMA triggers, pushing, tracking updates, cancellation and retries (product.md flows 2-6).

How a push stays exactly-once at the WMS under at-least-once workers:
- the RMA row is written first (pending) and its task published only after commit; a sweeper
  re-publishes pending rows that were never tried;
- a per-RMA lease (cache.add, shared by all workers) lets one worker at a time push an RMA; a
  second worker retries later and then finds the RMA submitted (a no-op);
- the row is re-read under select_for_update and the attempt counter committed *before* the
  request, so a run after a killed worker or an ambiguous timeout knows a request may have
  landed and looks the RMA up by its number before creating it again;
- every create carries the RMA's idempotency key (TrackStar Idempotency-Key; ShipMonk upserts
  on `rma`; ShipStream refuses a duplicate merchant_ref).

Test data never reaches a live WMS: an RMA of a test return (Return.is_test) or of a sandbox
store is pushed only to a connection whose base URL is a sandbox or local address, and there
even while the connection is still a draft (the setup wizard's test runs before go-live).
Aimed at a live WMS it is closed as "planned, not sent": routing, numbering and mapping are
proven on the timeline without touching the warehouse, and support's queue stays clean.
"""

import logging
import random
import traceback as tb
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from config.exceptions import ApplicationError
from integrations.base import PushResult, RmaPayload, WarehouseClient
from integrations.exceptions import (
    ProviderError,
    ProviderPermanentError,
    ProviderRejected,
    ProviderThrottled,
    ProviderTransientError,
    UnsupportedCapability,
)
from integrations.http import connection_base_url
from integrations.models import Connection, Store
from integrations.registry import get_declaration, get_warehouse_client
from returns.models import RMA, Return, TimelineEvent
from returns.services.timeline import timeline_add

if TYPE_CHECKING:
    from returns.services.routing import OrderLookup

logger = logging.getLogger(__name__)

Level = TimelineEvent.Level
PLAN_CHANGES = ("created", "updated", "label_created", "label_updated")
LABEL_CHANGES = ("label_created", "label_updated")
CANCEL_CHANGES = ("cancelled", "label_request_cancelled")
SANDBOX_HOST_SUFFIXES = (".local", ".localhost", ".test", ".invalid")


@dataclass(frozen=True)
class PushOutcome:
    """What a task should do after one run of a push service."""

    action: str  # "done", "retry" or "busy"
    detail: str = ""
    countdown: float = 0.0

    @property
    def retry(self) -> bool:
        return self.action in ("retry", "busy")


# -- settings that tests shorten --------------------------------------------------------------


def _backoff_base() -> float:
    return float(getattr(settings, "RMA_PUSH_BACKOFF_SECONDS", 10))


def _lease_seconds() -> int:
    return int(getattr(settings, "RMA_PUSH_LEASE_SECONDS", settings.CELERY_TASK_TIME_LIMIT + 30))


def _sweep_grace() -> timedelta:
    return timedelta(seconds=int(getattr(settings, "RMA_SWEEP_GRACE_SECONDS", 120)))


def push_countdown(*, retries: int, retry_after: float | None = None) -> float:
    """Exponential backoff with jitter, never shorter than the provider's Retry-After, capped."""
    cap = float(settings.CELERY_MAX_COUNTDOWN_SECONDS)
    backoff = min(cap, _backoff_base() * (2**retries))
    delay = random.uniform(backoff / 2, backoff)  # noqa: S311 - jitter, not cryptography
    if retry_after:
        delay = max(delay, retry_after)
    return min(cap, delay)


# -- publishing -------------------------------------------------------------------------------


def _publish(task_name: str, rma_id: int) -> None:
    from returns import tasks

    try:
        getattr(tasks, task_name).delay(rma_id)
    except Exception:  # the broker may be down: the sweeper re-publishes pending RMAs
        logger.exception("could not publish %s for RMA %s", task_name, rma_id)


def rma_push_enqueue(*, rma_id: int) -> None:
    """Publish the push after the surrounding transaction commits (never a row the worker cannot see)."""
    transaction.on_commit(partial(_publish, "rma_push", rma_id), robust=True)


def _enqueue(task_name: str, rma_id: int) -> None:
    transaction.on_commit(partial(_publish, task_name, rma_id), robust=True)


# -- triggers ---------------------------------------------------------------------------------


def rma_trigger_met(*, return_obj: Return) -> bool:
    """on_return_created: always; on_label_created: once a live label exists."""
    from returns.services.planning import label_exists

    if return_obj.store.rma_trigger == Store.RmaTrigger.ON_LABEL_CREATED:
        return label_exists(return_obj=return_obj)
    return True


def rmas_on_return_changed(
    *,
    return_obj: Return,
    change: str,
    webhook_id: int | None = None,
    locked: bool = False,
    order_lookup: "OrderLookup | None" = None,
) -> None:
    """React to a return change from the intake.

    change is one of: "created", "updated", "label_created", "label_updated", "cancelled",
    "label_request_cancelled". Plans RMAs when the store's trigger is met, pushes tracking,
    cancels RMAs.

    locked: return_obj was read with its store under select_for_update in the current transaction
    and saved (the intake's): used as it is, and planning is told the row is locked (and reads
    the lines and shipments the intake left in its prefetch cache). Otherwise it is read again.
    order_lookup: the WMSs' answer about the order, asked before the caller's transaction.
    """
    from returns.services.planning import rmas_plan

    if not locked:
        return_obj = Return.objects.select_related("store").get(pk=return_obj.pk)
    if change in CANCEL_CHANGES or return_obj.state == "cancelled":
        for rma in return_obj.rmas.exclude(status=RMA.Status.CANCELLED):
            rma_cancel(rma_id=rma.pk, reason=f"return {change.replace('_', ' ')} on {return_obj.platform}")
        return
    if change not in PLAN_CHANGES:
        logger.warning("unknown return change %r", change)
        return
    if return_obj.store.is_active and rma_trigger_met(return_obj=return_obj):
        rmas_plan(return_obj=return_obj, webhook_id=webhook_id, locked=locked, order_lookup=order_lookup)
    if change in LABEL_CHANGES or change == "updated":
        for rma in return_obj.rmas.filter(status=RMA.Status.SUBMITTED):
            if _tracking_numbers(rma) != list(rma.pushed_tracking_numbers or []):
                _enqueue("rma_tracking_push", rma.pk)


def _tracking_numbers(rma: RMA) -> list[str]:
    from returns.selectors import rma_shipments

    return list(dict.fromkeys(s.tracking_number for s in rma_shipments(rma=rma) if s.tracking_number))


# -- guards -----------------------------------------------------------------------------------


def is_sandbox_url(url: str) -> bool:
    """A loopback / private-test host, a provider sandbox host, or our own /sandbox/ fakes."""
    if not url:
        return False
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if host in ("localhost", "127.0.0.1", "::1") or host.endswith(SANDBOX_HOST_SUFFIXES):
        return True
    if "sandbox" in host.split(".")[0] or ".sandbox." in f".{host}.":
        return True
    own = urlsplit(settings.PUBLIC_BASE_URL)
    return host == (own.hostname or "").lower() and parts.path.startswith("/sandbox/")


def _is_test_data(rma: RMA) -> bool:
    return rma.is_test or rma.return_obj.is_test or rma.store.is_sandbox


def _test_data_blocked(rma: RMA) -> bool:
    return _is_test_data(rma) and not is_sandbox_url(connection_base_url(rma.warehouse_connection))


def _may_push_now(rma: RMA) -> bool:
    """Active connections take pushes; a draft one takes test data bound for a sandbox."""
    connection = rma.warehouse_connection
    if connection.is_accepting_pushes:
        return True
    return connection.status == Connection.Status.DRAFT and _is_test_data(rma) and not _test_data_blocked(rma)


def _test_planned_only(rma: RMA) -> None:
    """Close a test RMA aimed at a live WMS: planned and shown, never sent."""
    reason = "test return: planned only, never sent to a live warehouse"
    RMA.objects.filter(pk=rma.pk).update(status=RMA.Status.CANCELLED, last_error=reason, updated_at=timezone.now())
    where = rma.location.warehouse_label if rma.location else rma.warehouse_connection.display_name
    timeline_add(
        return_obj=rma.return_obj,
        rma=rma,
        kind="rma_test_planned",
        level=Level.INFO,
        message=f"Test RMA {rma.number} planned at {where}: not sent, test returns never reach a live warehouse",
        data={"reason": reason},
    )


# -- lease ------------------------------------------------------------------------------------


class _Lease:
    """One worker at a time per RMA, across processes (Redis / file cache)."""

    def __init__(self, rma_id: int, purpose: str) -> None:
        self.key = f"rma-lease:{purpose}:{rma_id}"
        self.token = uuid.uuid4().hex
        self.held = False

    def __enter__(self) -> "_Lease":
        self.held = bool(cache.add(self.key, self.token, _lease_seconds()))
        return self

    def __exit__(self, *exc: object) -> None:
        if self.held and cache.get(self.key) == self.token:
            cache.delete(self.key)


# -- circuit breaker --------------------------------------------------------------------------


def _breaker_failure(*, connection_id: int, message: str) -> None:
    """Count one failure; at the threshold open the breaker (status failing) so pushes pause."""
    Connection.objects.filter(pk=connection_id).update(
        consecutive_failures=F("consecutive_failures") + 1, last_error=message[:2000], updated_at=timezone.now()
    )
    tripped = Connection.objects.filter(
        pk=connection_id,
        status=Connection.Status.ACTIVE,
        consecutive_failures__gte=settings.CIRCUIT_BREAKER_THRESHOLD,
    ).update(
        status=Connection.Status.FAILING,
        breaker_opened_at=timezone.now(),
        health_message=f"Circuit breaker open after {settings.CIRCUIT_BREAKER_THRESHOLD} consecutive failures: "
        f"pushes paused. Last error: {message[:500]}",
    )
    if tripped:
        logger.error("circuit breaker opened for connection %s", connection_id)


# last_success_at is health information, kept to the minute.
LAST_SUCCESS_AT_PRECISION = timedelta(seconds=60)


def _breaker_success(*, connection: Connection) -> None:
    """End a failure streak; every successful push lands here, so the shared connection row is
    rewritten only when something changes (a streak ends, the health time is a minute old):
    concurrent workers then do not queue on its row lock. `connection` was read at the start of
    the push; when it showed nothing to change, no statement is sent at all (a streak that began
    since then is ended by the next success)."""
    now = timezone.now()
    stale = now - LAST_SUCCESS_AT_PRECISION
    fresh = connection.last_success_at is not None and connection.last_success_at >= stale
    if connection.consecutive_failures == 0 and fresh:
        return
    Connection.objects.filter(pk=connection.pk).filter(
        Q(consecutive_failures__gt=0) | Q(last_success_at__isnull=True) | Q(last_success_at__lt=stale)
    ).update(consecutive_failures=0, last_success_at=now, updated_at=now)


def _counts_for_breaker(exc: ProviderError) -> bool:
    """Connection health, not data problems: a refused RMA (422) says nothing about the connection,
    and our own throttle sent nothing."""
    if isinstance(exc, ProviderThrottled | ProviderRejected):
        return False
    return exc.api_call_id is not None


# -- push -------------------------------------------------------------------------------------


def _client_for(rma: RMA) -> WarehouseClient:
    return get_warehouse_client(connection=rma.warehouse_connection)


def _with_external_order(*, client: WarehouseClient, rma: RMA, payload: RmaPayload, look_up: bool) -> RmaPayload:
    """A WMS that needs its own order id (TrackStar): from the fulfilments, else the cache, else (look_up)
    one order search whose answer is kept on the order's fulfilments and in the cache."""
    from dataclasses import replace

    from returns.selectors import order_external_id_cache_key, order_external_id_cached
    from warehouses.models import Fulfillment
    from warehouses.selectors import order_keys

    if not get_declaration(rma.warehouse_connection.provider).needs_wms_order_id or payload.external_order_id:
        return payload
    cached = order_external_id_cached(connection_id=rma.warehouse_connection_id, order_name=payload.order_name)
    if cached or not look_up:
        return replace(payload, external_order_id=cached)
    ref = client.order_find(order_name=payload.order_name, order_number=payload.order_number)
    if ref is None:
        raise ProviderRejected(f"{rma.warehouse_connection.display_name} has no order {payload.order_name}")
    names = order_keys(order_name=payload.order_name, order_number=payload.order_number)
    Fulfillment.objects.filter(store_id=rma.store_id, order_number__in=names, external_order_id="").filter(
        warehouse_connection_id__in=[rma.warehouse_connection_id]
    ).update(external_order_id=ref.external_order_id)
    cache.set(
        order_external_id_cache_key(connection_id=rma.warehouse_connection_id, order_name=payload.order_name),
        ref.external_order_id,
        30 * 24 * 3600,
    )
    return replace(payload, external_order_id=ref.external_order_id)


def rma_push(*, rma_id: int, final_attempt: bool = False, retries: int = 0) -> PushOutcome:
    """Send one pending RMA to its WMS; decide retry / needs_attention / failed on error."""
    from returns.selectors import rma_locked_for_push, rma_payload_build

    with _Lease(rma_id, "push") as lease:
        if not lease.held:
            # Another worker is pushing this RMA right now; come back later and find it done.
            return PushOutcome("done" if final_attempt else "busy", "another worker holds the RMA", 1.0)
        with transaction.atomic():
            locked = rma_locked_for_push(rma_id=rma_id)
            if locked is None:
                return PushOutcome("done", "no such RMA")
            rma, create_call_logged = locked
            if rma.status != RMA.Status.PENDING:
                return PushOutcome("done", f"already {rma.status}")
            connection = rma.warehouse_connection
            if _test_data_blocked(rma):
                _test_planned_only(rma)
                return PushOutcome("done", "test data planned only")
            if not _may_push_now(rma):
                RMA.objects.filter(pk=rma.pk).update(
                    last_error=f"waiting: connection is {connection.status}", updated_at=timezone.now()
                )
                return PushOutcome("done", f"connection {connection.status}")
            if rma.attempts > settings.RMA_PUSH_MAX_RETRIES:
                # Crash loops (a poison message redelivered after worker deaths) also end here.
                _failed(rma, f"gave up after {rma.attempts} attempts", trace="")
                return PushOutcome("done", "attempts exhausted")
            may_exist = rma.attempts > 0 or create_call_logged
            rma.attempts += 1
            rma.save(update_fields=["attempts", "updated_at"])
        # The request runs outside any transaction: ApiCall rows commit on their own, and no
        # database lock is held while waiting on the network.
        try:
            client = _client_for(rma)
            with client.log_context(rma_id=rma.pk, return_obj_id=rma.return_obj_id):
                payload = rma_payload_build(rma=rma)
                payload = _with_external_order(client=client, rma=rma, payload=payload, look_up=True)
                result = client.rma_find(payload=payload) if may_exist else None
                found = result is not None
                if result is None:
                    result = client.rma_create(payload=payload, idempotency_key=rma.idempotency_key)
        except ProviderTransientError as exc:
            return _push_transient(rma, exc, final_attempt=final_attempt, retries=retries)
        except ProviderPermanentError as exc:
            if _counts_for_breaker(exc):
                _breaker_failure(connection_id=rma.warehouse_connection_id, message=exc.message)
            _needs_attention(rma, exc.message, api_call_id=exc.api_call_id)
            return PushOutcome("done", "needs attention")
        _push_succeeded(rma, result, payload, found=found)
        return PushOutcome("done", "submitted")


def _push_transient(rma: RMA, exc: ProviderTransientError, *, final_attempt: bool, retries: int) -> PushOutcome:
    if isinstance(exc, ProviderThrottled):
        # Our own limiter: nothing was sent, so this is not an attempt.
        RMA.objects.filter(pk=rma.pk).update(attempts=F("attempts") - 1)
    elif _counts_for_breaker(exc):
        _breaker_failure(connection_id=rma.warehouse_connection_id, message=exc.message)
    if final_attempt and not isinstance(exc, ProviderThrottled):
        with transaction.atomic():
            locked = RMA.objects.select_for_update().get(pk=rma.pk)
            if locked.status == RMA.Status.PENDING:
                _failed(locked, exc.message, trace=tb.format_exc(), api_call_id=exc.api_call_id)
        return PushOutcome("done", "failed")
    RMA.objects.filter(pk=rma.pk).update(last_error=exc.message[:2000], updated_at=timezone.now())
    return PushOutcome("retry", exc.message, push_countdown(retries=retries, retry_after=exc.retry_after))


def _push_succeeded(rma: RMA, result: PushResult, payload: RmaPayload, *, found: bool) -> None:
    _breaker_success(connection=rma.warehouse_connection)
    now = timezone.now()
    recorded = {
        "external_id": result.external_id[:200],
        "external_url": result.external_url[:1000],
        "submitted_at": now,
        "last_error": "",
        "pushed_tracking_numbers": list(payload.tracking_numbers),
        "updated_at": now,
    }
    with transaction.atomic():
        # Conditional updates instead of a locked re-read: the row is still pending (the usual
        # case, one statement), or support cancelled it while the request was in flight (record
        # what the WMS created, keep it cancelled, and cancel it there too).
        submitted = RMA.objects.filter(pk=rma.pk, status=RMA.Status.PENDING).update(
            status=RMA.Status.SUBMITTED, **recorded
        )
        cancelled_meanwhile = not submitted and bool(
            RMA.objects.filter(pk=rma.pk, status=RMA.Status.CANCELLED).update(**recorded)
        )
        if not submitted and not cancelled_meanwhile:  # deleted meanwhile (its return was removed)
            return
        wms = rma.warehouse_connection.display_name
        where = rma.location.warehouse_label if rma.location else "the warehouse"
        verb = "found (already created)" if found else "created"
        timeline_add(
            return_obj=rma.return_obj,
            rma=rma,
            kind="rma_submitted",
            level=Level.SUCCESS,
            message=f"{wms} RMA {rma.number} {verb} at {where}",
            data={"external_id": result.external_id, "external_url": result.external_url},
            api_call_id=result.api_call_id,
        )
        if result.unused_fields:
            timeline_add(
                return_obj=rma.return_obj,
                rma=rma,
                kind="rma_unused_fields",
                level=Level.WARNING,
                message=f"{wms} ignored fields of RMA {rma.number}: {', '.join(result.unused_fields)}",
                data={"unused_fields": list(result.unused_fields)},
                api_call_id=result.api_call_id,
            )
        if cancelled_meanwhile:
            _enqueue("rma_cancel_push", rma.pk)


def _needs_attention(rma: RMA, message: str, *, api_call_id: int | None = None, kind: str = "rma_rejected") -> None:
    RMA.objects.filter(pk=rma.pk).update(
        status=RMA.Status.NEEDS_ATTENTION, last_error=message[:2000], updated_at=timezone.now()
    )
    timeline_add(
        return_obj=rma.return_obj,
        rma=rma,
        kind=kind,
        level=Level.ERROR,
        message=f"RMA {rma.number} needs attention: {message}",
        data={"error": message},
        api_call_id=api_call_id,
    )


def _failed(rma: RMA, message: str, *, trace: str, api_call_id: int | None = None) -> None:
    detail = f"{message}\n\n{trace}".strip()
    RMA.objects.filter(pk=rma.pk).update(status=RMA.Status.FAILED, last_error=detail, updated_at=timezone.now())
    timeline_add(
        return_obj=rma.return_obj,
        rma=rma,
        kind="rma_failed",
        level=Level.ERROR,
        message=f"RMA {rma.number} failed after {rma.attempts} attempt(s): {message}",
        data={"error": message, "traceback": trace[-4000:]},
        api_call_id=api_call_id,
    )


# -- later changes: tracking and cancellation -------------------------------------------------


def _remote_change(
    *,
    rma_id: int,
    purpose: str,
    final_attempt: bool,
    retries: int,
    should_run: Callable[[RMA], bool],
    call: Callable[[WarehouseClient, RMA, RmaPayload], PushResult],
    on_success: Callable[[RMA, PushResult, RmaPayload], None],
    on_permanent: Callable[[RMA, ProviderPermanentError], None],
) -> PushOutcome:
    from returns.selectors import rma_payload_build, rma_with_relations

    with _Lease(rma_id, purpose) as lease:
        if not lease.held:
            return PushOutcome("done" if final_attempt else "busy", "another worker holds the RMA", 1.0)
        rma = rma_with_relations(rma_id=rma_id)
        if not should_run(rma):
            return PushOutcome("done", "nothing to do")
        if not rma.warehouse_connection.is_accepting_pushes and not final_attempt:
            return PushOutcome("retry", "connection paused", push_countdown(retries=retries))
        try:
            client = _client_for(rma)
            with client.log_context(rma_id=rma.pk, return_obj_id=rma.return_obj_id):
                payload = rma_payload_build(rma=rma)
                payload = _with_external_order(client=client, rma=rma, payload=payload, look_up=False)
                result = call(client, rma, payload)
        except ProviderTransientError as exc:
            if _counts_for_breaker(exc):
                _breaker_failure(connection_id=rma.warehouse_connection_id, message=exc.message)
            if final_attempt:
                on_permanent(rma, ProviderPermanentError(f"gave up: {exc.message}", api_call_id=exc.api_call_id))
                return PushOutcome("done", "failed")
            return PushOutcome("retry", exc.message, push_countdown(retries=retries, retry_after=exc.retry_after))
        except ProviderPermanentError as exc:
            on_permanent(rma, exc)
            return PushOutcome("done", "permanent error")
        _breaker_success(connection=rma.warehouse_connection)
        on_success(rma, result, payload)
        return PushOutcome("done", "ok")


def rma_tracking_push(*, rma_id: int, final_attempt: bool = False, retries: int = 0) -> PushOutcome:
    """Send a submitted RMA's new tracking numbers to the WMS (ShipMonk upsert, TrackStar PUT, ShipStream update)."""

    def should_run(rma: RMA) -> bool:
        return rma.status == RMA.Status.SUBMITTED and _tracking_numbers(rma) != list(rma.pushed_tracking_numbers)

    def call(client: WarehouseClient, rma: RMA, payload: RmaPayload) -> PushResult:
        key = f"{rma.idempotency_key}:tracking:{'-'.join(payload.tracking_numbers)}"[:255]
        return client.rma_update_tracking(external_id=rma.external_id, payload=payload, idempotency_key=key)

    def on_success(rma: RMA, result: PushResult, payload: RmaPayload) -> None:
        RMA.objects.filter(pk=rma.pk).update(pushed_tracking_numbers=list(payload.tracking_numbers))
        timeline_add(
            return_obj=rma.return_obj,
            rma=rma,
            kind="rma_tracking_pushed",
            message=f"Tracking {', '.join(payload.tracking_numbers)} sent to RMA {rma.number}",
            data={"tracking_numbers": list(payload.tracking_numbers)},
            api_call_id=result.api_call_id,
        )

    def on_permanent(rma: RMA, exc: ProviderPermanentError) -> None:
        # The RMA itself is fine at the WMS; only the tracking did not reach it.
        RMA.objects.filter(pk=rma.pk).update(last_error=exc.message[:2000])
        timeline_add(
            return_obj=rma.return_obj,
            rma=rma,
            kind="rma_tracking_failed",
            level=Level.WARNING,
            message=f"Tracking not sent to RMA {rma.number}: {exc.message}",
            api_call_id=exc.api_call_id,
        )

    return _remote_change(
        rma_id=rma_id,
        purpose="tracking",
        final_attempt=final_attempt,
        retries=retries,
        should_run=should_run,
        call=call,
        on_success=on_success,
        on_permanent=on_permanent,
    )


def rma_cancel_push(*, rma_id: int, final_attempt: bool = False, retries: int = 0) -> PushOutcome:
    """Cancel an RMA at its WMS (TrackStar cancel, ShipStream delivery.cancel); ShipMonk → support."""

    def should_run(rma: RMA) -> bool:
        return bool(rma.external_id) and rma.warehouse_status != "cancelled"

    def call(client: WarehouseClient, rma: RMA, payload: RmaPayload) -> PushResult:
        if not get_declaration(rma.warehouse_connection.provider).supports_cancel:
            raise UnsupportedCapability(rma.warehouse_connection.display_name, "cancelling RMAs through its API")
        return client.rma_cancel(
            external_id=rma.external_id, payload=payload, idempotency_key=f"{rma.idempotency_key}:cancel"
        )

    def on_success(rma: RMA, result: PushResult, payload: RmaPayload) -> None:
        RMA.objects.filter(pk=rma.pk).update(
            status=RMA.Status.CANCELLED, warehouse_status="cancelled", last_error="", updated_at=timezone.now()
        )
        timeline_add(
            return_obj=rma.return_obj,
            rma=rma,
            kind="rma_cancelled",
            message=f"{rma.warehouse_connection.display_name} RMA {rma.number} cancelled",
            api_call_id=result.api_call_id,
        )

    def on_permanent(rma: RMA, exc: ProviderPermanentError) -> None:
        message = exc.message
        if isinstance(exc, UnsupportedCapability):
            message = f"cancel RMA {rma.number} in {rma.warehouse_connection.display_name} by hand ({exc.message})"
        _needs_attention(rma, message, api_call_id=exc.api_call_id, kind="rma_cancel_failed")

    return _remote_change(
        rma_id=rma_id,
        purpose="cancel",
        final_attempt=final_attempt,
        retries=retries,
        should_run=should_run,
        call=call,
        on_success=on_success,
        on_permanent=on_permanent,
    )


# -- services for admin and API ---------------------------------------------------------------


def rma_cancel(*, rma_id: int, reason: str) -> RMA:
    """Cancel an RMA: locally when the WMS never got it, else queue the cancel at the WMS."""
    with transaction.atomic():
        rma = RMA.objects.select_for_update().select_related("return_obj", "warehouse_connection").get(pk=rma_id)
        if rma.status == RMA.Status.CANCELLED and (not rma.external_id or rma.warehouse_status == "cancelled"):
            return rma
        if rma.external_id:
            timeline_add(
                return_obj=rma.return_obj,
                rma=rma,
                kind="rma_cancel_requested",
                message=f"Cancelling RMA {rma.number} at {rma.warehouse_connection.display_name}: {reason}",
                data={"reason": reason},
            )
            _enqueue("rma_cancel_push", rma.pk)
        else:
            # Never reached the WMS (or an in-flight push will see this and cancel remotely).
            rma.status = RMA.Status.CANCELLED
            rma.last_error = ""
            rma.save(update_fields=["status", "last_error", "updated_at"])
            timeline_add(
                return_obj=rma.return_obj,
                rma=rma,
                kind="rma_cancelled",
                message=f"RMA {rma.number} cancelled before it reached the warehouse: {reason}",
                data={"reason": reason},
            )
    rma.refresh_from_db()
    return rma


def rma_retry(*, rma_id: int) -> RMA:
    """Re-queue a failed or needs_attention RMA with a fresh attempt budget."""
    with transaction.atomic():
        rma = RMA.objects.select_for_update().select_related("return_obj").get(pk=rma_id)
        if rma.status not in (RMA.Status.FAILED, RMA.Status.NEEDS_ATTENTION, RMA.Status.PENDING):
            raise ApplicationError(f"RMA {rma.number} is {rma.get_status_display().lower()}; nothing to retry")
        if rma.external_id and rma.status == RMA.Status.NEEDS_ATTENTION:
            # A submitted RMA flagged later (failed cancel): retry the cancel, not the create.
            _enqueue("rma_cancel_push", rma.pk)
        else:
            rma.status = RMA.Status.PENDING
            rma.attempts = 0
            rma.save(update_fields=["status", "attempts", "updated_at"])
            rma_push_enqueue(rma_id=rma.pk)
        timeline_add(
            return_obj=rma.return_obj, rma=rma, kind="rma_retry", message=f"RMA {rma.number} queued again by support"
        )
    rma.refresh_from_db()
    return rma


def rmas_sweep_pending(*, now: Any = None) -> int:
    """Re-publish pending RMAs that were never tried (lost publish) or whose retry was lost."""
    now = now or timezone.now()
    grace = _sweep_grace()
    lost_retry = timedelta(seconds=settings.CELERY_MAX_COUNTDOWN_SECONDS) + grace
    ids = list(
        RMA.objects.filter(status=RMA.Status.PENDING, warehouse_connection__status=Connection.Status.ACTIVE)
        .filter(updated_at__lt=now - grace)
        .exclude(attempts__gt=0, updated_at__gte=now - lost_retry)
        .values_list("pk", flat=True)[:500]
    )
    for rma_id in ids:
        _publish("rma_push", rma_id)
    return len(ids)


def rmas_requeue_for_connection(*, connection_id: int) -> int:
    """After a resume or breaker reset: publish every pending RMA of the connection."""
    ids = list(
        RMA.objects.filter(status=RMA.Status.PENDING, warehouse_connection_id=connection_id).values_list(
            "pk", flat=True
        )
    )
    for rma_id in ids:
        rma_push_enqueue(rma_id=rma_id)
    return len(ids)
