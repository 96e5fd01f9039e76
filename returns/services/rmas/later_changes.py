"""Changes to an RMA the WMS already has: new tracking numbers, cancellation.

Each change owed to the WMS has a due marker on the RMA (`tracking_due_at`, `cancel_due_at`): set when
it is queued (publishing.rma_task_enqueue), when a try starts, and to the end of a scheduled retry's
countdown; cleared once the change is sent, refused or no longer needed. The RMA sweep
(sweeps.rma_changes_sweep_due) re-publishes a change whose marker is RMA_SWEEP_GRACE_SECONDS old, so a
change lost with a killed worker (its countdown retry held in memory, its message back only after the
broker's visibility timeout) is sent all the same. A rerun after a request that may have landed sends
it again with the same idempotency key: both changes are idempotent at the WMS (ShipMonk's tracking is
the create upsert keyed on the RMA number, TrackStar dedupes on Idempotency-Key, and cancelling a
cancelled RMA changes nothing).
"""

from collections.abc import Callable
from datetime import timedelta

from django.utils import timezone

from integrations.base import PushResult, RmaPayload, WarehouseClient
from integrations.circuit_breaker import breaker_trial_is_due
from integrations.exceptions import ProviderPermanentError, ProviderTransientError, UnsupportedCapability
from integrations.registry import get_declaration, get_warehouse_client
from integrations.services.health import connection_credentials_rejected
from returns.models import RMA, TimelineEvent
from returns.retry_policy import PushOutcome, push_countdown
from returns.selectors import rma_payload_build, rma_tracking_numbers, rma_with_relations
from returns.services.rmas.lease import rma_lease
from returns.services.rmas.push import rma_needs_attention, rma_payload_with_wms_order
from returns.services.timeline import timeline_add

Level = TimelineEvent.Level

DUE_FIELDS = {"tracking": "tracking_due_at", "cancel": "cancel_due_at"}


def _due(rma_id: int, purpose: str, *, seconds: float | None) -> None:
    """Set the change's due marker `seconds` from now, or clear it (None: nothing more is owed)."""
    at = None if seconds is None else timezone.now() + timedelta(seconds=max(seconds, 0.0))
    RMA.objects.filter(pk=rma_id).update(**{DUE_FIELDS[purpose]: at})


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
    with rma_lease(rma_id=rma_id, purpose=purpose) as lease:
        if not lease.held:
            return PushOutcome("busy", "another worker holds the RMA", lease.wait_seconds)
        rma = rma_with_relations(rma_id=rma_id)
        if not should_run(rma):
            _due(rma_id, purpose, seconds=None)
            return PushOutcome("done", "nothing to do")
        connection = rma.warehouse_connection
        # An open breaker past its cooldown lets one call through: the transport claims the trial.
        may_go = connection.is_accepting_pushes or breaker_trial_is_due(connection)
        if not may_go and not final_attempt:
            countdown = push_countdown(retries=retries)
            _due(rma_id, purpose, seconds=countdown)
            return PushOutcome("retry", f"connection {connection.status}", countdown)
        _due(rma_id, purpose, seconds=0)  # being tried: the sweeper counts its grace from now
        try:
            client = get_warehouse_client(connection=rma.warehouse_connection)
            with client.log_context(rma_id=rma.pk, return_obj_id=rma.return_obj_id):
                payload = rma_payload_build(rma=rma)
                payload = rma_payload_with_wms_order(client=client, rma=rma, payload=payload, look_up=False)
                result = call(client, rma, payload)
        except ProviderTransientError as exc:
            if final_attempt:
                on_permanent(rma, ProviderPermanentError(f"gave up: {exc.message}", api_call_id=exc.api_call_id))
                _due(rma_id, purpose, seconds=None)
                return PushOutcome("done", "failed")
            countdown = push_countdown(retries=retries, retry_after=exc.retry_after)
            _due(rma_id, purpose, seconds=countdown)
            return PushOutcome("retry", exc.message, countdown)
        except ProviderPermanentError as exc:
            connection_credentials_rejected(connection_id=rma.warehouse_connection_id, exc=exc)
            on_permanent(rma, exc)
            _due(rma_id, purpose, seconds=None)
            return PushOutcome("done", "permanent error")
        on_success(rma, result, payload)
        _due(rma_id, purpose, seconds=None)
        return PushOutcome("done", "ok")


def rma_tracking_push(*, rma_id: int, final_attempt: bool = False, retries: int = 0) -> PushOutcome:
    """Send a submitted RMA's new tracking numbers to the WMS (ShipMonk upsert, TrackStar PUT, ShipStream update)."""

    def should_run(rma: RMA) -> bool:
        return rma.status == RMA.Status.SUBMITTED and rma_tracking_numbers(rma=rma) != list(rma.pushed_tracking_numbers)

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
        rma_needs_attention(rma, message, api_call_id=exc.api_call_id, kind="rma_cancel_failed")

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
