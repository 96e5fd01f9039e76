"""Pushing one pending RMA to its WMS, exactly once at the WMS under at-least-once workers.

- the RMA row is written first (pending) and its task published only after commit; a sweeper
  re-publishes pending rows that were never tried;
- a per-RMA lease (lease.py, config/leases.py: Redis, or files in the quick start) lets one worker
  at a time push an RMA. It expires with the task time limit, so a worker killed mid-push frees it
  by the time its task could have ended; a second or redelivered task waits that long (without
  spending a retry) and then finds the RMA submitted, or pushes it;
- the row is re-read under select_for_update and the attempt counter committed *before* the
  request, so a run after a killed worker or an ambiguous timeout knows a request may have
  landed and looks the RMA up by its number before creating it again;
- every create carries the RMA's idempotency key (TrackStar Idempotency-Key; ShipMonk upserts
  on `rma`; ShipStream refuses a duplicate merchant_ref);
- nothing waits on a task that may be gone: a scheduled retry records when it is due
  (RMA.next_attempt_at), and the sweeper (sweeps.py) re-publishes any pending RMA that no task
  took within RMA_SWEEP_GRACE_SECONDS of that (or of its last try), so after a SIGKILL anywhere
  the RMA is pushed within the grace plus the sweep interval.
"""

import traceback as tb
from dataclasses import replace
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone

from config import metrics
from integrations.base import PushResult, RmaPayload, WarehouseClient
from integrations.circuit_breaker import breaker_trial_is_due
from integrations.exceptions import ProviderPermanentError, ProviderRejected, ProviderThrottled, ProviderTransientError
from integrations.models import ApiCall, Connection
from integrations.registry import get_declaration, get_warehouse_client
from integrations.services.health import connection_credentials_rejected
from integrations.services.notifications import return_notify
from returns.models import RMA, TimelineEvent
from returns.retry_policy import PushOutcome, push_countdown
from returns.selectors import (
    RMA_RELATIONS,
    order_external_id_cache_key,
    order_external_id_cached,
    rma_payload_build,
)
from returns.services.rmas.lease import rma_lease
from returns.services.rmas.ordering import earlier_pending_exists, rma_wait_for_earlier, rmas_after_release
from returns.services.rmas.publishing import rma_task_enqueue
from returns.services.rmas.sandbox_guard import rma_may_push_now, rma_test_data_blocked, rma_test_planned_only
from returns.services.timeline import timeline_add
from warehouses.models import Fulfillment
from warehouses.selectors import order_keys

Level = TimelineEvent.Level


def _client_for(rma: RMA) -> WarehouseClient:
    return get_warehouse_client(connection=rma.warehouse_connection)


def rma_payload_with_wms_order(*, client: WarehouseClient, rma: RMA, payload: RmaPayload, look_up: bool) -> RmaPayload:
    """A WMS that needs its own order id (TrackStar): from the fulfilments, else the cache, else (look_up)
    one order search whose answer is kept on the order's fulfilments and in the cache."""
    if not get_declaration(rma.warehouse_connection.provider).needs_wms_order_id or payload.external_order_id:
        return payload
    cached = order_external_id_cached(connection_id=rma.warehouse_connection_id, order_name=payload.order_name)
    if cached or not look_up:
        return replace(payload, external_order_id=cached)
    name, number, ids = payload.order_name, payload.order_number, payload.platform_order_ids
    ref = client.order_find(order_name=name, order_number=number, order_ids=ids)
    if ref is None:
        # Name every form searched, so support sees the order is really unknown there, not searched wrongly.
        forms = ", ".join(client.order_search_forms(order_name=name, order_number=number, order_ids=ids))
        wms = rma.warehouse_connection.display_name
        raise ProviderRejected(f"{wms} has no order {name or number} (searched {forms})")
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


def credentials_refused_reason(connection: Connection, answer: str) -> str:
    """Why an RMA waits after its warehouse refused the credentials: what, and that it goes by itself once fixed."""
    wms = connection.display_name
    return (
        f"Waiting for working {wms} credentials: {wms} refused the connection's credentials ({answer[:300]}). "
        f"This RMA is sent by itself once working credentials are saved for {wms} (or its Test succeeds)."
    )[:2000]


