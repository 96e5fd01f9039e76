"""Which warehouse receives each return line (product.md flow 2). First match wins:

1. the platform's explicit destination (Return.destination_id / ReturnLine.destination_key)
   mapped to a ShippingLocation (loop_destination_id / redo_location_id);
2. the warehouse that fulfilled the original order: a Fulfillment of the order (preferring one
   that shipped the line's SKU), else an order lookup through each active WMS connection;
3. the store's default location.
"""

import functools
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.core.cache import cache

from integrations.base import OrderRef
from integrations.exceptions import ProviderError
from integrations.models import Connection
from integrations.registry import get_declaration, get_warehouse_client
from integrations.services.sandbox_addresses import is_sandbox_url
from returns.models import Return, ReturnLine
from warehouses import selectors as wh
from warehouses.models import ShippingLocation

logger = logging.getLogger(__name__)

ORDER_LOOKUP_CACHE_SECONDS = 3600

_T = TypeVar("_T")


@dataclass(frozen=True)
class Route:
    location: ShippingLocation
    reason: str  # short, for support and RMA.routing_reason; returns/routing_words.py says it to a merchant

    @property
    def connection_id(self) -> int:
        connection_id = self.location.warehouse_connection_id
        if connection_id is None:  # every location look-up here requires a warehouse connection
            raise ValueError(f"{self.location} routes a return but is not linked to a warehouse connection")
        return connection_id


def _memo(memo: dict[tuple[Any, ...], Any] | None, key: tuple[Any, ...], compute: Callable[[], _T]) -> _T:
    """Look-ups that depend on the return, not the line, run once per planning pass (flat query counts)."""
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def _from_fulfillment(*, return_obj: Return, line: ReturnLine, memo: dict | None = None) -> Route | None:
    fulfillments = _memo(
        memo,
        ("fulfillments",),
        lambda: list(
            wh.fulfillments_for_routing(
                store_id=return_obj.store_id,
                order_name=return_obj.order_name,
                order_number=return_obj.order_number,
                provider_order_id=return_obj.provider_order_id,
            )
        ),
    )
    # A split order ships SKUs from several warehouses: prefer the shipment that carried this SKU.
    ordered = sorted(fulfillments, key=lambda f: not wh.fulfillment_ships_sku(f, line.sku))
    for fulfillment in ordered:
        location = fulfillment.location
        if location is None or location.warehouse_connection_id is None:
            location = _memo(
                memo,
                ("code", fulfillment.warehouse_code, fulfillment.warehouse_connection_id),
                functools.partial(
                    wh.location_for_warehouse_code,
                    store_id=return_obj.store_id,
                    warehouse_code=fulfillment.warehouse_code,
                    connection_id=fulfillment.warehouse_connection_id,
                ),
            )
        if location is not None:
            label = fulfillment.order_number or fulfillment.order_key
            return Route(location, f"fulfilled from {location.warehouse_label} (order {label})")
    return None


@dataclass(frozen=True)
class OrderLookup:
    """What the store's warehouse systems said about one order: asked before any transaction opens,
    then handed to planning, which never calls a WMS while it holds the return's lock."""

    connection_id: int | None = None
    order: OrderRef | None = None


def return_order_ids(return_obj: Return) -> tuple[str, ...]:
    """The platform's own id of the return's order, then the store's (Shopify) id: forms a WMS may search by."""
    return tuple(dict.fromkeys(v for v in (return_obj.platform_order_id, return_obj.provider_order_id) if v))


def _order_lookup_key(return_obj: Return) -> str:
    return f"rma-routing:order:{return_obj.store_id}:{return_obj.order_name or return_obj.order_number}"


def order_lookup_needed(*, return_obj: Return, lines: Iterable[ReturnLine], memo: dict | None = None) -> bool:
    """Whether routing would ask the WMSs for the order: some line has neither a mapped platform
    destination nor a known fulfilment (database reads only; the objects may be unsaved).

    `memo`: shared with the line_route calls that follow, so each look-up runs once."""
    if not (return_obj.order_name or return_obj.order_number):
        return False
    memo = {} if memo is None else memo
    return any(_known_route(return_obj=return_obj, line=line, memo=memo) is None for line in lines)


