"""Shipping locations, outbound fulfilments and SKU mappings in the operations console."""

from django.contrib import admin

from integrations.admin.common import ReadOnlyMixin, UnboundedTableMixin
from warehouses.models import Fulfillment, ShippingLocation, SkuMapping


@admin.register(ShippingLocation)
class ShippingLocationAdmin(admin.ModelAdmin):
    # The provider-specific ids are on the location's page; the list keeps what identifies it.
    list_display = ("name", "is_default", "store", "warehouse_connection", "wms_warehouse_code", "city")
    list_filter = ("is_default", "warehouse_connection__provider", "store")
    search_fields = (
        "name",
        "store__name",
        "trackstar_warehouse_id",
        "wms_warehouse_code",
        "loop_destination_id",
        "redo_location_id",
        "postal_code",
        "city",
    )
    list_select_related = ("store", "warehouse_connection__store")
    autocomplete_fields = ("store", "warehouse_connection")


@admin.register(Fulfillment)
class FulfillmentAdmin(UnboundedTableMixin, ReadOnlyMixin, admin.ModelAdmin):
    """Outbound shipments the warehouses reported (one per order): evidence for routing, written by services."""

    list_display = ("order_number", "order_key", "store", "warehouse_code", "carrier", "shipped_at", "created_at")
    list_filter = ("warehouse_connection__provider", "store")
    # Exact: pasted ids; a substring search or a DISTINCT carrier filter would scan every fulfilment.
    search_fields = ("=order_number", "=order_key", "=external_order_id", "=shipment_key")
    list_select_related = ("store",)


@admin.register(SkuMapping)
class SkuMappingAdmin(admin.ModelAdmin):
    list_display = ("platform_sku", "wms_sku", "store")
    list_filter = ("store",)
    search_fields = ("platform_sku", "wms_sku", "store__name")
    list_select_related = ("store",)
    autocomplete_fields = ("store",)
