"""Reads over returns and RMAs, including the provider-neutral payload an RMA is pushed with."""

import datetime as dt
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Count, Q, QuerySet

from integrations.base import RmaLinePayload, RmaPayload
from integrations.inbound import (
    InboundLabelEvent,
    InboundLabelRequestEvent,
    InboundReturnEvent,
    InboundWarehouseReturnEvent,
)
from integrations.models import InboundWebhook
from integrations.registry import get_webhook_handler
from returns.aging import ARRIVAL_STAGES
from returns.dispositions import disposition_for
from returns.models import (
    RMA,
    DispositionRule,
    OrphanReceipt,
    Return,
    ReturnShipment,
    RMALine,
    RoutingRule,
    TimelineEvent,
)
from returns.reasons import reason_category
from warehouses.selectors import fulfillment_order_refs

RMA_RELATIONS = ("store", "return_obj", "warehouse_connection", "location", "shipment")


def disposition_rules_for_store(*, store_id: int) -> list[DispositionRule]:
    """The store's disposition rules, by priority (the order disposition_for expects)."""
    return list(DispositionRule.objects.filter(store_id=store_id).order_by("priority", "id"))


def routing_rules_for_store(*, store_id: int) -> list[RoutingRule]:
    """The store's routing rules in the order they run, each with its location (one query)."""
    return list(RoutingRule.objects.filter(store_id=store_id).select_related("location").order_by("position", "id"))


def return_label_exists(*, return_obj: Return) -> bool:
    """The return has a live label (tracking number or label URL), the on_label_created trigger."""
    return return_obj.shipments.filter(cancelled=False).exclude(tracking_number="", label_url="").exists()


def rma_with_relations(*, rma_id: int) -> RMA:
    return RMA.objects.select_related(*RMA_RELATIONS).get(pk=rma_id)


def rma_lines_with_return_lines(*, rma: RMA) -> list[RMALine]:
    return list(rma.lines.select_related("return_line").order_by("id"))


def rma_shipments(*, rma: RMA, rma_lines: list[RMALine] | None = None) -> list[ReturnShipment]:
    """The live parcels of this RMA: its own, else the return's parcels carrying its lines (or any line).

    rma_lines: the RMA's lines with their return lines, when the caller has read them already."""
    if rma.shipment_id:
        return [rma.shipment] if rma.shipment and not rma.shipment.cancelled else []
    keys: set[str] = set()
    for line in rma_lines if rma_lines is not None else rma_lines_with_return_lines(rma=rma):
        if line.return_line:
            keys.add(str(line.return_line.line_key))
            keys.update(str(i) for i in line.return_line.external_line_ids or [])
    shipments = rma.return_obj.shipments.filter(cancelled=False).order_by("id")
    return [s for s in shipments if not s.line_keys or keys & {str(k) for k in s.line_keys}]


def rma_tracking_numbers(*, rma: RMA) -> list[str]:
    """The tracking numbers of the RMA's live parcels, in order, without repeats."""
    return list(dict.fromkeys(s.tracking_number for s in rma_shipments(rma=rma) if s.tracking_number))


def order_external_id_cache_key(*, connection_id: int, order_name: str) -> str:
    return f"wms-order-id:{connection_id}:{order_name}"


def order_external_id_cached(*, connection_id: int, order_name: str) -> str:
    """A WMS order id looked up earlier (TrackStar), kept in the cache for a month."""
    return cache.get(order_external_id_cache_key(connection_id=connection_id, order_name=order_name)) or ""