def order_lookup_cached(*, return_obj: Return) -> OrderLookup | None:
    """An earlier lookup of the order, from the cache (None: never asked, or expired)."""
    cached = cache.get(_order_lookup_key(return_obj))
    if cached is None:
        return None
    return OrderLookup(*cached) if cached else OrderLookup()


def order_lookup_fetch(*, return_obj: Return) -> OrderLookup:
    """Ask each active warehouse connection of the store for the order; cached an hour, misses too.

    Network: call it before any transaction opens (the intake's prepare step, or planning of an
    unlocked return before it takes the lock)."""
    cached = order_lookup_cached(return_obj=return_obj)
    if cached is not None:
        return cached
    found = OrderLookup()
    connections = Connection.objects.filter(
        store_id=return_obj.store_id, role=Connection.Role.WAREHOUSE, status=Connection.Status.ACTIVE
    ).order_by("id")
    for connection in connections:
        if not get_declaration(connection.provider).supports_order_lookup:
            continue
        try:
            client = get_warehouse_client(connection=connection)
            # Test data asks only sandbox warehouses, never a live WMS, even for a read.
            if (return_obj.is_test or return_obj.store.is_sandbox) and not is_sandbox_url(client.base_url):
                continue
            with client.log_context(return_obj_id=return_obj.pk):
                ref = client.order_find(
                    order_name=return_obj.order_name,
                    order_number=return_obj.order_number,
                    order_ids=return_order_ids(return_obj),
                )
        except ProviderError as exc:
            # Routing falls through to the default location; the ApiCall row keeps the details.
            logger.info("order lookup failed on connection %s: %s", connection.pk, type(exc).__name__)
            continue
        if ref is not None:
            found = OrderLookup(connection_id=connection.pk, order=ref)
            break
    cache.set(
        _order_lookup_key(return_obj),
        (found.connection_id, found.order) if found.order else (),
        ORDER_LOOKUP_CACHE_SECONDS,
    )
    return found


def _known_route(*, return_obj: Return, line: ReturnLine, memo: dict | None) -> Route | None:
    """What the store's own data says: the platform's mapped destination, else the fulfilling warehouse."""
    destination = line.destination_key or return_obj.destination_id
    location = _memo(
        memo,
        ("destination", destination),
        lambda: wh.location_for_destination(
            store_id=return_obj.store_id, platform=return_obj.platform, destination_key=destination
        ),
    )
    if location is not None:
        return Route(location, f"platform destination {destination}")
    return _from_fulfillment(return_obj=return_obj, line=line, memo=memo)


def line_route(
    *, return_obj: Return, line: ReturnLine, order_lookup: OrderLookup | None = None, memo: dict | None = None
) -> Route | None:
    """The warehouse location this line goes to, and why; None when nothing routes it. Never calls a WMS:
    `order_lookup` is what the WMSs said about the order, asked beforehand (order_lookup_fetch).

    `memo` (a dict shared by the lines of one return) makes the per-return look-ups run once.
    """
    route = _known_route(return_obj=return_obj, line=line, memo=memo)
    if route is not None:
        return route
    if order_lookup is not None and order_lookup.order is not None:
        location = _memo(
            memo,
            ("looked-up", order_lookup.connection_id, order_lookup.order.warehouse_code),
            functools.partial(
                wh.location_for_warehouse_code,
                store_id=return_obj.store_id,
                warehouse_code=order_lookup.order.warehouse_code,
                connection_id=order_lookup.connection_id,
            ),
        )
        if location is not None:
            return Route(location, f"order found in the WMS at {location.warehouse_label}")
    location = _memo(memo, ("default",), lambda: wh.location_default(store_id=return_obj.store_id))
    if location is not None:
        return Route(location, "store default location")
    return None
