"""API serializers for shipping locations and SKU mappings."""

from rest_framework import serializers

from integrations.permissions import UserStoreField, UserWarehouseConnectionField
from warehouses.models import ShippingLocation
from warehouses.provisioning import location_destinations


class LocationUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    warehouse_connection = UserWarehouseConnectionField(required=False, allow_null=True)
    trackstar_warehouse_id = serializers.CharField(max_length=100, required=False, allow_blank=True)
    wms_warehouse_code = serializers.CharField(max_length=100, required=False, allow_blank=True)
    destinations = serializers.DictField(
        child=serializers.CharField(max_length=100, allow_blank=True),
        required=False,
        help_text="Each returns platform's own id for this location, by platform (Loop: its destination id, "
        "Redo: its externalLocationId); a return the platform sends there is routed here. A blank id removes it; "
        "platforms left out keep theirs.",
    )
    address1 = serializers.CharField(max_length=200, required=False, allow_blank=True)
    address2 = serializers.CharField(max_length=200, required=False, allow_blank=True)
    city = serializers.CharField(max_length=100, required=False, allow_blank=True)
    region = serializers.CharField(max_length=100, required=False, allow_blank=True)
    postal_code = serializers.CharField(max_length=20, required=False, allow_blank=True)
    country_code = serializers.CharField(max_length=2, required=False, allow_blank=True)
    is_default = serializers.BooleanField(required=False)


class LocationCreateSerializer(LocationUpdateSerializer):
    store = UserStoreField()
    name = serializers.CharField(max_length=200)


class LocationOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    store = serializers.IntegerField(source="store_id")
    name = serializers.CharField()
    warehouse_connection = serializers.IntegerField(source="warehouse_connection_id", allow_null=True)
    trackstar_warehouse_id = serializers.CharField()
    wms_warehouse_code = serializers.CharField()
    destinations = serializers.SerializerMethodField(help_text="Each returns platform's id for this location.")
    address1 = serializers.CharField()
    address2 = serializers.CharField()
    city = serializers.CharField()
    region = serializers.CharField()
    postal_code = serializers.CharField()
    country_code = serializers.CharField()
    is_default = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    def get_destinations(self, obj: ShippingLocation) -> dict[str, str]:
        return location_destinations(obj)


class SkuMappingUpdateSerializer(serializers.Serializer):
    platform_sku = serializers.CharField(max_length=200, required=False)
    wms_sku = serializers.CharField(max_length=200, required=False)


class SkuMappingCreateSerializer(serializers.Serializer):
    store = UserStoreField()
    platform_sku = serializers.CharField(max_length=200)
    wms_sku = serializers.CharField(max_length=200)


class SkuMappingOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    store = serializers.IntegerField(source="store_id")
    platform_sku = serializers.CharField()
    wms_sku = serializers.CharField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