def rma_payload_build(*, rma: RMA) -> RmaPayload:
    """Everything the WMS needs, read fresh at push time (so a label that arrived meanwhile is included).

    external_order_id comes from the order's fulfilments only; clients that need it and find it
    blank add the cached look-up (order_external_id_cached), so the others skip that round trip."""
    return_obj = rma.return_obj
    store = rma.store
    connection = rma.warehouse_connection
    return_lines = list(return_obj.lines.all())
    rma_lines = rma_lines_with_return_lines(rma=rma)
    # A rule's note goes with its instruction: when planning matched no rule (no line has an instruction,
    # and every rule has one), there is no note to find, so the store's rules are not read.
    instructed = any(rma_line.processing_instruction for rma_line in rma_lines)
    rules = disposition_rules_for_store(store_id=store.pk) if instructed else []
    lines = []
    all_reasons: list[str] = []
    for rma_line in rma_lines:
        reasons = tuple(r for r in rma_line.reason.split("; ") if r)
        all_reasons.extend(reasons)
        notes = []
        for line in return_lines if rma_line.processing_instruction else ():  # a note goes with its instruction
            if line.sku == rma_line.platform_sku:
                rule = disposition_for(rules=rules, line=line, return_outcome=return_obj.outcome)
                if rule and rule.note and rule.note not in notes:
                    notes.append(rule.note)
        lines.append(
            RmaLinePayload(
                sku=rma_line.sku,
                quantity=rma_line.quantity,
                platform_sku=rma_line.platform_sku,
                reasons=reasons,
                instruction=rma_line.processing_instruction,
                instruction_note="; ".join(notes),
            )
        )
    shipments = rma_shipments(rma=rma, rma_lines=rma_lines)
    tracking = tuple(dict.fromkeys(s.tracking_number for s in shipments if s.tracking_number))
    first = shipments[0] if shipments else None
    order_key = external_order_id = ""
    for connection_id, fulfillment_order_key, fulfillment_order_id in fulfillment_order_refs(
        store_id=store.pk,
        order_name=return_obj.order_name,
        order_number=return_obj.order_number,
        provider_order_id=return_obj.provider_order_id,
    ):
        if connection_id in (None, connection.pk):
            order_key = order_key or fulfillment_order_key
            external_order_id = external_order_id or fulfillment_order_id
    location = rma.location
    outcomes = {line.outcome for line in return_lines if line.outcome} | {return_obj.outcome}
    return RmaPayload(
        number=rma.number,
        lines=tuple(lines),
        warehouse_code=location.wms_warehouse_code if location else "",
        trackstar_warehouse_id=location.trackstar_warehouse_id if location else "",
        platform=return_obj.platform,
        platform_return_id=return_obj.external_id,
        order_name=return_obj.order_name,
        order_number=return_obj.order_number,
        order_key=order_key,
        external_order_id=external_order_id,
        platform_order_ids=tuple(
            dict.fromkeys(v for v in (return_obj.platform_order_id, return_obj.provider_order_id) if v)
        ),
        customer_name=return_obj.customer_name,
        outcome=return_obj.outcome,
        reason_category=reason_category(reasons=all_reasons, outcome=" ".join(sorted(o for o in outcomes if o))),
        tracking_numbers=tracking,
        carrier=first.carrier if first else "",
        service=first.service if first else "",
        instructions=store.default_instructions,
        account_id=connection.external_account_id,
    )


def timeline_entry_exists(*, webhook_id: int, kind: str) -> bool:
    return TimelineEvent.objects.filter(webhook_id=webhook_id, kind=kind).exists()


def return_for_webhook(*, webhook: InboundWebhook) -> Return | None:
    """The return a stored webhook is about: from the timeline it wrote, else from its parsed events."""
    entry = TimelineEvent.objects.filter(webhook_id=webhook.pk).select_related("return_obj").first()
    if entry is not None:
        return entry.return_obj
    try:
        events = get_webhook_handler(webhook.provider).parse(headers=webhook.headers, body=bytes(webhook.body))
    except Exception:  # a body the parser cannot read names no return (its row keeps the traceback)
        return None
    for event in events:
        payload = event.payload
        external_id = ""
        if isinstance(payload, InboundReturnEvent):
            external_id = payload.data.external_id
        elif isinstance(payload, InboundLabelEvent | InboundLabelRequestEvent):
            external_id = payload.return_external_id
        if external_id and webhook.store_id is not None:  # a store's returns; no store, none of them
            found = Return.objects.filter(
                store_id=webhook.store_id, platform=webhook.provider, external_id=external_id
            ).first()
            if found is not None:
                return found
        if isinstance(payload, InboundWarehouseReturnEvent):
            rma = RMA.objects.filter(
                Q(number=payload.rma_number) if payload.rma_number else Q(external_id=payload.external_id),
                warehouse_connection_id=webhook.connection_id,
            ).select_related("return_obj")
            if (first := rma.first()) is not None:
                return first.return_obj
    return None


# -- aging (product.md flow 13) ---------------------------------------------------------------

OVERDUE_KINDS = ("any", "arrival", "close")


