"""When a return's change plans RMAs, pushes their tracking or cancels them (product.md flows 2-6)."""

import logging

from integrations.models import Store
from returns.models import RMA, Return
from returns.routing import OrderLookup
from returns.selectors import return_label_exists, rma_tracking_numbers
from returns.services.planning import ReturnContents, rmas_plan
from returns.services.rmas.publishing import rma_task_enqueue
from returns.services.rmas.support import rma_cancel

logger = logging.getLogger(__name__)

PLAN_CHANGES = ("created", "updated", "label_created", "label_updated")
LABEL_CHANGES = ("label_created", "label_updated")
CANCEL_CHANGES = ("cancelled", "label_request_cancelled")


def rma_trigger_met(*, return_obj: Return) -> bool:
    """on_return_created: always; on_label_created: once a live label exists."""
    if return_obj.store.rma_trigger == Store.RmaTrigger.ON_LABEL_CREATED:
        return return_label_exists(return_obj=return_obj)
    return True


def rmas_on_return_changed(
    *,
    return_obj: Return,
    change: str,
    webhook_id: int | None = None,
    locked: bool = False,
    order_lookup: OrderLookup | None = None,
    contents: ReturnContents | None = None,
    routing_memo: dict | None = None,
) -> None:
    """React to a return change from the intake.

    change is one of: "created", "updated", "label_created", "label_updated", "cancelled",
    "label_request_cancelled". Plans RMAs when the store's trigger is met, pushes tracking,
    cancels RMAs.

    locked: return_obj was read with its store under select_for_update in the current transaction
    and saved (the intake's): used as it is, and planning is told the row is locked (and reads
    the lines and shipments the intake wrote, in contents). Otherwise it is read again.
    order_lookup: the WMSs' answer about the order, asked before the caller's transaction.
    routing_memo: what the caller's prepare step read for routing (returns.routing.DatabaseLookups), not read again.
    """
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
        rmas_plan(
            return_obj=return_obj,
            webhook_id=webhook_id,
            locked=locked,
            order_lookup=order_lookup,
            contents=contents,
            routing_memo=routing_memo,
            # The intake's "created": the return was inserted in this transaction, so it has no RMA yet.
            new_return=locked and change == "created",
        )
    if change in LABEL_CHANGES or change == "updated":
        for rma in return_obj.rmas.filter(status=RMA.Status.SUBMITTED):
            if rma_tracking_numbers(rma=rma) != list(rma.pushed_tracking_numbers or []):
                rma_task_enqueue("rma_tracking_push", rma.pk)
