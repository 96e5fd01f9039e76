"""Aging (product.md flow 13), the rule: where a return waits, since when, and when that wait is overdue.

Pure: returns/services/aging.py reads the return, its labels and its RMAs, asks this, and stores the answer on the
return (aging_stage, aging_since, aging_due_at), so counting the overdue is a read of one index.

- Received at the warehouse (an RMA receiving or received, an orphan receipt linked to it) and not closed on the
  platform: overdue the store's M days after the receipt.
- Not received, and the carrier said the parcel was delivered (the label's status, where the platform sends one):
  overdue at once, since the delivery.
- Not received, with a live label: overdue the store's N days after the label was created.
- Otherwise (closed or cancelled on the platform, no label yet, a live store's test return): not waiting.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

# The platforms' words for a return that is over (Loop: closed, cancelled, expired; Redo: complete, rejected,
# deleted): nothing is waiting on it any more.
CLOSED_STATES = frozenset(
    {"closed", "complete", "completed", "expired", "cancelled", "canceled", "deleted", "rejected"}
)
# The carrier's word, in both platforms' label statuses (Loop `label_status`, Redo `shipment.status`).
DELIVERED_STATUSES = frozenset({"delivered"})
# RMA statuses that mean the parcel is at the warehouse.
RECEIPT_STATUSES = frozenset({"receiving", "received"})

LABEL, DELIVERED, RECEIVED = "label", "delivered", "received"
ARRIVAL_STAGES = (LABEL, DELIVERED)


@dataclass(frozen=True)
class Aging:
    stage: str  # "" (not waiting), label, delivered or received
    since: dt.datetime | None = None
    due_at: dt.datetime | None = None


NOT_WAITING = Aging("")


def is_delivered(status: str) -> bool:
    return status.strip().lower() in DELIVERED_STATUSES


def is_closed(*, state: str, processed: bool) -> bool:
    """Closed on the platform: its own state says so, or Backhaul processed it there (the platform closes it)."""
    return processed or state.strip().lower() in CLOSED_STATES


def aging_of(
    *,
    waits: bool,
    closed: bool,
    receipt_at: dt.datetime | None,
    delivered_at: dt.datetime | None,
    label_at: dt.datetime | None,
    arrival_days: int,
    close_days: int,
) -> Aging:
    """Where the return waits. waits: False for what never ages (a live store's test return)."""
    if not waits or closed:
        return NOT_WAITING
    if receipt_at is not None:
        return Aging(RECEIVED, receipt_at, receipt_at + dt.timedelta(days=close_days))
    if delivered_at is not None:
        return Aging(DELIVERED, delivered_at, delivered_at)
    if label_at is not None:
        return Aging(LABEL, label_at, label_at + dt.timedelta(days=arrival_days))
    return NOT_WAITING


def earliest(values: Iterable[dt.datetime | None]) -> dt.datetime | None:
    return min((v for v in values if v is not None), default=None)


def due_words(*, stage: str, since: dt.datetime | None, now: dt.datetime) -> str:
    """What an overdue return waits for, in words: "delivered 3 days ago, no warehouse receipt"."""
    if since is None:
        return ""
    days = max(0, (now - since).days)
    ago = "today" if days == 0 else ("yesterday" if days == 1 else f"{days} days ago")
    if stage == RECEIVED:
        return f"received {ago}, not closed on the platform"
    if stage == DELIVERED:
        return f"delivered {ago}, no warehouse receipt"
    if stage == LABEL:
        return f"label created {ago}, no warehouse receipt"
    return ""
