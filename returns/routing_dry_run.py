"""The routing dry run (product.md flow 10): what a list of routing rules would have done to a store's latest
returns, replayed from what is stored. Reads only: it creates, changes and sends nothing, and never asks a
warehouse system (tests/returns/routing/test_dry_run.py counts the statements and the provider calls).

For each line of the store's last N returns:

- today's warehouse is where its RMA went (the live RMA holding the line), else, for a return not planned
  yet, where the saved rules and the built-in steps send it now;
- the rules' warehouse is the first of the given rules that matches the line; when none does, the built-in
  steps decide: for a line whose RMA they routed (not a rule), that RMA's warehouse, else they are replayed
  from the stored destination, fulfilments and default. A step that needs the order looked up in the WMS uses
  the answer cached from the last look-up, else falls through to the default (counted in `not_looked_up`).

RMAs per warehouse are counted as planning groups lines: one per warehouse and parcel of a return.
The look-ups for all the returns are read at once, so the statements do not grow with N.
"""

import copy
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.db.models import Prefetch

from integrations.models import Store
from returns.models import RMA, Return, ReturnLine, RMALine, RoutingRule
from returns.parcels import shipment_for_line
from returns.routing import (
    OrderLookup,
    Route,
    builtin_route,
    order_lookup_from_cache,
    order_lookup_key,
    rule_route,
)
from returns.routing_rules import rule_label
from returns.selectors import routing_rules_for_store
from warehouses.models import Fulfillment, ShippingLocation
from warehouses.selectors import fulfillment_is_of_order, fulfillments_for_orders

DEFAULT_LIMIT = 200
MAX_LIMIT = 1000


@dataclass(frozen=True)
class Destination:
    """Where a line goes and why ("" location: nowhere, no warehouse routes it)."""

    location_id: int | None
    location: str
    warehouse: str
    reason: str
    rule_id: int | None = None
    rule: str = ""  # "Rule 2 “West coast”" when a routing rule sent it

    @property
    def by_rule(self) -> bool:
        return self.rule_id is not None or bool(self.rule)


@dataclass(frozen=True)
class LineChange:
    return_id: int
    external_id: str
    platform: str
    order_name: str
    line_id: int
    sku: str
    quantity: int
    before: Destination
    after: Destination


@dataclass(frozen=True)
class WarehouseCount:
    location_id: int
    location: str
    warehouse: str
    before: int
    after: int

    @property
    def change(self) -> int:
        return self.after - self.before


@dataclass(frozen=True)
class RuleCount:
    position: int
    label: str
    lines: int


@dataclass
class RoutingDryRun:
    limit: int
    returns: int = 0
    lines: int = 0
    changes: list[LineChange] = field(default_factory=list)
    warehouses: list[WarehouseCount] = field(default_factory=list)
    rules: list[RuleCount] = field(default_factory=list)
    unrouted_before: int = 0
    unrouted_after: int = 0
    not_looked_up: int = 0  # lines whose built-in steps needed a WMS look-up the dry run did not make

    @property
    def rmas_before(self) -> int:
        return sum(w.before for w in self.warehouses)

    @property
    def rmas_after(self) -> int:
        return sum(w.after for w in self.warehouses)


NOWHERE = Destination(None, "", "", "no warehouse routes it")


class _StoreLookups:
    """routing.RouteLookups for one return, answered from rows read once for every return of the dry run."""

    def __init__(
        self,
        *,
        return_obj: Return,
        locations: Sequence[ShippingLocation],
        fulfillments: list[Fulfillment],
        rules: Sequence[RoutingRule],
    ) -> None:
        self.return_obj = return_obj
        self.linked = [loc for loc in locations if loc.warehouse_connection_id is not None]
        self._fulfillments = fulfillments
        self._rules = rules

    def rules(self) -> Sequence[RoutingRule]:
        return self._rules

    def destination(self, key: str) -> ShippingLocation | None:
        platform = self.return_obj.platform
        found = [
            loc
            for loc in self.linked
            if any(d.provider == platform and d.external_id == key for d in loc.destinations.all())
        ]
        return min(found, key=lambda loc: (loc.name, loc.pk), default=None)

    def fulfillments(self) -> list[Fulfillment]:
        ret = self.return_obj
        return [
            f
            for f in self._fulfillments
            if fulfillment_is_of_order(
                f, order_name=ret.order_name, order_number=ret.order_number, provider_order_id=ret.provider_order_id
            )
        ]

    def location_for_code(self, code: str, connection_id: int | None) -> ShippingLocation | None:
        if not code:
            return None
        found = [
            loc
            for loc in self.linked
            if code in (loc.wms_warehouse_code, loc.trackstar_warehouse_id)
            and (connection_id is None or loc.warehouse_connection_id == connection_id)
        ]
        return min(found, key=lambda loc: (not loc.is_default, loc.pk), default=None)

    def default(self) -> ShippingLocation | None:
        return min((loc for loc in self.linked if loc.is_default), key=lambda loc: (loc.name, loc.pk), default=None)


