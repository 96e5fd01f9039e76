"""RMA planning: routing lines to warehouses, grouping them into RMAs, numbering them (product.md flows 2-4).

The rules it applies are pure modules outside services/: returns.dispositions, returns.reasons,
returns.rma_numbers, returns.parcels.
"""

from collections import OrderedDict
from dataclasses import dataclass, field

from django.db import NotSupportedError, connections, router, transaction
from django.utils import timezone

from returns.dispositions import INSTRUCTION_CAUTION, disposition_for
from returns.models import (
    RMA,
    DispositionRule,
    Return,
    ReturnLine,
    ReturnShipment,
    RMALine,
    RmaNumberSequence,
    TimelineEvent,
)
from returns.parcels import shipment_for_line
from returns.reasons import line_reason_text
from returns.rma_numbers import base_rma_number, rma_number
from returns.routing import OrderLookup, Route, line_route, order_lookup_cached, order_lookup_needed
from returns.selectors import disposition_rules_for_store
from returns.services.rmas.publishing import rma_push_enqueue
from returns.services.routing import order_lookup_fetch
from returns.services.timeline import timeline_add
from warehouses.selectors import sku_map

# -- numbering ---------------------------------------------------------------------------------


def rma_number_allocate(*, store_id: int, base: str) -> str:
    """The next RMA number of an order: `1042`, then `1042_01`, `1042_02`, ... in creation order.

    One upsert on the (store, order_key) unique constraint creates the sequence row or bumps it
    and returns the new count. PostgreSQL and SQLite (3.35+) run it atomically: concurrent
    planners of one order queue on the row's lock, held until their transaction ends, so no two
    share a number and a rolled-back plan gives its number back. The unique (store, number)
    constraint on RMA is the backstop.
    """
    allocated = _sequence_bump(store_id=store_id, order_key=base)
    return rma_number(base=base, index=allocated - 1)


# One statement: create the order's sequence row at 1 or add 1 to it, and say where it stands.
# The conflict target is the uniq_rma_sequence constraint (store, order_key).
_SEQUENCE_BUMP_SQL = """
    INSERT INTO returns_rmanumbersequence (created_at, updated_at, store_id, order_key, allocated)
    VALUES (%s, %s, %s, %s, 1)
    ON CONFLICT (store_id, order_key)
    DO UPDATE SET allocated = returns_rmanumbersequence.allocated + 1, updated_at = excluded.updated_at
    RETURNING allocated
"""


def _sequence_bump(*, store_id: int, order_key: str) -> int:
    """The order's count of allocated numbers after adding this one."""
    connection = connections[router.db_for_write(RmaNumberSequence)]
    if not connection.features.can_return_columns_from_insert:
        raise NotSupportedError("RMA numbering needs INSERT ... RETURNING (PostgreSQL, SQLite 3.35 or later)")
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(_SEQUENCE_BUMP_SQL, [now, now, store_id, order_key])
        row = cursor.fetchone()
    return int(row[0])


# -- planning ----------------------------------------------------------------------------------


@dataclass
class PlannedGroup:
    route: Route
    shipment: ReturnShipment | None
    lines: list[ReturnLine] = field(default_factory=list)
    # Each line's route: lines of one warehouse may have got there by different rules.
    routes: list[Route] = field(default_factory=list)

    def reasons(self, lines: list[ReturnLine]) -> tuple[str, dict]:
        """Why these lines (the ones the RMA gets) went there: the distinct short reasons joined, and the
        data of each distinct reason with the SKUs it sent (RMA.routing_reason, RMA.routing)."""
        wanted = {line.pk if line.pk is not None else id(line) for line in lines}
        routes: dict[str, tuple[Route, list[str]]] = {}
        for line, route in zip(self.lines, self.routes, strict=True):
            if (line.pk if line.pk is not None else id(line)) in wanted:
                skus = routes.setdefault(route.reason, (route, []))[1]
                if line.sku not in skus:
                    skus.append(line.sku)
        reason = "; ".join(routes)
        data = {"routes": [{**route.data, "skus": skus} for route, skus in routes.values()]}
        return reason, data