def waiting_reason(connection: Connection) -> str:
    """Why an RMA waits for its connection, in words, and what makes it go."""
    wms, status = connection.display_name, Connection.Status
    if connection.status == status.CREDENTIALS_REJECTED:
        return credentials_refused_reason(connection, connection.last_error or "401/403")
    if connection.status == status.FAILING:
        return (
            f"Waiting: calls to {wms} are paused after repeated failures (circuit breaker). This RMA is tried "
            "again by itself after the cooldown, or when support resets the breaker."
        )
    if connection.status == status.PAUSED:
        return f"Waiting: support paused the connection to {wms}. This RMA is sent once it is resumed."
    return f"Waiting: the connection to {wms} is not live yet. This RMA is sent once the store goes live."


def rma_lock_for_push(*, rma_id: int) -> tuple[RMA, bool] | None:
    """The RMA row locked for update (only its own row: the joins are nullable) with what a push
    reads, and whether a create request was ever logged for it (a support retry resets the
    attempt counter, not the history), in one statement."""
    create_calls = ApiCall.objects.filter(rma_id=OuterRef("pk"), operation="rma_create")
    try:  # get(), not first(): no ORDER BY to compile
        rma = (
            RMA.objects.select_for_update(of=("self",))
            .select_related(*RMA_RELATIONS)
            .annotate(
                create_call_logged=Exists(create_calls),
                earlier_pending=earlier_pending_exists(),
                # When the webhook that made this RMA due arrived: the end-to-end latency metric.
                source_received_at=F("source_webhook__created_at"),
            )
            .get(pk=rma_id)
        )
    except RMA.DoesNotExist:
        return None
    return rma, bool(rma.create_call_logged)


def rma_push(*, rma_id: int, final_attempt: bool = False, retries: int = 0) -> PushOutcome:
    """Send one pending RMA to its WMS; decide retry / needs_attention / failed on error."""
    with rma_lease(rma_id=rma_id, purpose="push") as lease:
        if not lease.held:
            # Another worker pushes this RMA, or one died while pushing and its lease runs out
            # with the task time limit: come back then (nothing was tried, so no retry is spent).
            return PushOutcome("busy", "another worker holds the RMA", lease.wait_seconds)
        with transaction.atomic():
            locked = rma_lock_for_push(rma_id=rma_id)
            if locked is None:
                return PushOutcome("done", "no such RMA")
            rma, create_call_logged = locked
            if rma.status != RMA.Status.PENDING:
                return PushOutcome("done", f"already {rma.status}")
            connection = rma.warehouse_connection
            if rma_test_data_blocked(rma):
                rma_test_planned_only(rma)
                rmas_after_release(rma, status=RMA.Status.CANCELLED)
                return PushOutcome("done", "test data planned only")
            if rma.earlier_pending:  # type: ignore[attr-defined]  # annotated by rma_lock_for_push
                earlier = rma_wait_for_earlier(rma)
                if earlier:
                    return PushOutcome("done", f"waiting for RMA {earlier}")
            # An open breaker past its cooldown lets one call through: the transport claims the trial.
            if not rma_may_push_now(rma) and not breaker_trial_is_due(connection):
                RMA.objects.filter(pk=rma.pk).update(last_error=waiting_reason(connection), updated_at=timezone.now())
                metrics.rma_pushes.labels(connection.provider, "waiting").inc()
                return PushOutcome("done", f"connection {connection.status}")
            if rma.attempts > settings.RMA_PUSH_MAX_RETRIES:
                # Crash loops (a poison message redelivered after worker deaths) also end here.
                _failed(rma, f"gave up after {rma.attempts} attempts", trace="")
                metrics.rma_pushes.labels(connection.provider, "failed").inc()
                return PushOutcome("done", "attempts exhausted")
            may_exist = rma.attempts > 0 or create_call_logged
            rma.attempts += 1
            rma.next_attempt_at = None  # being tried now: the sweeper counts its grace from updated_at
            rma.save(update_fields=["attempts", "next_attempt_at", "updated_at"])
        # The request runs outside any transaction: ApiCall rows commit on their own, and no
        # database lock is held while waiting on the network.
        try:
            client = _client_for(rma)
            with client.log_context(rma_id=rma.pk, return_obj_id=rma.return_obj_id):
                payload = rma_payload_build(rma=rma)
                payload = rma_payload_with_wms_order(client=client, rma=rma, payload=payload, look_up=True)
                result = client.rma_find(payload=payload) if may_exist else None
                found = result is not None
                if result is None:
                    result = client.rma_create(payload=payload, idempotency_key=rma.idempotency_key)
        except ProviderTransientError as exc:
            return _push_transient(rma, exc, final_attempt=final_attempt, retries=retries)
        except ProviderPermanentError as exc:
            if connection_credentials_rejected(connection_id=rma.warehouse_connection_id, exc=exc):
                # Not this RMA's fault: it waits, pending, its attempt given back, for working credentials.
                RMA.objects.filter(pk=rma.pk).update(
                    attempts=F("attempts") - 1, last_error=credentials_refused_reason(connection, exc.message)
                )
                metrics.rma_pushes.labels(connection.provider, "credentials_rejected").inc()
                return PushOutcome("done", "credentials rejected")
            rma_needs_attention(rma, exc.message, api_call_id=exc.api_call_id)
            metrics.rma_pushes.labels(connection.provider, "needs_attention").inc()
            return PushOutcome("done", "needs attention")
        _push_succeeded(rma, result, payload, found=found)
        metrics.rma_pushes.labels(connection.provider, "submitted").inc()
        received_at = getattr(rma, "source_received_at", None)
        if received_at is not None:
            metrics.webhook_to_rma_seconds.labels(connection.provider).observe(
                (timezone.now() - received_at).total_seconds()
            )
        return PushOutcome("done", "submitted")


