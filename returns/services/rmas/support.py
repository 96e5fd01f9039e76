"""What support does to one RMA from the admin or the API: cancel it, retry it."""

from django.db import transaction

from config.exceptions import ApplicationError
from returns.models import RMA
from returns.services.rmas.ordering import rmas_after_release
from returns.services.rmas.publishing import rma_push_enqueue, rma_task_enqueue
from returns.services.timeline import timeline_add


def rma_cancel(*, rma_id: int, reason: str, by: str = "") -> RMA:
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
                data={"reason": reason, "by": by},
            )
            rma_task_enqueue("rma_cancel_push", rma.pk)
        else:
            # Never reached the WMS (or an in-flight push will see this and cancel remotely).
            was_pending = rma.status == RMA.Status.PENDING
            rma.status = RMA.Status.CANCELLED
            rma.last_error = ""
            rma.save(update_fields=["status", "last_error", "updated_at"])
            if was_pending:
                rmas_after_release(rma, status=RMA.Status.CANCELLED)
            timeline_add(
                return_obj=rma.return_obj,
                rma=rma,
                kind="rma_cancelled",
                message=f"RMA {rma.number} cancelled before it reached the warehouse: {reason}",
                data={"reason": reason, "by": by},
            )
    rma.refresh_from_db()
    return rma


def rma_retry(*, rma_id: int, by: str = "") -> RMA:
    """Re-queue a failed or needs_attention RMA with a fresh attempt budget."""
    with transaction.atomic():
        rma = RMA.objects.select_for_update().select_related("return_obj").get(pk=rma_id)
        if rma.status not in (RMA.Status.FAILED, RMA.Status.NEEDS_ATTENTION, RMA.Status.PENDING):
            raise ApplicationError(f"RMA {rma.number} is {rma.get_status_display().lower()}; nothing to retry")
        if rma.external_id and rma.status == RMA.Status.NEEDS_ATTENTION:
            # A submitted RMA flagged later (failed cancel): retry the cancel, not the create.
            rma_task_enqueue("rma_cancel_push", rma.pk)
        else:
            rma.status = RMA.Status.PENDING
            rma.attempts = 0
            rma.next_attempt_at = None
            rma.save(update_fields=["status", "attempts", "next_attempt_at", "updated_at"])
            rma_push_enqueue(rma_id=rma.pk)
        timeline_add(
            return_obj=rma.return_obj,
            rma=rma,
            kind="rma_retry",
            message=f"RMA {rma.number} queued again by {by or 'support'}",
            data={"by": by},
        )
    rma.refresh_from_db()
    return rma