def _destination(route: Route | None) -> Destination:
    if route is None:
        return NOWHERE
    rule = route.data.get("rule") or {}
    location = route.location
    return Destination(
        location_id=location.pk,
        location=location.name,
        warehouse=location.warehouse_label,
        reason=route.reason,
        rule_id=rule.get("id"),
        rule=f"Rule {rule.get('position')} “{rule.get('name')}”" if rule else "",
    )


def _from_rma(row: Mapping[str, Any], sku: str, locations: Mapping[int, ShippingLocation]) -> Destination:
    """Where the line's RMA went, and why (its routing data for this SKU, else its short reason)."""
    routes = [r for r in (row["rma__routing"] or {}).get("routes", []) if isinstance(r, Mapping)]
    route = next((r for r in routes if sku in (r.get("skus") or [])), routes[0] if routes else {})
    rule = route.get("rule") or {}
    reason = row["rma__routing_reason"] or ""
    location = locations.get(row["rma__location_id"]) if row["rma__location_id"] else None
    by_rule = route.get("step") == "rule" or (not route and reason.startswith("routing rule"))
    return Destination(
        location_id=location.pk if location else None,
        location=location.name if location else "a deleted location",
        warehouse=location.warehouse_label if location else "",
        reason=reason,
        rule_id=rule.get("id"),
        rule=(f"Rule {rule.get('position')} “{rule.get('name')}”" if rule else ("a routing rule" if by_rule else "")),
    )


class _Replay:
    """The built-in steps for one line, noting whether they wanted the WMS's answer about the order and had none
    cached (the dry run asks no WMS: the default stood in)."""

    def __init__(self, *, return_obj: Return, lookup: OrderLookup | None, lookups: _StoreLookups) -> None:
        self.return_obj = return_obj
        self.lookup = lookup
        self.lookups = lookups
        self.guessed = False

    def built_in(self, line: ReturnLine) -> Route | None:
        ret = self.return_obj
        route = builtin_route(return_obj=ret, line=line, order_lookup=self.lookup, lookups=self.lookups)
        wanted = self.lookup is None and bool(ret.order_name or ret.order_number)
        self.guessed = self.guessed or (wanted and (route is None or route.step == "default"))
        return route


def _groups(assigned: Iterable[tuple[ReturnLine, Destination]], shipments: list) -> set[tuple[int, int | None]]:
    """(location, parcel) pairs: one RMA each, as planning groups a return's lines."""
    groups = set()
    for line, destination in assigned:
        if destination.location_id is None:
            continue
        shipment = shipment_for_line(line, shipments) if len(shipments) > 1 else (shipments[0] if shipments else None)
        groups.add((destination.location_id, shipment.pk if shipment else None))
    return groups


