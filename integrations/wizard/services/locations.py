"""Step 3: shipping locations linked to a warehouse of the WMS."""

import logging
from typing import Any

from django.db import transaction

from integrations.models import Connection, Store
from integrations.wizard.services.connections import WarehouseOption
from warehouses.models import ShippingLocation
from warehouses.provisioning import location_create, location_update

logger = logging.getLogger(__name__)


LOCATION_FIELDS = (
    "name",
    "address1",
    "address2",
    "city",
    "region",
    "postal_code",
    "country_code",
)


@transaction.atomic
def location_save(
    *,
    store: Store,
    location: ShippingLocation | None,
    data: dict[str, Any],
    warehouse: WarehouseOption,
    connection: Connection,
    is_default: bool,
    destinations: dict[str, str] | None = None,
) -> ShippingLocation:
    """Add or change a shipping location linked to one warehouse of the WMS (and each returns platform's id for
    it, `destinations`); `is_default` moves the default, and a store's first location becomes its default."""
    others = store.shipping_locations.exclude(pk=location.pk) if location else store.shipping_locations.all()
    fields = {
        **{name: data[name] for name in LOCATION_FIELDS if name in data},
        "warehouse_connection": connection,
        "trackstar_warehouse_id": warehouse.trackstar_id,
        "wms_warehouse_code": warehouse.wms_code,
        "is_default": is_default or not others.filter(is_default=True).exists(),
    }
    if location is None:
        return location_create(store=store, data=fields, destinations=destinations)
    return location_update(location=location, data=fields, destinations=destinations)