def _covered_keys(*, return_obj: Return) -> set[tuple[int, int | None, str]]:
    """(connection, location, platform SKU) already on a live RMA of this return: never planned twice."""
    rows = RMALine.objects.filter(rma__return_obj=return_obj).exclude(rma__status=RMA.Status.CANCELLED)
    return set(rows.values_list("rma__warehouse_connection_id", "rma__location_id", "platform_sku"))


@dataclass(frozen=True)
class ReturnContents:
    """A return's lines and shipments as the caller's transaction wrote them (None: not known, read them)."""

    lines: list[ReturnLine] | None = None
    shipments: list[ReturnShipment] | None = None


def _lines(*, return_obj: Return, contents: ReturnContents | None) -> list[ReturnLine]:
    """The return's lines by id: the caller's, else read."""
    lines = contents.lines if contents is not None and contents.lines is not None else return_obj.lines.all()
    return sorted(lines, key=lambda line: line.pk)


def _live_shipments(*, return_obj: Return, contents: ReturnContents | None) -> list[ReturnShipment]:
    """The return's shipments that are not cancelled, by id: the caller's, else read."""
    known = contents.shipments if contents is not None else None
    shipments = known if known is not None else return_obj.shipments.all()
    return sorted((s for s in shipments if not s.cancelled), key=lambda s: s.pk)


def _groups(
    *,
    return_obj: Return,
    lines: list[ReturnLine],
    shipments: list[ReturnShipment],
    order_lookup: OrderLookup | None,
    memo: dict,
) -> tuple[list[PlannedGroup], list[ReturnLine]]:
    groups: OrderedDict[tuple[int, int, int | None], PlannedGroup] = OrderedDict()
    unrouted = []
    for line in lines:
        route = line_route(return_obj=return_obj, line=line, order_lookup=order_lookup, memo=memo)
        if route is None:
            unrouted.append(line)
            continue
        shipment = shipment_for_line(line, shipments) if len(shipments) > 1 else (shipments[0] if shipments else None)
        key = (route.connection_id, route.location.pk, shipment.pk if shipment else None)
        group = groups.setdefault(key, PlannedGroup(route=route, shipment=shipment))
        group.lines.append(line)
        group.routes.append(route)
    return list(groups.values()), unrouted


def _lock(*, return_obj: Return) -> Return:
    """The return re-read under its row lock, with its store (the store row itself is not locked)."""
    return Return.objects.select_for_update(of=("self",)).select_related("store").get(pk=return_obj.pk)


