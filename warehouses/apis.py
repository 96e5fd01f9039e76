"""REST API: shipping locations and SKU mappings."""

from typing import Any

from integrations.permissions import StoreRowDetailApi, StoreRowListApi
from warehouses import provisioning
from warehouses import serializers as s
from warehouses.models import ShippingLocation, SkuMapping


class LocationListApi(StoreRowListApi):
    """List shipping locations; add one to a store you belong to."""

    queryset = ShippingLocation.objects.all()
    rows = "location"
    InputSerializer = s.LocationCreateSerializer
    OutputSerializer = s.LocationOutputSerializer

    def create(self, *, store: Any, data: dict[str, Any]) -> ShippingLocation:
        destinations = data.pop("destinations", None)
        return provisioning.location_create(store=store, data=data, destinations=destinations)


class LocationDetailApi(StoreRowDetailApi):
    """Read, change or delete one shipping location."""

    queryset = ShippingLocation.objects.all()
    rows = "location"
    InputSerializer = s.LocationUpdateSerializer
    OutputSerializer = s.LocationOutputSerializer

    def update(self, row: ShippingLocation, data: dict[str, Any]) -> ShippingLocation:
        destinations = data.pop("destinations", None)
        return provisioning.location_update(location=row, data=data, destinations=destinations)

    def remove(self, row: ShippingLocation) -> None:
        provisioning.location_delete(location=row)


class SkuMappingListApi(StoreRowListApi):
    """List SKU mappings; add one to a store you belong to."""

    queryset = SkuMapping.objects.all()
    rows = "sku_mapping"
    InputSerializer = s.SkuMappingCreateSerializer
    OutputSerializer = s.SkuMappingOutputSerializer

    def create(self, *, store: Any, data: dict[str, Any]) -> SkuMapping:
        return provisioning.sku_mapping_create(store=store, **data)


class SkuMappingDetailApi(StoreRowDetailApi):
    """Read, change or delete one SKU mapping."""

    queryset = SkuMapping.objects.all()
    rows = "sku_mapping"
    InputSerializer = s.SkuMappingUpdateSerializer
    OutputSerializer = s.SkuMappingOutputSerializer

    def update(self, row: SkuMapping, data: dict[str, Any]) -> SkuMapping:
        return provisioning.sku_mapping_update(mapping=row, data=data)

    def remove(self, row: SkuMapping) -> None:
        provisioning.sku_mapping_delete(mapping=row)
