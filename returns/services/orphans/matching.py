"""Which of our returns an orphan receipt could be (reads only; the caller holds the receipt's row lock).

The keys in their order of trust (returns/receipt_keys.py): tracking number, then order, then customer email with
the same SKUs. A candidate is an RMA of that return at the warehouse that received the parcel, not yet received
there: that is what the receipt is applied to once linked. The first key that finds any candidate decides; when it
finds several, the next keys may narrow them down to one (and are ignored where they disagree). Each look-up is a
bounded read of an index (ReturnShipment.tracking_number, Return.order_name, the store's emails).
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Q
from django.db.models.functions import Lower

from returns.models import RMA, OrphanReceipt, Return, ReturnShipment
from returns.receipt_keys import email_form, tracking_forms
from warehouses.models import Fulfillment
from warehouses.selectors import order_keys

Key = OrphanReceipt.MatchKey
# Candidates read per key: a key that fits more returns than this says nothing about the parcel.
CANDIDATE_LIMIT = 20


@dataclass(frozen=True)
class Candidate:
    """A return the receipt could belong to; rma_id is what it would be applied to (None: it cannot be linked)."""

    return_id: int
    order_name: str
    rma_id: int | None
    rma_number: str
    key: str
    value: str
    why: str = ""  # why it cannot be linked

    def as_json(self) -> dict[str, object]:
        return {
            "return": self.return_id,
            "order_name": self.order_name,
            "rma": self.rma_id,
            "rma_number": self.rma_number,
            "key": self.key,
            "value": self.value,
            "why": self.why,
        }


@dataclass
class Match:
    chosen: Candidate | None
    candidates: list[Candidate] = field(default_factory=list)
    note: str = ""


def return_label(order_name: str, return_id: int) -> str:
    return f"return {order_name}" if order_name else f"return #{return_id}"


def _by_tracking(orphan: OrphanReceipt) -> dict[int, str]:
    forms = tracking_forms(orphan.tracking_numbers)
    if not forms:
        return {}
    rows = (
        ReturnShipment.objects.filter(tracking_number__in=forms, cancelled=False, return_obj__store_id=orphan.store_id)
        .order_by("-id")
        .values_list("return_obj_id", "tracking_number")[:CANDIDATE_LIMIT]
    )
    return dict(rows)


def _by_order(orphan: OrphanReceipt) -> dict[int, str]:
    refs = [r for r in orphan.order_refs if r]
    if not refs:
        return {}
    names: set[str] = set()
    for ref in refs:
        names |= order_keys(order_name=ref)
    # The WMS may name the order by its own key or id: its fulfilments say which order number that is.
    shipped = Fulfillment.objects.filter(
        Q(order_key__in=refs) | Q(external_order_id__in=refs), store_id=orphan.store_id
    )
    for number, key in shipped.values_list("order_number", "order_key")[:CANDIDATE_LIMIT]:
        names |= order_keys(order_name=number or key)
    returns = Return.objects.filter(Q(order_name__in=names) | Q(provider_order_id__in=refs), store_id=orphan.store_id)
    return dict(returns.order_by("-id").values_list("pk", "order_name")[:CANDIDATE_LIMIT])


def _by_email(orphan: OrphanReceipt, skus: frozenset[str]) -> dict[int, str]:
    email = email_form(orphan.customer_email)
    if not email or not skus:
        return {}
    returns = (
        Return.objects.annotate(email=Lower("customer_email"))
        .filter(store_id=orphan.store_id, email=email)
        .order_by("-id")
        .values_list("pk", flat=True)[:CANDIDATE_LIMIT]
    )
    return {pk: f"{orphan.customer_email} with {', '.join(sorted(skus))}" for pk in returns}


def _candidates(
    orphan: OrphanReceipt, key: str, found: dict[int, str], skus: frozenset[str], wms: str
) -> list[Candidate]:
    """Per return found: its RMAs at this warehouse that are still waiting (narrowed to the parcel's, where it says)."""
    rmas = (
        RMA.objects.filter(return_obj_id__in=found, warehouse_connection_id=orphan.warehouse_connection_id)
        .select_related("shipment", "return_obj")
        .prefetch_related("lines")
        .order_by("number", "id")
    )
    by_return: dict[int, list[RMA]] = defaultdict(list)
    for rma in rmas:
        by_return[rma.return_obj_id].append(rma)
    names = dict(Return.objects.filter(pk__in=found).values_list("pk", "order_name"))
    forms = tracking_forms(orphan.tracking_numbers)
    result = []
    for return_id, value in found.items():
        order_name = names.get(return_id, "")
        waiting = [r for r in by_return[return_id] if r.status != RMA.Status.RECEIVED]
        if key == Key.TRACKING:
            # An RMA of one parcel of a split return: only the parcel with this tracking number.
            waiting = [r for r in waiting if r.shipment is None or r.shipment.tracking_number in forms] or waiting
        if key == Key.EMAIL_SKUS:
            waiting = [r for r in waiting if {line.sku for line in r.lines.all()} == skus]
        elif len(waiting) > 1 and skus:
            overlapping = [r for r in waiting if {line.sku for line in r.lines.all()} & skus]
            waiting = overlapping or waiting
        if waiting:
            result += [Candidate(return_id, order_name, r.pk, r.number, key, value) for r in waiting]
            continue
        received = [r.number for r in by_return[return_id]]
        why = (
            f"its RMA {', '.join(received)} at {wms} was already received"
            if received
            else f"it has no RMA at {wms} to apply the receipt to"
        )
        if key != Key.EMAIL_SKUS or not received:
            result.append(Candidate(return_id, order_name, None, "", key, value, why))
    return result


def _what_it_carries(orphan: OrphanReceipt) -> str:
    said = []
    if orphan.tracking_numbers:
        said.append(f"tracking number {', '.join(orphan.tracking_numbers[:3])}")
    if orphan.order_refs:
        said.append(f"order {', '.join(orphan.order_refs[:3])}")
    if orphan.customer_email:
        said.append(f"customer {orphan.customer_email}")
    return "; ".join(said)


def orphan_match(*, orphan: OrphanReceipt, skus: frozenset[str], wms: str) -> Match:
    """The one RMA the receipt belongs to, when exactly one fits; else the candidates and why none was chosen.

    wms: the warehouse system's name, for the reasons given."""
    pool: dict[int, Candidate] | None = None
    seen: list[Candidate] = []
    searches = (
        (Key.TRACKING, lambda: _by_tracking(orphan)),
        (Key.ORDER, lambda: _by_order(orphan)),
        (Key.EMAIL_SKUS, lambda: _by_email(orphan, skus)),
    )
    for key, search in searches:
        found = search()
        if not found:
            continue
        candidates = _candidates(orphan, key, found, skus, wms)
        seen += candidates
        linkable = {c.rma_id: c for c in candidates if c.rma_id is not None}
        narrowed = linkable if pool is None else {pk: c for pk, c in linkable.items() if pk in pool}
        if not narrowed:
            continue  # this key finds no waiting RMA, or disagrees with a surer one: it decides nothing
        if len(narrowed) == 1:
            chosen = next(iter(narrowed.values()))
            words = f"Matched to {return_label(chosen.order_name, chosen.return_id)} by {Key(key).label} {chosen.value}"
            return Match(chosen, candidates=[chosen], note=words)
        pool = narrowed
    if pool:
        options = list(pool.values())
        named = ", ".join(f"{return_label(c.order_name, c.return_id)} (RMA {c.rma_number})" for c in options[:5])
        return Match(None, options, f"{len(options)} returns fit ({named}): choose the right one")
    unique = list({(c.return_id, c.rma_id): c for c in seen}.values())
    if unique:
        first = unique[0]
        return Match(
            None,
            unique,
            f"{return_label(first.order_name, first.return_id)} fits by {Key(first.key).label} {first.value}, "
            f"but {first.why}",
        )
    carries = _what_it_carries(orphan)
    if not carries:
        return Match(
            None, [], "It carries no tracking number, order or customer to match: link it by hand or dismiss it"
        )
    return Match(None, [], f"No return fits ({carries}): link it by hand or dismiss it")