def rmas_plan(
    *,
    return_obj: Return,
    webhook_id: int | None = None,
    locked: bool = False,
    order_lookup: OrderLookup | None = None,
    contents: ReturnContents | None = None,
    new_return: bool = False,
    routing_memo: dict | None = None,
) -> list[RMA]:
    """Create the pending RMAs a return still needs (one per warehouse × parcel) and queue their pushes.

    Idempotent: lines already on a live RMA at the same warehouse are skipped, so a repeated
    trigger creates nothing.

    locked=True says the caller read return_obj (with its store) under select_for_update in the
    current transaction and saved what it changed (the intake does): planners of the return are
    already serialised, so it is neither read nor locked again. Outside a transaction the flag
    is ignored. contents: the lines and shipments the caller just wrote, so they are not read again.

    order_lookup: what the WMSs said about the order, asked before the caller's transaction
    (the intake's prepare step). Without it, a caller holding the lock gets only a cached answer
    (no request while a lock is held); an unlocked return is looked up here, before the lock.

    new_return=True (with locked=True) says the caller inserted the return in the current transaction:
    it has no RMA yet, so the lines already on one are not read.

    routing_memo: what the caller's prepare step read for routing the same return (locations, rules,
    fulfilments; returns.routing.DatabaseLookups), used instead of reading it again.
    """
    held = locked and transaction.get_connection(router.db_for_write(Return)).in_atomic_block
    lines = _lines(return_obj=return_obj, contents=contents)
    # One destination / fulfilment / default look-up per return, not per line (none when the prepare step made it).
    memo: dict = routing_memo if routing_memo is not None else {}
    if order_lookup is None and order_lookup_needed(return_obj=return_obj, lines=lines, memo=memo):
        fetch = order_lookup_cached if held else order_lookup_fetch
        order_lookup = fetch(return_obj=return_obj)
    shipments = _live_shipments(return_obj=return_obj, contents=contents)
    groups, unrouted = _groups(
        return_obj=return_obj, lines=lines, shipments=shipments, order_lookup=order_lookup, memo=memo
    )
    created: list[RMA] = []
    # No savepoint: nothing here catches an error, so one would only cost two statements; an
    # error still rolls back the caller's whole transaction (or this one, outside any).
    with transaction.atomic(savepoint=False):
        if not held:
            # Serialise planners of one return; coverage is read under the lock.
            return_obj = _lock(return_obj=return_obj)
        covered = set() if new_return and held else _covered_keys(return_obj=return_obj)
        store = return_obj.store
        rules: list[DispositionRule] | None = None  # read only when an RMA is to be written
        skus: dict[str, str] = {}
        for group in groups:
            todo = [
                line
                for line in group.lines
                if (group.route.connection_id, group.route.location.pk, line.sku) not in covered
            ]
            if not todo:
                continue
            if rules is None:
                rules = disposition_rules_for_store(store_id=store.pk)
                skus = sku_map(store_id=store.pk, platform_skus=[line.sku for line in lines])
            number = rma_number_allocate(store_id=store.pk, base=base_rma_number(return_obj=return_obj))
            reason, routing = group.reasons(todo)
            rma = RMA.objects.create(
                store=store,
                return_obj=return_obj,
                shipment=group.shipment,
                number=number,
                order_name=return_obj.order_name,
                warehouse_connection_id=group.route.connection_id,
                location=group.route.location,
                routing_reason=reason[:200],
                routing=routing,
                status=RMA.Status.PENDING,
                idempotency_key=f"backhaul-{store.pk}-rma-{number}",
                source_webhook_id=webhook_id,
                is_test=return_obj.is_test or store.is_sandbox,
            )
            _create_lines(rma=rma, lines=todo, rules=rules, skus=skus, return_outcome=return_obj.outcome)
            timeline_add(
                return_obj=return_obj,
                rma=rma,
                kind="rma_planned",
                message=f"RMA {number} planned for {group.route.location.name} ({reason})",
                data={"rma_id": rma.pk, "lines": [line.pk for line in todo]},
                webhook_id=webhook_id,
            )
            rma_push_enqueue(rma_id=rma.pk)
            created.append(rma)
        if unrouted:
            timeline_add(
                return_obj=return_obj,
                kind="rma_unrouted",
                level=TimelineEvent.Level.ERROR,
                message="No warehouse for "
                + ", ".join(sorted({line.sku for line in unrouted}))
                + ": map a shipping location or set a default one",
                data={"lines": [line.pk for line in unrouted]},
                webhook_id=webhook_id,
            )
    return created


def _create_lines(
    *, rma: RMA, lines: list[ReturnLine], rules: list[DispositionRule], skus: dict[str, str], return_outcome: str
) -> None:
    by_sku: OrderedDict[str, dict] = OrderedDict()
    instructed: dict[str, list[int]] = {}  # instruction → lines to record it on (one UPDATE per instruction)
    for line in lines:
        wms_sku = skus.get(line.sku, line.sku)
        entry = by_sku.setdefault(
            wms_sku, {"platform_sku": line.sku, "quantity": 0, "reasons": [], "instruction": "", "line": line}
        )
        entry["quantity"] += line.quantity
        reason = line_reason_text(line)
        if reason and reason not in entry["reasons"]:
            entry["reasons"].append(reason)
        rule = disposition_for(rules=rules, line=line, return_outcome=return_outcome)
        instruction = rule.instruction if rule else ""
        if INSTRUCTION_CAUTION.get(instruction, 0) > INSTRUCTION_CAUTION.get(entry["instruction"], 0):
            entry["instruction"] = instruction
        if instruction and line.processing_instruction != instruction:
            instructed.setdefault(instruction, []).append(line.pk)
            line.processing_instruction = instruction  # the instance may be the caller's (ReturnContents)
    for instruction, pks in instructed.items():
        ReturnLine.objects.filter(pk__in=pks).update(processing_instruction=instruction)
    RMALine.objects.bulk_create(
        [
            RMALine(
                rma=rma,
                return_line=entry["line"],
                sku=wms_sku,
                platform_sku=entry["platform_sku"],
                quantity=entry["quantity"],
                reason="; ".join(entry["reasons"])[:300],
                processing_instruction=entry["instruction"],
            )
            for wms_sku, entry in by_sku.items()
        ]
    )
