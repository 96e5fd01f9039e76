"""Shipping locations, outbound fulfilments and SKU mappings in the operations console."""

from django import forms
from django.contrib import admin

from integrations.admin.common import ReadOnlyMixin, UnboundedTableMixin
from warehouses.models import Fulfillment, LocationDestination, ShippingLocation, SkuMapping
from warehouses.provisioning import destination_platforms


class LocationDestinationForm(forms.ModelForm):
    """The platform is chosen among the returns platforms that have location ids, by the name they give them."""

    provider = forms.ChoiceField(label="Returns platform", choices=lambda: list(destination_platforms().items()))

    class Meta:
        model = LocationDestination
        fields = ("provider", "external_id")
        labels = {"external_id": "The platform's id for this location"}


class LocationDestinationInline(admin.TabularInline):
    """Each returns platform's id for the location (Loop destination ID, Redo location ID)."""

    model = LocationDestination
    form = LocationDestinationForm
    extra = 0
    verbose_name = "returns platform's id for this location"
    verbose_name_plural = "returns platforms' ids for this location (returns they send there are routed here)"


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
        "=destinations__external_id",
        "postal_code",
        "city",
    )
    list_select_related = ("store", "warehouse_connection__store")
    autocomplete_fields = ("store", "warehouse_connection")
    inlines = (LocationDestinationInline,)


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
