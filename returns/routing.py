"""Which warehouse receives each return line (product.md flows 2 and 10): reads only, never a provider call.

First match wins:

0. the store's routing rules, in order (returns/routing_rules.py says what matches);
1. the platform's explicit destination (Return.destination_id / ReturnLine.destination_key) mapped to a
   ShippingLocation (its LocationDestination for that platform);
2. the warehouse that fulfilled the original order: a Fulfillment of the order (preferring one that shipped
   the line's SKU);
3. the order as a WMS knows it, asked before any transaction (returns/services/routing.py
   order_lookup_fetch) and handed in as an OrderLookup;
4. the store's default location.

Each Route carries the reason in short (RMA.routing_reason, for support) and as data (RMA.routing: which
step, which rule, which values), which returns/routing_words.py says in words. Where the look-ups come from is
the caller's: DatabaseLookups reads them for one return, once per planning pass; the dry run
(returns/routing_dry_run.py) hands in what it read for a few hundred returns at once.
"""

import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from django.core.cache import cache

from integrations.base import OrderRef
from returns.models import Return, ReturnLine, RoutingRule
from returns.routing_rules import BY_FIELD, first_match, line_facts, value_words
from returns.selectors import routing_rules_for_store
from warehouses import selectors as wh
from warehouses.models import Fulfillment, ShippingLocation

_T = TypeVar("_T")


@dataclass(frozen=True)
class Route:
    location: ShippingLocation
    reason: str  # short, for support and RMA.routing_reason
    data: Mapping[str, Any] = field(default_factory=dict)  # the step and its values, for RMA.routing

    @property
    def connection_id(self) -> int:
        connection_id = self.location.warehouse_connection_id
        if connection_id is None:  # every location look-up here requires a warehouse connection
            raise ValueError(f"{self.location} routes a return but is not linked to a warehouse connection")
        return connection_id

    @property
    def step(self) -> str:
        return str(self.data.get("step", ""))


@dataclass(frozen=True)
class OrderLookup:
    """What the store's warehouse systems said about one order: asked before any transaction opens,
    then handed to planning, which never calls a WMS while it holds the return's lock."""

    connection_id: int | None = None
    order: OrderRef | None = None


# -- look-ups ------------------------------------------------------------------------------------------------


class RouteLookups(Protocol):
    """What routing reads about one return's store and order."""

    def rules(self) -> Sequence[RoutingRule]: ...

    def destination(self, key: str) -> ShippingLocation | None: ...

    def fulfillments(self) -> list[Fulfillment]: ...

    def location_for_code(self, code: str, connection_id: int | None) -> ShippingLocation | None: ...

    def default(self) -> ShippingLocation | None: ...


def _memo(memo: dict[tuple[Any, ...], Any] | None, key: tuple[Any, ...], compute: Callable[[], _T]) -> _T:
    """Look-ups that depend on the return, not the line, run once per planning pass (flat query counts)."""
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]


class DatabaseLookups:
    """One return's look-ups, read from the database when first asked; `memo` (a dict shared by the lines of one
    return) keeps each answer for the pass."""

    def __init__(self, *, return_obj: Return, memo: dict | None = None) -> None:
        self.return_obj = return_obj
        self.memo = memo

    def rules(self) -> Sequence[RoutingRule]:
        return _memo(self.memo, ("rules",), lambda: routing_rules_for_store(store_id=self.return_obj.store_id))

    def destination(self, key: str) -> ShippingLocation | None:
        return _memo(
            self.memo,
            ("destination", key),
            lambda: wh.location_for_destination(
                store_id=self.return_obj.store_id, platform=self.return_obj.platform, destination_key=key
            ),
        )

    def fulfillments(self) -> list[Fulfillment]:
        ret = self.return_obj
        return _memo(
            self.memo,
            ("fulfillments",),
            lambda: wh.fulfillments_for_routing(
                store_id=ret.store_id,
                order_name=ret.order_name,
                order_number=ret.order_number,
                provider_order_id=ret.provider_order_id,
            ),
        )

    def location_for_code(self, code: str, connection_id: int | None) -> ShippingLocation | None:
        return _memo(
            self.memo,
            ("code", code, connection_id),
            functools.partial(
                wh.location_for_warehouse_code,
                store_id=self.return_obj.store_id,
                warehouse_code=code,
                connection_id=connection_id,
            ),
        )

    def default(self) -> ShippingLocation | None:
        return _memo(self.memo, ("default",), lambda: wh.location_default(store_id=self.return_obj.store_id))


# -- the steps -------------------------------------------------------------------------------------------------


def _matched_words(matched: Mapping[str, Mapping[str, str]]) -> str:
    return "; ".join(f"{BY_FIELD[f].label} {value_words(f, v.get('rule', ''))}" for f, v in matched.items())


def rule_route(*, return_obj: Return, line: ReturnLine, rules: Iterable[RoutingRule]) -> Route | None:
    """The first rule that matches the line and sends it to a location linked to a warehouse."""
    usable = [r for r in rules if r.location is not None and r.location.warehouse_connection_id is not None]
    found = first_match(usable, line_facts(return_obj=return_obj, line=line))
    if found is None:
        return None
    rule, matched = found
    words = _matched_words(matched) or "every line"
    return Route(
        rule.location,
        f"routing rule {rule.position} “{rule.name}” ({words})",
        {
            "step": "rule",
            "rule": {"id": rule.pk, "name": rule.name, "position": rule.position},
            "matched": matched,
            "warehouse": rule.location.warehouse_label,
        },
    )


