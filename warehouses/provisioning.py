"""Writing shipping locations and SKU mappings (used by the REST API)."""

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from integrations.declarations import Role
from integrations.models import Connection, Store
from integrations.registry import declarations
from warehouses.models import LocationDestination, ShippingLocation, SkuMapping

LOCATION_FIELDS = (
    "name",
    "warehouse_connection",
    "trackstar_warehouse_id",
    "wms_warehouse_code",
    "address1",
    "address2",
    "city",
    "region",
    "postal_code",
    "country_code",
    "is_default",
)


def destination_platforms() -> dict[str, str]:
    """The returns platforms that have an id for a shipping location: slug → what they call it."""
    return {
        d.slug: d.location_identifier.label
        for d in declarations(role=Role.RETURNS_PLATFORM)
        if d.location_identifier is not None
    }


def _destinations_save(location: ShippingLocation, destinations: Mapping[str, str]) -> None:
    """Each platform's id for the location: a value sets it, a blank one removes it."""
    known = destination_platforms()
    unknown = sorted(set(destinations) - set(known))
    if unknown:
        raise ValidationError(
            {"destinations": f"{', '.join(unknown)}: not a returns platform with location ids ({', '.join(known)})."}
        )
    for provider, value in destinations.items():
        external_id = (value or "").strip()
        if len(external_id) > 100:
            raise ValidationError({"destinations": f"{known[provider]}: at most 100 characters."})
        if not external_id:
            LocationDestination.objects.filter(location=location, provider=provider).delete()
            continue
        LocationDestination.objects.update_or_create(
            location=location, provider=provider, defaults={"external_id": external_id}
        )


def location_destinations(location: ShippingLocation) -> dict[str, str]:
    """The location's id at each returns platform that has one (slug → id)."""
    return {d.provider: d.external_id for d in location.destinations.all()}


def _save_location(location: ShippingLocation) -> ShippingLocation:
    connection: Connection | None = location.warehouse_connection
    if connection is not None:
        if connection.store_id != location.store_id:
            raise ValidationError({"warehouse_connection": "This connection belongs to another store."})
        if connection.role != Connection.Role.WAREHOUSE:
            raise ValidationError({"warehouse_connection": "Choose a warehouse connection."})
    if location.is_default:
        # One default per store (a partial unique constraint): the new default replaces the old one.
        ShippingLocation.objects.filter(store_id=location.store_id, is_default=True).exclude(pk=location.pk).update(
            is_default=False
        )
    location.full_clean()
    location.save()
    return location


@transaction.atomic
def location_create(
    *, store: Store, data: Mapping[str, Any], destinations: Mapping[str, str] | None = None
) -> ShippingLocation:
    """Create a shipping location (with each returns platform's id for it, `destinations`: slug → id); a new
    default takes over from the store's previous one."""
    unknown = set(data) - set(LOCATION_FIELDS)
    if unknown:
        raise TypeError(f"unknown location fields: {sorted(unknown)}")
    location = _save_location(ShippingLocation(store=store, **data))
    _destinations_save(location, destinations or {})
    return location


@transaction.atomic
def location_update(
    *, location: ShippingLocation, data: Mapping[str, Any], destinations: Mapping[str, str] | None = None
) -> ShippingLocation:
    """Change a shipping location (only the fields given; in `destinations`, only the platforms given)."""
    location = ShippingLocation.objects.select_for_update().get(pk=location.pk)
    for name, value in data.items():
        if name not in LOCATION_FIELDS:
            raise TypeError(f"unknown location field: {name}")
        setattr(location, name, value)
    location = _save_location(location)
    _destinations_save(location, destinations or {})
    return location


def location_delete(*, location: ShippingLocation) -> None:
    """Delete a shipping location; RMAs keep their rows (the link is SET_NULL). Refused while a routing rule
    sends returns there (the rule would have nowhere to send them), naming the rules."""
    rules = list(location.routing_rules.order_by("position", "id"))
    if rules:
        names = ", ".join(f"{r.position} “{r.name}”" for r in rules)
        which = f"routing rules {names} send" if len(rules) > 1 else f"routing rule {names} sends"
        raise ValidationError(
            {"location": f"{location.name} is where {which} returns: change or delete the rule first."}
        )
    location.delete()


def sku_mapping_create(*, store: Store, platform_sku: str, wms_sku: str) -> SkuMapping:
    """Map a platform SKU to the WMS SKU for a store."""
    mapping = SkuMapping(store=store, platform_sku=platform_sku, wms_sku=wms_sku)
    mapping.full_clean()
    mapping.save()
    return mapping


def sku_mapping_update(*, mapping: SkuMapping, data: Mapping[str, Any]) -> SkuMapping:
    """Change a SKU mapping."""
    for name in ("platform_sku", "wms_sku"):
        if name in data:
            setattr(mapping, name, data[name])
    mapping.full_clean()
    mapping.save()
    return mapping


def sku_mapping_delete(*, mapping: SkuMapping) -> None:
    """Delete a SKU mapping (the SKU is then sent as it is)."""
    mapping.delete()
