"""API serializers for shipping locations and SKU mappings."""

from rest_framework import serializers

from integrations.permissions import UserStoreField, UserWarehouseConnectionField


class LocationUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    warehouse_connection = UserWarehouseConnectionField(required=False, allow_null=True)
    trackstar_warehouse_id = serializers.CharField(max_length=100, required=False, allow_blank=True)
    wms_warehouse_code = serializers.CharField(max_length=100, required=False, allow_blank=True)
    loop_destination_id = serializers.CharField(max_length=100, required=False, allow_blank=True)
    redo_location_id = serializers.CharField(max_length=100, required=False, allow_blank=True)
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
    loop_destination_id = serializers.CharField()
    redo_location_id = serializers.CharField()
    address1 = serializers.CharField()
    address2 = serializers.CharField()
    city = serializers.CharField()
    region = serializers.CharField()
    postal_code = serializers.CharField()
    country_code = serializers.CharField()
    is_default = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


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