def overdue_q(*, now: dt.datetime, kind: str = "any") -> Q:
    """Overdue returns: not at the warehouse in time (arrival), received and not closed in time (close), or either.
    Reads Return.aging_* only, through the return_aging_due and return_store_aging_due indexes."""
    due = Q(aging_due_at__lte=now)
    if kind == "arrival":
        return due & Q(aging_stage__in=ARRIVAL_STAGES)
    if kind == "close":
        return due & Q(aging_stage=Return.AgingStage.RECEIVED)
    return due


def overdue_counts(*, now: dt.datetime, store_id: int | None = None) -> dict[str, int]:
    """{"arrival": n, "close": n} of the overdue returns (of one store, or all): one query on an index."""
    returns = Return.objects.filter(overdue_q(now=now))
    if store_id is not None:
        returns = returns.filter(store_id=store_id)
    counts = returns.aggregate(
        arrival=Count("aging_due_at", filter=Q(aging_stage__in=ARRIVAL_STAGES)),
        close=Count("aging_due_at", filter=Q(aging_stage=Return.AgingStage.RECEIVED)),
    )
    return {"arrival": counts["arrival"] or 0, "close": counts["close"] or 0}


def returns_overdue(*, store_id: int, now: dt.datetime, limit: int = 10) -> list[Return]:
    """A store's overdue returns, longest overdue first."""
    return list(Return.objects.filter(overdue_q(now=now), store_id=store_id).order_by("aging_due_at", "pk")[:limit])


# -- orphan receipts (product.md flow 12) ----------------------------------------------------------


def orphan_receipts(*, store_id: int, state: str = "open") -> QuerySet[OrphanReceipt]:
    """A store's orphan receipts in one state (all states: ""), newest first."""
    receipts = OrphanReceipt.objects.filter(store_id=store_id)
    if state:
        receipts = receipts.filter(state=state)
    return receipts.select_related("warehouse_connection", "return_obj", "rma").order_by("-created_at", "-pk")


def orphan_receipt_counts(*, store_id: int) -> dict[str, int]:
    rows = OrphanReceipt.objects.filter(store_id=store_id).order_by().values_list("state").annotate(n=Count("*"))
    return dict(rows.values_list("state", "n"))


@dataclass(frozen=True)
class OrphanChoice:
    """A return a person may link an orphan receipt to, with its RMAs at the receipt's warehouse."""

    return_obj: Return
    rmas: list[RMA]
    key: str = ""  # how the matching found it (tracking, order, email_skus), "" for a search
    value: str = ""
    why: str = ""  # why the matching could not link it

    @property
    def waiting(self) -> list[RMA]:
        return [r for r in self.rmas if r.status != RMA.Status.RECEIVED]


def orphan_receipt_choices(*, orphan: OrphanReceipt, query: str = "", limit: int = 10) -> list[OrphanChoice]:
    """The returns a person may link the receipt to: the matching's candidates, then returns of the store found by
    order name, number, platform id or customer email (exact, a leading # optional)."""
    found: dict[int, dict[str, str]] = {}
    for candidate in orphan.candidates or []:
        if isinstance(candidate, dict) and isinstance(candidate.get("return"), int):
            found.setdefault(candidate["return"], {k: str(candidate.get(k) or "") for k in ("key", "value", "why")})
    query = query.strip()
    if query:
        bare = query.lstrip("#")
        searched = Return.objects.filter(
            Q(order_name__in=[bare, f"#{bare}"])
            | Q(order_number=bare)
            | Q(external_id=query)
            | Q(customer_email=query),
            store_id=orphan.store_id,
        ).order_by("-created_at")
        for pk in searched.values_list("pk", flat=True)[:limit]:
            found.setdefault(pk, {})
    returns = {r.pk: r for r in Return.objects.filter(pk__in=found, store_id=orphan.store_id)}
    rmas: dict[int, list[RMA]] = {}
    for rma in (
        RMA.objects.filter(return_obj_id__in=returns, warehouse_connection_id=orphan.warehouse_connection_id)
        .select_related("location")
        .prefetch_related("lines")
        .order_by("number")
    ):
        rmas.setdefault(rma.return_obj_id, []).append(rma)
    return [OrphanChoice(returns[pk], rmas.get(pk, []), **found[pk]) for pk in found if pk in returns][: limit * 2]