def routing_dry_run(
    *, store: Store, rules: Sequence[RoutingRule] | None = None, limit: int = DEFAULT_LIMIT
) -> RoutingDryRun:
    """Replay the store's last `limit` returns through `rules` (ordered, unsaved drafts or saved ones; None: the
    store's saved rules) and report the lines that would go elsewhere and the RMAs per warehouse. Reads only."""
    limit = max(1, min(int(limit), MAX_LIMIT))
    saved = routing_rules_for_store(store_id=store.pk)
    locations = list(ShippingLocation.objects.filter(store=store).prefetch_related("destinations").order_by())
    by_id = {loc.pk: loc for loc in locations}
    draft = saved
    if rules is not None:
        # Copies, numbered in the order given, pointing at the locations read here (no query per rule).
        draft = [copy.copy(rule) for rule in rules]
        for position, rule in enumerate(draft, start=1):
            rule.position = position
            if rule.location_id in by_id:
                rule.location = by_id[rule.location_id]
    returns = list(
        Return.objects.filter(store=store)
        .order_by("-created_at", "-id")
        .prefetch_related(
            Prefetch("lines", queryset=ReturnLine.objects.order_by("id")),
            "shipments",
        )[:limit]
    )
    report = RoutingDryRun(limit=limit, returns=len(returns))
    if not returns:
        report.rules = [RuleCount(i, rule_label(r, i), 0) for i, r in enumerate(draft, start=1)]
        return report
    on_rmas: dict[int, Mapping[str, Any]] = {}
    rows = (
        RMALine.objects.filter(rma__store=store, rma__return_obj__in=[r.pk for r in returns], return_line__isnull=False)
        .exclude(rma__status=RMA.Status.CANCELLED)
        .order_by("rma_id", "id")
        .values("return_line_id", "rma__location_id", "rma__routing", "rma__routing_reason")
    )
    for row in rows:
        on_rmas[row["return_line_id"]] = row  # the latest live RMA holding the line
    fulfillments = fulfillments_for_orders(
        store_id=store.pk, orders=[(r.order_name, r.order_number, r.provider_order_id) for r in returns]
    )
    keys = {r.pk: order_lookup_key(r) for r in returns if r.order_name or r.order_number}
    cached = cache.get_many(set(keys.values())) if keys else {}

    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    taken: Counter[int] = Counter()
    for return_obj in returns:
        lookups = _StoreLookups(return_obj=return_obj, locations=locations, fulfillments=fulfillments, rules=saved)
        lookup: OrderLookup | None = order_lookup_from_cache(cached.get(keys.get(return_obj.pk, "")))
        shipments = sorted((s for s in return_obj.shipments.all() if not s.cancelled), key=lambda s: s.pk)
        before_lines, after_lines = [], []
        for line in return_obj.lines.all():
            report.lines += 1
            replay = _Replay(return_obj=return_obj, lookup=lookup, lookups=lookups)
            rma_row = on_rmas.get(line.pk)
            if rma_row is not None:
                before = _from_rma(rma_row, line.sku, by_id)
            else:
                before = _destination(
                    rule_route(return_obj=return_obj, line=line, rules=saved) or replay.built_in(line)
                )
            route = rule_route(return_obj=return_obj, line=line, rules=draft)
            if route is not None:
                after = _destination(route)
                taken[int(route.data["rule"]["position"])] += 1
            elif rma_row is not None and not before.by_rule:
                after = before  # the built-in steps routed it and still do: the RMA shows where
            else:
                after = _destination(replay.built_in(line))
            report.not_looked_up += replay.guessed
            before_lines.append((line, before))
            after_lines.append((line, after))
            report.unrouted_before += before.location_id is None
            report.unrouted_after += after.location_id is None
            if before.location_id != after.location_id:
                report.changes.append(
                    LineChange(
                        return_id=return_obj.pk,
                        external_id=return_obj.external_id,
                        platform=return_obj.platform,
                        order_name=return_obj.order_name,
                        line_id=line.pk,
                        sku=line.sku,
                        quantity=line.quantity,
                        before=before,
                        after=after,
                    )
                )
        for location_id, _parcel in _groups(before_lines, shipments):
            counts[location_id][0] += 1
        for location_id, _parcel in _groups(after_lines, shipments):
            counts[location_id][1] += 1
    report.warehouses = sorted(
        (
            WarehouseCount(
                location_id=pk,
                location=by_id[pk].name if pk in by_id else "a deleted location",
                warehouse=by_id[pk].warehouse_label if pk in by_id else "",
                before=before,
                after=after,
            )
            for pk, (before, after) in counts.items()
        ),
        key=lambda w: (w.location, w.location_id),
    )
    report.rules = [RuleCount(i, rule_label(r, i), taken[i]) for i, r in enumerate(draft, start=1)]
    return report
