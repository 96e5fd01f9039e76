"""Where returns go: shipping locations linked to warehouses, outbound fulfilments, SKU mappings."""

from django.db import models
from django.db.models import Q

from config.models import BaseModel


class ShippingLocation(BaseModel):
    """A store's shipping location, linked to a warehouse in the WMS, with the keys that route to it."""

    store = models.ForeignKey("integrations.Store", on_delete=models.CASCADE, related_name="shipping_locations")
    name = models.CharField(max_length=200)
    warehouse_connection = models.ForeignKey(
        "integrations.Connection",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="shipping_locations",
        limit_choices_to={"role": "warehouse"},
    )
    trackstar_warehouse_id = models.CharField(max_length=100, blank=True, default="")
    wms_warehouse_code = models.CharField(
        max_length=100, blank=True, default="", help_text="ShipMonk warehouse code (CA1) or ShipStream warehouse_id."
    )
    address1 = models.CharField(max_length=200, blank=True, default="")
    address2 = models.CharField(max_length=200, blank=True, default="")
    city = models.CharField(max_length=100, blank=True, default="")
    region = models.CharField(max_length=100, blank=True, default="")
    postal_code = models.CharField(max_length=20, blank=True, default="", db_index=True)
    country_code = models.CharField(max_length=2, blank=True, default="")
    is_default = models.BooleanField(default=False)

    class Meta:
        ordering = ("store__name", "name")
        constraints = [
            models.UniqueConstraint(
                fields=("store",), condition=Q(is_default=True), name="one_default_location_per_store"
            ),
            models.UniqueConstraint(fields=("store", "name"), name="uniq_location_name_per_store"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.warehouse_label})"

    @property
    def warehouse_label(self) -> str:
        return self.wms_warehouse_code or self.trackstar_warehouse_id or "unlinked"


class LocationDestination(BaseModel):
    """A returns platform's own id for a shipping location (Loop's destination_id, Redo's externalLocationId):
    a return the platform sends there is routed to this location. What it is called comes from the platform's
    declaration (`location_identifier`), so a new platform needs no column of its own."""

    location = models.ForeignKey(ShippingLocation, on_delete=models.CASCADE, related_name="destinations")
    # A returns platform's slug in integrations.registry.
    provider = models.CharField(max_length=40)
    external_id = models.CharField(max_length=100)

    class Meta:
        ordering = ("provider",)
        constraints = [
            models.UniqueConstraint(fields=("location", "provider"), name="one_destination_id_per_platform"),
        ]
        indexes = [models.Index(fields=("provider", "external_id"), name="destination_by_platform_id")]

    def __str__(self) -> str:
        return f"{self.provider}: {self.external_id}"


class Fulfillment(BaseModel):
    """An outbound shipment the WMS reported: which warehouse shipped which order."""

    store = models.ForeignKey("integrations.Store", on_delete=models.CASCADE, related_name="fulfillments")
    warehouse_connection = models.ForeignKey(
        "integrations.Connection", null=True, blank=True, on_delete=models.SET_NULL, related_name="fulfillments"
    )
    location = models.ForeignKey(
        ShippingLocation, null=True, blank=True, on_delete=models.SET_NULL, related_name="fulfillments"
    )
    # A stable key for this shipment within the store: provider shipment id, or
    # order key + warehouse + tracking numbers when the provider has none.
    shipment_key = models.CharField(max_length=255)
    order_key = models.CharField(max_length=200, blank=True, default="", db_index=True)
    order_number = models.CharField(max_length=100, blank=True, default="", db_index=True)
    # The WMS's (or TrackStar's) own order id, needed to link an RMA to the order.
    external_order_id = models.CharField(max_length=200, blank=True, default="")
    warehouse_code = models.CharField(max_length=100, blank=True, default="")
    carrier = models.CharField(max_length=100, blank=True, default="")
    service = models.CharField(max_length=100, blank=True, default="")
    tracking_numbers = models.JSONField(default=list, blank=True)
    packages = models.JSONField(default=list, blank=True)
    items = models.JSONField(default=list, blank=True)
    ordered_at = models.DateTimeField(null=True, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    source_webhook = models.ForeignKey(
        "integrations.InboundWebhook", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ("-shipped_at", "-created_at")
        constraints = [
            models.UniqueConstraint(fields=("store", "shipment_key"), name="uniq_fulfillment_shipment_per_store")
        ]
        # An orphan receipt names its order by the WMS's own order id (TrackStar's `order_id`).
        indexes = [
            models.Index(
                fields=("store", "external_order_id"),
                name="fulfillment_external_order",
                condition=~models.Q(external_order_id=""),
            )
        ]

    def __str__(self) -> str:
        return f"{self.order_number or self.order_key} from {self.warehouse_code or '?'}"


class SkuMapping(BaseModel):
    """The platform SKU to the WMS SKU, per store. A SKU without a mapping is sent as it is."""

    store = models.ForeignKey("integrations.Store", on_delete=models.CASCADE, related_name="sku_mappings")
    platform_sku = models.CharField(max_length=200)
    wms_sku = models.CharField(max_length=200)

    class Meta:
        ordering = ("store__name", "platform_sku")
        constraints = [models.UniqueConstraint(fields=("store", "platform_sku"), name="uniq_sku_mapping_per_store")]
        verbose_name = "SKU mapping"

    def __str__(self) -> str:
        return f"{self.platform_sku} → {self.wms_sku}"
