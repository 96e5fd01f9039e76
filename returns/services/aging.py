"""Aging (product.md flow 13): keeping each return's wait (Return.aging_*) true as it changes, and telling the store.

Every service that changes what the rule (returns/aging.py) reads calls `return_aging_refresh`: intake and labels
(the platform's state, labels, a delivery), warehouse events (a receipt), platform actions (processed), support's
status corrections. A change of a store's days re-times its waiting returns in one UPDATE per stage. Once an hour
`returns_overdue_notify` tells each store which of its returns became overdue (one notification, in the digest).
"""

import datetime as dt
from collections import defaultdict

from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from integrations.models import Notification, Store
from integrations.services.notifications import store_notify
from returns.aging import (
    ARRIVAL_STAGES,
    LABEL,
    NOT_WAITING,
    RECEIPT_STATUSES,
    RECEIVED,
    Aging,
    aging_of,
    due_words,
    earliest,
    is_closed,
    is_delivered,
)
from returns.models import RMA, Return, ReturnShipment

Stage = Return.AgingStage
# Named in one overdue notification; the rest are counted.
NOTIFY_NAMED = 5
NOTIFY_BATCH = 2000


def _receipt_at(rmas: list[tuple[str, dt.datetime | None, dt.datetime | None, dt.datetime]]) -> dt.datetime | None:
    """When the first of its RMAs reached the warehouse (received, or being received)."""
    return earliest(
        received_at or warehouse_at or updated_at
        for status, received_at, warehouse_at, updated_at in rmas
        if status in RECEIPT_STATUSES
    )


def return_aging_compute(
    *, return_id: int, state: str, platform_action: str, is_test: bool, arrival_days: int, close_days: int
) -> Aging:
    """Where a return waits now, from its state, its live labels and its RMAs (at most two reads)."""
    closed = is_closed(state=state, processed=platform_action == Return.PlatformActionStatus.PROCESSED)
    if is_test or closed:
        return NOT_WAITING
    rmas = list(
        RMA.objects.filter(return_obj_id=return_id).values_list(
            "status", "received_at", "warehouse_updated_at", "updated_at"
        )
    )
    receipt_at = _receipt_at(rmas)
    delivered_at = label_at = None
    if receipt_at is None:
        labels = ReturnShipment.objects.filter(return_obj_id=return_id, cancelled=False).values_list(
            "created_at", "delivered_at", "status", "updated_at", "tracking_number", "label_url"
        )
        live = [row for row in labels if row[4] or row[5]]
        label_at = earliest(row[0] for row in live)
        delivered_at = earliest(row[1] or (row[3] if is_delivered(row[2]) else None) for row in live)
    return aging_of(
        waits=True,
        closed=False,
        receipt_at=receipt_at,
        delivered_at=delivered_at,
        label_at=label_at,
        arrival_days=arrival_days,
        close_days=close_days,
    )


def _keeps_notice(before: str, after: str) -> bool:
    """Whether the store's earlier notice still holds: the same wait, or still not arrived (label → delivered)."""
    return before == after or (before in ARRIVAL_STAGES and after in ARRIVAL_STAGES)


def return_aging_refresh(*, return_id: int) -> Aging:
    """Recompute one return's wait and store it when it changed (one UPDATE at most)."""
    found = (
        Return.objects.filter(pk=return_id)
        .values_list(
            "state",
            "platform_action",
            "is_test",
            "aging_stage",
            "aging_since",
            "aging_due_at",
            "store__aging_arrival_days",
            "store__aging_close_days",
        )
        .first()
    )
    if found is None:
        return NOT_WAITING
    state, action, is_test, stage, since, due_at, arrival_days, close_days = found
    aging = return_aging_compute(
        return_id=return_id,
        state=state,
        platform_action=action,
        is_test=is_test,
        arrival_days=arrival_days,
        close_days=close_days,
    )
    if (aging.stage, aging.since, aging.due_at) == (stage, since, due_at):
        return aging
    values: dict[str, object] = {"aging_stage": aging.stage, "aging_since": aging.since, "aging_due_at": aging.due_at}
    if not _keeps_notice(stage, aging.stage):
        values["aging_notified_at"] = None
    Return.objects.filter(pk=return_id).update(**values)
    return aging


def store_aging_retime(*, store_id: int) -> int:
    """After a store's days changed: its waiting returns' due times follow (deliveries are due at once, unchanged).
    An overdue return that is no longer overdue may be told about again when it is."""
    store = Store.objects.only("aging_arrival_days", "aging_close_days").get(pk=store_id)
    waiting = Return.objects.filter(store_id=store_id)
    changed = waiting.filter(aging_stage=LABEL).update(
        aging_due_at=F("aging_since") + dt.timedelta(days=store.aging_arrival_days)
    )
    changed += waiting.filter(aging_stage=RECEIVED).update(
        aging_due_at=F("aging_since") + dt.timedelta(days=store.aging_close_days)
    )
    waiting.filter(aging_due_at__gt=timezone.now(), aging_notified_at__isnull=False).update(aging_notified_at=None)
    return changed


def returns_overdue_notify(*, now: dt.datetime | None = None) -> int:
    """Tell each store which of its returns became overdue since the last run (one notification per store, sent
    in its digest); returns how many returns were told about."""
    now = now or timezone.now()
    rows = list(
        Return.objects.filter(aging_due_at__lte=now, aging_notified_at__isnull=True)
        .order_by("aging_due_at", "pk")
        .values_list("pk", "store_id", "order_name", "external_id", "aging_stage", "aging_since")[:NOTIFY_BATCH]
    )
    by_store: dict[int, list[tuple[str, str, dt.datetime | None]]] = defaultdict(list)
    for _pk, store_id, order_name, external_id, stage, since in rows:
        by_store[store_id].append((order_name or external_id, stage, since))
    slugs = dict(Store.objects.filter(pk__in=by_store).values_list("pk", "slug"))
    for store_id, overdue in by_store.items():
        named = "; ".join(
            f"{name} ({due_words(stage=stage, since=since, now=now)})" for name, stage, since in overdue[:NOTIFY_NAMED]
        )
        more = f"; and {len(overdue) - NOTIFY_NAMED} more" if len(overdue) > NOTIFY_NAMED else ""
        noun = "return is" if len(overdue) == 1 else "returns are"
        link = reverse("setup:returns", kwargs={"slug": slugs[store_id]}) + "?state=overdue"
        store_notify(
            store_id=store_id,
            kind=Notification.Kind.RETURNS_OVERDUE,
            message=f"{len(overdue)} {noun} overdue: {named}{more}",
            link=link,
        )
    Return.objects.filter(pk__in=[row[0] for row in rows]).update(aging_notified_at=now)
    return len(rows)
