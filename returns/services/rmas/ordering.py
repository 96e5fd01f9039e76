"""Several RMAs of one order reach their warehouse system in number order: `1042` before `1042_01`.

Warehouse staff read the suffix as "the second RMA for this order", so a later RMA of the order
is pushed only once every earlier RMA of the same order on the same WMS connection has left
`pending` (created there, or given up on). The rule costs the single-RMA push nothing: whether an
earlier RMA is pending is one EXISTS inside the query that already locks the RMA for its push
(push.rma_lock_for_push).

- a later RMA that finds an earlier one pending is not pushed now; it records why and waits, pending;
- when an RMA leaves `pending` (submitted, needs attention, failed, cancelled, test data planned
  only), the pushes of the order's later pending RMAs are published after that commits;
- an earlier RMA that is not created (needs attention, failed, cancelled) does not hold the later
  ones: they are sent, and the timeline says the earlier one was not created first;
- should that publish be lost (a crash between commit and publish), the RMA sweep re-publishes the
  waiting RMA after RMA_SWEEP_GRACE_SECONDS, and its push looks again.

Numbers of one order are allocated under the order's sequence row lock, which is held until the
plan commits, so a later number always has a larger id: "earlier" is a smaller id here.
"""

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from returns.models import RMA
from returns.services.rmas.publishing import rma_push_enqueue
from returns.services.timeline import timeline_add

WAITING_PREFIX = "waiting: RMA "


def _same_order(*, store: object, connection: object, order_name: object, return_obj: object) -> Q:
    # An RMA with no order name is numbered from its own return's id: only that return's RMAs share it.
    return Q(store_id=store, warehouse_connection_id=connection, order_name=order_name) & (
        ~Q(order_name="") | Q(return_obj_id=return_obj)
    )


def earlier_pending_exists() -> Exists:
    """For an RMA query: whether an earlier RMA of the same order on the same connection is still pending."""
    return Exists(
        RMA.objects.filter(
            _same_order(
                store=OuterRef("store_id"),
                connection=OuterRef("warehouse_connection_id"),
                order_name=OuterRef("order_name"),
                return_obj=OuterRef("return_obj_id"),
            ),
            status=RMA.Status.PENDING,
            pk__lt=OuterRef("pk"),
        )
    )


def _order_rmas(rma: RMA) -> QuerySet[RMA]:
    return RMA.objects.filter(
        _same_order(
            store=rma.store_id,
            connection=rma.warehouse_connection_id,
            order_name=rma.order_name,
            return_obj=rma.return_obj_id,
        )
    )


def rma_wait_for_earlier(rma: RMA) -> str:
    """Record that this RMA waits for the order's earlier pending RMA; returns the earlier one's number."""
    earlier = _order_rmas(rma).filter(status=RMA.Status.PENDING, pk__lt=rma.pk).order_by("pk").first()
    if earlier is None:  # it left pending meanwhile: its release publishes this push again
        return ""
    reason = f"{WAITING_PREFIX}{earlier.number} of the same order is created at the warehouse first"
    if rma.last_error != reason:  # one timeline entry per wait, not one per look
        timeline_add(
            return_obj=rma.return_obj,
            rma=rma,
            kind="rma_waiting_for_earlier",
            message=f"RMA {rma.number} waits for RMA {earlier.number}: the warehouse receives an order's RMAs "
            "in number order",
            data={"waiting_for": earlier.number},
        )
    RMA.objects.filter(pk=rma.pk).update(last_error=reason, next_attempt_at=None, updated_at=timezone.now())
    return earlier.number


def rmas_after_release(rma: RMA, *, status: str) -> None:
    """This RMA left pending: publish (after commit) the pushes of the order's later RMAs that wait for it.

    Only the next waiting RMA's push could go now (it waits for nothing else pending), but each later
    one is published: a push that still finds an earlier one pending just waits again."""
    later = (
        _order_rmas(rma)
        .filter(status=RMA.Status.PENDING, pk__gt=rma.pk, last_error__startswith=WAITING_PREFIX)
        .order_by("pk")
    )
    if status == RMA.Status.SUBMITTED:
        # Every push that succeeds asks, and nothing is noted: ids only, no RMA and return rows built for nothing.
        for waiting_id in later.values_list("pk", flat=True):
            rma_push_enqueue(rma_id=waiting_id)
        return
    for waiting in later.select_related("return_obj"):
        label = dict(RMA.Status.choices).get(status, status).lower()
        timeline_add(
            return_obj=waiting.return_obj,
            rma=waiting,
            kind="rma_earlier_not_created",
            message=f"RMA {rma.number} was not created at the warehouse ({label}): RMA {waiting.number} "
            "no longer waits for it",
            data={"earlier": rma.number, "earlier_status": status},
        )
        rma_push_enqueue(rma_id=waiting.pk)