def _from_fulfillment(*, line: ReturnLine, lookups: RouteLookups) -> Route | None:
    fulfillments = lookups.fulfillments()
    # A split order ships SKUs from several warehouses: prefer the shipment that carried this SKU.
    ordered = sorted(fulfillments, key=lambda f: not wh.fulfillment_ships_sku(f, line.sku))
    for fulfillment in ordered:
        location = fulfillment.location
        if location is None or location.warehouse_connection_id is None:
            location = lookups.location_for_code(fulfillment.warehouse_code, fulfillment.warehouse_connection_id)
        if location is not None:
            label = fulfillment.order_number or fulfillment.order_key
            return Route(
                location,
                f"fulfilled from {location.warehouse_label} (order {label})",
                {"step": "fulfillment", "warehouse": location.warehouse_label, "order": label},
            )
    return None


def known_route(*, return_obj: Return, line: ReturnLine, lookups: RouteLookups) -> Route | None:
    """What the store's own data says without its rules: the platform's mapped destination, else the
    fulfilling warehouse."""
    destination = line.destination_key or return_obj.destination_id
    location = lookups.destination(destination) if destination else None
    if location is not None:
        return Route(
            location,
            f"platform destination {destination}",
            {
                "step": "destination",
                "destination": destination,
                "platform": return_obj.platform,
                "warehouse": location.warehouse_label,
            },
        )
    return _from_fulfillment(line=line, lookups=lookups)


def builtin_route(
    *, return_obj: Return, line: ReturnLine, order_lookup: OrderLookup | None, lookups: RouteLookups
) -> Route | None:
    """Flow 2's built-in steps, the last rules of every store: destination, fulfilling warehouse, the order
    in the WMS, the default location."""
    route = known_route(return_obj=return_obj, line=line, lookups=lookups)
    if route is not None:
        return route
    if order_lookup is not None and order_lookup.order is not None:
        location = lookups.location_for_code(order_lookup.order.warehouse_code, order_lookup.connection_id)
        if location is not None:
            return Route(
                location,
                f"order found in the WMS at {location.warehouse_label}",
                {"step": "wms_order", "warehouse": location.warehouse_label},
            )
    location = lookups.default()
    if location is not None:
        return Route(location, "store default location", {"step": "default", "warehouse": location.warehouse_label})
    return None


def line_route(
    *,
    return_obj: Return,
    line: ReturnLine,
    order_lookup: OrderLookup | None = None,
    memo: dict | None = None,
    lookups: RouteLookups | None = None,
    rules: Sequence[RoutingRule] | None = None,
) -> Route | None:
    """The warehouse location this line goes to, and why; None when nothing routes it. Never calls a WMS:
    `order_lookup` is what the WMSs said about the order, asked beforehand (order_lookup_fetch).

    `memo` (a dict shared by the lines of one return) makes the per-return look-ups run once; `lookups`
    replaces the database reads (the dry run's); `rules` replaces the store's saved rules (draft rules)."""
    lookups = lookups or DatabaseLookups(return_obj=return_obj, memo=memo)
    route = rule_route(return_obj=return_obj, line=line, rules=lookups.rules() if rules is None else rules)
    if route is not None:
        return route
    return builtin_route(return_obj=return_obj, line=line, order_lookup=order_lookup, lookups=lookups)


# -- the order as the warehouse systems know it ----------------------------------------------------------------


def return_order_ids(return_obj: Return) -> tuple[str, ...]:
    """The platform's own id of the return's order, then the store's (Shopify) id: forms a WMS may search by."""
    return tuple(dict.fromkeys(v for v in (return_obj.platform_order_id, return_obj.provider_order_id) if v))


def order_lookup_key(return_obj: Return) -> str:
    return f"rma-routing:order:{return_obj.store_id}:{return_obj.order_name or return_obj.order_number}"


def order_lookup_from_cache(cached: Any) -> OrderLookup | None:
    """A cached answer as an OrderLookup (None: never asked, or expired)."""
    if cached is None:
        return None
    return OrderLookup(*cached) if cached else OrderLookup()


def order_lookup_cached(*, return_obj: Return) -> OrderLookup | None:
    """An earlier lookup of the order, from the cache (None: never asked, or expired)."""
    return order_lookup_from_cache(cache.get(order_lookup_key(return_obj)))


def order_lookup_needed(*, return_obj: Return, lines: Iterable[ReturnLine], memo: dict | None = None) -> bool:
    """Whether routing would ask the WMSs for the order: some line is matched by no routing rule and has
    neither a mapped platform destination nor a known fulfilment (database reads only; the objects may be
    unsaved).

    `memo`: shared with the line_route calls that follow, so each look-up runs once."""
    if not (return_obj.order_name or return_obj.order_number):
        return False
    lookups = DatabaseLookups(return_obj=return_obj, memo={} if memo is None else memo)
    for line in lines:
        # The store's own data first: a return its platform or its fulfilment routes costs no rules query.
        if known_route(return_obj=return_obj, line=line, lookups=lookups) is not None:
            continue
        if rule_route(return_obj=return_obj, line=line, rules=lookups.rules()) is None:
            return True
    return False
