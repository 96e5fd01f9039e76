"""Reads over shipping locations, fulfilments and SKU mappings (used by RMA routing and building).

The location look-ups return the location row alone (routing needs its warehouse connection's id,
not the connection, whose encrypted credentials would be decrypted for nothing).
"""

from collections.abc import Iterable

from django.db.models import Q, QuerySet

from warehouses.models import Fulfillment, ShippingLocation, SkuMapping


def order_keys(*, order_name: str, order_number: str = "") -> set[str]:
    """Every spelling an order may carry in a WMS: "#1042", "1042", the platform's order number."""
    keys = {order_name, order_name.lstrip("#"), f"#{order_name.lstrip('#')}" if order_name else "", order_number}
    return {k for k in keys if k}


def location_for_destination(*, store_id: int, platform: str, destination_key: str) -> ShippingLocation | None:
    """The location a platform's explicit destination maps to (its LocationDestination for that platform)."""
    if not destination_key:
        return None
    return (
        ShippingLocation.objects.filter(
            store_id=store_id,
            warehouse_connection__isnull=False,
            destinations__provider=platform,
            destinations__external_id=destination_key,
        )
        .order_by("name", "id")  # the default ordering within one store, without its join on the store's name
        .first()
    )


def location_default(*, store_id: int) -> ShippingLocation | None:
    """The store's default location, when it is linked to a warehouse."""
    return (
        ShippingLocation.objects.filter(store_id=store_id, is_default=True, warehouse_connection__isnull=False)
        .order_by("name", "id")
        .first()
    )


def location_for_warehouse_code(
    *, store_id: int, warehouse_code: str, connection_id: int | None = None
) -> ShippingLocation | None:
    """The location whose WMS code or TrackStar id is warehouse_code (on that connection, if given)."""
    if not warehouse_code:
        return None
    qs = ShippingLocation.objects.filter(
        Q(wms_warehouse_code=warehouse_code) | Q(trackstar_warehouse_id=warehouse_code),
        store_id=store_id,
        warehouse_connection__isnull=False,
    )
    if connection_id is not None:
        qs = qs.filter(warehouse_connection_id=connection_id)
    return qs.order_by("-is_default", "id").first()


def _fulfillments_of_order(
    *, store_id: int, order_name: str, order_number: str, provider_order_id: str
) -> QuerySet[Fulfillment] | None:
    names = order_keys(order_name=order_name, order_number=order_number)
    match = Q(order_number__in=names) | Q(order_key__in=names)
    if provider_order_id:
        # ShipMonk order keys often embed the Shopify order id ("shopify-5550001112").
        match |= Q(order_key=provider_order_id) | Q(order_key__endswith=f"-{provider_order_id}")
    if not names and not provider_order_id:
        return None
    return Fulfillment.objects.filter(match, store_id=store_id).order_by("-shipped_at", "-created_at")


def fulfillments_for_routing(
    *, store_id: int, order_name: str, order_number: str = "", provider_order_id: str = ""
) -> list[Fulfillment]:
    """The store's outbound shipments of one order, newest first, each with its location only: routing
    reads connection ids and warehouse codes, not the connections (whose credentials would be
    decrypted for nothing)."""
    qs = _fulfillments_of_order(
        store_id=store_id, order_name=order_name, order_number=order_number, provider_order_id=provider_order_id
    )
    if qs is None:
        return []
    return list(qs.select_related("location"))


def fulfillment_is_of_order(
    fulfillment: Fulfillment, *, order_name: str, order_number: str = "", provider_order_id: str = ""
) -> bool:
    """Whether a fulfilment is one of the order's, by the test _fulfillments_of_order makes in SQL."""
    names = order_keys(order_name=order_name, order_number=order_number)
    if fulfillment.order_number in names or fulfillment.order_key in names:
        return True
    key = fulfillment.order_key
    return bool(provider_order_id) and (key == provider_order_id or key.endswith(f"-{provider_order_id}"))


def fulfillments_for_orders(*, store_id: int, orders: Iterable[tuple[str, str, str]]) -> list[Fulfillment]:
    """The store's outbound shipments of any of these orders ((order name, number, Shopify id) each), newest
    first, each with its location: one query for many returns (the routing dry run); fulfillment_is_of_order
    tells which order each belongs to."""
    names: set[str] = set()
    ids: set[str] = set()
    for order_name, order_number, provider_order_id in orders:
        names |= order_keys(order_name=order_name, order_number=order_number)
        if provider_order_id:
            ids.add(provider_order_id)
    if not names and not ids:
        return []
    match = Q(order_number__in=names) | Q(order_key__in=names) | Q(order_key__in=ids)
    for provider_order_id in sorted(ids):
        match |= Q(order_key__endswith=f"-{provider_order_id}")
    queryset = Fulfillment.objects.filter(match, store_id=store_id).select_related("location")
    return list(queryset.order_by("-shipped_at", "-created_at"))


def fulfillment_order_refs(
    *, store_id: int, order_name: str, order_number: str = "", provider_order_id: str = ""
) -> list[tuple[int | None, str, str]]:
    """(warehouse connection id, WMS order key, WMS order id) of the order's fulfilments, newest first:
    what an RMA push reads, as plain values (no model instances, no joins)."""
    qs = _fulfillments_of_order(
        store_id=store_id, order_name=order_name, order_number=order_number, provider_order_id=provider_order_id
    )
    if qs is None:
        return []
    return list(qs.values_list("warehouse_connection_id", "order_key", "external_order_id"))


def fulfillment_ships_sku(fulfillment: Fulfillment, sku: str) -> bool:
    """Whether a fulfilment's items or packages include the SKU (a split order ships SKUs from several sites)."""
    for item in fulfillment.items or []:
        if isinstance(item, dict) and item.get("sku") == sku:
            return True
    for package in fulfillment.packages or []:
        for product in (package or {}).get("packed_products") or []:
            if isinstance(product, dict) and product.get("sku") == sku:
                return True
    return False


def sku_map(*, store_id: int, platform_skus: Iterable[str]) -> dict[str, str]:
    """Platform SKU → WMS SKU; SKUs without a mapping map to themselves."""
    skus = set(platform_skus)
    rows = SkuMapping.objects.filter(store_id=store_id, platform_sku__in=skus).order_by()  # no join for the ordering
    mapping = dict(rows.values_list("platform_sku", "wms_sku"))
    return {sku: mapping.get(sku) or sku for sku in skus}
