"""Shipping locations, outbound fulfilments and SKU mappings in the operations console."""

from django.contrib import admin

from warehouses.models import Fulfillment, ShippingLocation, SkuMapping


@admin.register(ShippingLocation)
class ShippingLocationAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "store",
        "warehouse_connection",
        "trackstar_warehouse_id",
        "wms_warehouse_code",
        "loop_destination_id",
        "redo_location_id",
        "is_default",
    )
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
class FulfillmentAdmin(admin.ModelAdmin):
    list_display = ("order_number", "order_key", "store", "warehouse_code", "carrier", "shipped_at", "created_at")
    list_filter = ("warehouse_connection__provider", "carrier", "store")
    search_fields = ("order_number", "order_key", "external_order_id", "shipment_key", "warehouse_code", "store__name")
    list_select_related = ("store",)
    autocomplete_fields = ("store", "warehouse_connection")
    raw_id_fields = ("location", "source_webhook")
    date_hierarchy = "shipped_at"


@admin.register(SkuMapping)
class SkuMappingAdmin(admin.ModelAdmin):
    list_display = ("platform_sku", "wms_sku", "store")
    list_filter = ("store",)
    search_fields = ("platform_sku", "wms_sku", "store__name")
    list_select_related = ("store",)
    autocomplete_fields = ("store",)