def _push_transient(rma: RMA, exc: ProviderTransientError, *, final_attempt: bool, retries: int) -> PushOutcome:
    if isinstance(exc, ProviderThrottled):
        # Our own limiter or an open breaker: nothing was sent, so this is not an attempt.
        RMA.objects.filter(pk=rma.pk).update(attempts=F("attempts") - 1)
    if final_attempt and not isinstance(exc, ProviderThrottled):
        with transaction.atomic():
            locked = RMA.objects.select_for_update().get(pk=rma.pk)
            if locked.status == RMA.Status.PENDING:
                _failed(locked, exc.message, trace=tb.format_exc(), api_call_id=exc.api_call_id)
        metrics.rma_pushes.labels(rma.warehouse_connection.provider, "failed").inc()
        return PushOutcome("done", "failed")
    countdown = push_countdown(retries=retries, retry_after=exc.retry_after)
    now = timezone.now()
    RMA.objects.filter(pk=rma.pk).update(
        last_error=exc.message[:2000], next_attempt_at=now + timedelta(seconds=countdown), updated_at=now
    )
    metrics.rma_pushes.labels(rma.warehouse_connection.provider, "retry").inc()
    return PushOutcome("retry", exc.message, countdown)


# Statuses only the warehouse's news sets after submitted: an RMA in one of them was created there.
_WAREHOUSE_PROGRESS = (RMA.Status.SUBMITTED, RMA.Status.IN_TRANSIT, RMA.Status.RECEIVING, RMA.Status.RECEIVED)


def _push_succeeded(rma: RMA, result: PushResult, payload: RmaPayload, *, found: bool) -> None:
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
        # The warehouse's own news of this RMA (a webhook announcing the new return, or the parcel itself)
        # was applied before this answer: its status stays, and what the create answered is still recorded,
        # or no cancel or tracking change could reach the WMS later.
        announced_meanwhile = (
            not submitted
            and not cancelled_meanwhile
            and bool(
                RMA.objects.filter(pk=rma.pk, status__in=_WAREHOUSE_PROGRESS, submitted_at__isnull=True).update(
                    **recorded
                )
            )
        )
        if not (submitted or cancelled_meanwhile or announced_meanwhile):  # deleted meanwhile (return removed)
            return
        rmas_after_release(rma, status=RMA.Status.CANCELLED if cancelled_meanwhile else RMA.Status.SUBMITTED)
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
            rma_task_enqueue("rma_cancel_push", rma.pk)


def rma_needs_attention(rma: RMA, message: str, *, api_call_id: int | None = None, kind: str = "rma_rejected") -> None:
    """Park the RMA for support (a permanent error: retrying would fail the same way) and say why."""
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
    return_notify(return_id=rma.return_obj_id, kind="rma_needs_attention", message=f"RMA {rma.number}: {message}")
    rmas_after_release(rma, status=RMA.Status.NEEDS_ATTENTION)


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
    rmas_after_release(rma, status=RMA.Status.FAILED)
