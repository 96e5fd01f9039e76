"""The overview's counters of what needs support now: each a COUNT over an index, with the admin changelist URL
that lists exactly the rows it counted (config/overview/selectors.py has the charts and the whole page)."""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Q

from config.overview.links import changelist_url, iso_utc
from integrations.models import Connection, InboundWebhook
from returns.aging import ARRIVAL_STAGES
from returns.models import RMA, OrphanReceipt, Return, TimelineEvent
from returns.selectors import overdue_counts

# A link lists at most this many returns by id (see _missing_rma_counter).
MAX_LINKED_IDS = 200
WEBHOOK_WAITING = (
    InboundWebhook.Status.RECEIVED,
    InboundWebhook.Status.PENDING,
    InboundWebhook.Status.PROCESSING,
)


@dataclass(frozen=True)
class Counter:
    key: str
    label: str
    count: int
    url: str  # the admin changelist listing exactly the counted rows
    group: str


def overview_counters(*, now: dt.datetime) -> list[Counter]:
    webhook_cutoff = now - dt.timedelta(seconds=settings.WEBHOOK_SWEEP_GRACE_SECONDS)
    rma_cutoff = now - dt.timedelta(minutes=settings.OVERVIEW_RMA_PENDING_MINUTES)
    webhook_counts = InboundWebhook.objects.filter(
        status__in=(*WEBHOOK_WAITING, InboundWebhook.Status.FAILED)
    ).aggregate(
        waiting=Count("status", filter=Q(status__in=WEBHOOK_WAITING, created_at__lt=webhook_cutoff)),
        failed=Count("status", filter=Q(status=InboundWebhook.Status.FAILED)),
    )
    counters = [
        Counter(
            "webhooks_waiting",
            f"Webhooks pending over {settings.WEBHOOK_SWEEP_GRACE_SECONDS} s",
            webhook_counts["waiting"],
            changelist_url(
                "integrations_inboundwebhook",
                status__in=",".join(WEBHOOK_WAITING),
                created_at__lt=iso_utc(webhook_cutoff),
            ),
            "Webhooks",
        ),
        Counter(
            "webhooks_failed",
            "Webhooks failed",
            webhook_counts["failed"],
            changelist_url("integrations_inboundwebhook", status__exact=InboundWebhook.Status.FAILED),
            "Webhooks",
        ),
    ]
    # The WHERE on status lets the (status, created_at) index answer instead of a scan of every RMA.
    troubled = (RMA.Status.NEEDS_ATTENTION, RMA.Status.FAILED, RMA.Status.PENDING)
    rma_counts = RMA.objects.filter(status__in=troubled).aggregate(
        needs_attention=Count("status", filter=Q(status=RMA.Status.NEEDS_ATTENTION)),
        failed=Count("status", filter=Q(status=RMA.Status.FAILED)),
        stuck=Count("status", filter=Q(status=RMA.Status.PENDING, created_at__lt=rma_cutoff)),
    )
    counters += [
        Counter(
            "rmas_needs_attention",
            "RMAs needing attention",
            rma_counts["needs_attention"],
            changelist_url("returns_rma", status__exact=RMA.Status.NEEDS_ATTENTION),
            "RMAs",
        ),
        Counter(
            "rmas_failed",
            "RMAs failed",
            rma_counts["failed"],
            changelist_url("returns_rma", status__exact=RMA.Status.FAILED),
            "RMAs",
        ),
        Counter(
            "rmas_stuck",
            f"RMAs pending over {settings.OVERVIEW_RMA_PENDING_MINUTES} min",
            rma_counts["stuck"],
            changelist_url("returns_rma", status__exact=RMA.Status.PENDING, created_at__lt=iso_utc(rma_cutoff)),
            "RMAs",
        ),
        Counter(
            "actions_failed",
            "Platform actions failed",
            Return.objects.filter(platform_action=Return.PlatformActionStatus.FAILED).count(),
            changelist_url("returns_return", platform_action__exact=Return.PlatformActionStatus.FAILED),
            "Returns",
        ),
        _missing_rma_counter(),
        *_aging_counters(now),
        Counter(
            "orphan_receipts_open",
            "Parcels with no RMA, waiting for a person",
            OrphanReceipt.objects.filter(state=OrphanReceipt.State.OPEN).count(),
            changelist_url("returns_orphanreceipt", state__exact=OrphanReceipt.State.OPEN),
            "Warehouse receipts",
        ),
    ]
    by_status = dict(
        Connection.objects.filter(
            status__in=(
                Connection.Status.FAILING,
                Connection.Status.PAUSED,
                Connection.Status.CREDENTIALS_REJECTED,
            )
        )
        .values_list("status")
        .annotate(n=Count("*"))
        .values_list("status", "n")
    )
    for status, label in (
        (Connection.Status.FAILING, "Connections failing"),
        (Connection.Status.PAUSED, "Connections paused"),
        (Connection.Status.CREDENTIALS_REJECTED, "Credentials rejected"),
    ):
        counters.append(
            Counter(
                f"connections_{status}",
                label,
                by_status.get(status, 0),
                changelist_url("integrations_connection", status__exact=status),
                "Connections",
            )
        )
    return counters


def _aging_counters(now: dt.datetime) -> list[Counter]:
    """Overdue returns (product.md flow 13), by what they wait for: one COUNT over the return_aging_due index
    (its columns are the due time and the stage, so the index answers alone)."""
    counts = overdue_counts(now=now)
    due = iso_utc(now)
    return [
        Counter(
            "returns_overdue_arrival",
            "Returns overdue: not at the warehouse",
            counts["arrival"],
            changelist_url("returns_return", aging_stage__in=",".join(ARRIVAL_STAGES), aging_due_at__lte=due),
            "Returns",
        ),
        Counter(
            "returns_overdue_close",
            "Returns overdue: received, not closed",
            counts["close"],
            changelist_url("returns_return", aging_stage__exact=Return.AgingStage.RECEIVED, aging_due_at__lte=due),
            "Returns",
        ),
    ]


def _missing_rma_counter() -> Counter:
    """Returns reconciliation flagged "no RMA past the grace" (`rma_missing`) that still have none.

    Reconciliation is the judge of "should have an RMA by now" (grace, trigger, finished and test
    returns); the flag is rare, so this reads the timeline's `kind` index, not every return. The
    return changelist has no filter for it yet, so the link lists the returns by id (at most
    MAX_LINKED_IDS; the label says when there are more).
    """
    # Driven from the few flagged timeline rows (kind index), never from a scan of every return.
    flagged = Return.objects.filter(
        pk__in=TimelineEvent.objects.filter(kind="rma_missing").values("return_obj_id"), rmas__isnull=True
    )
    ids = list(flagged.order_by("-created_at").values_list("pk", flat=True)[: MAX_LINKED_IDS + 1])
    count = len(ids)
    if count > MAX_LINKED_IDS:
        count = flagged.count()
    label = f"Returns with no RMA past {settings.RECONCILE_GRACE_MINUTES} min"
    if count > MAX_LINKED_IDS:
        label += f" (link: newest {MAX_LINKED_IDS})"
    ids_param = ",".join(str(pk) for pk in ids[:MAX_LINKED_IDS]) or "0"
    return Counter("returns_missing_rma", label, count, changelist_url("returns_return", id__in=ids_param), "Returns")
