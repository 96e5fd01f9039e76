"""REST API: shipping locations and SKU mappings."""

from rest_framework.request import Request
from rest_framework.response import Response

from config.api import ApiView
from integrations.permissions import StoreScopedMixin
from warehouses import serializers as s
from warehouses.models import ShippingLocation, SkuMapping


class LocationListApi(StoreScopedMixin, ApiView):
    """List shipping locations; add one to a store you belong to."""

    queryset = ShippingLocation.objects.all()
    is_list_api = True
    InputSerializer = s.LocationCreateSerializer
    OutputSerializer = s.LocationOutputSerializer
    FilterSerializer = s.ByStoreFilterSerializer

    def get(self, request: Request) -> Response:
        """List shipping locations."""
        filters = self.filters()
        queryset = self.get_queryset()
        if "store" in filters:
            queryset = queryset.filter(store_id=filters["store"])
        return self.paginated(queryset)

    def post(self, request: Request) -> Response:
        """Add a shipping location to one of your stores."""
        from warehouses.provisioning import location_create

        data = self.validated_input()
        return self.output(location_create(store=data.pop("store"), data=data), status=201)


class LocationDetailApi(StoreScopedMixin, ApiView):
    """Read, change or delete one shipping location."""

    queryset = ShippingLocation.objects.all()
    InputSerializer = s.LocationUpdateSerializer
    OutputSerializer = s.LocationOutputSerializer

    def get(self, request: Request, pk: int) -> Response:
        return self.output(self.get_object())

    def patch(self, request: Request, pk: int) -> Response:
        from warehouses.provisioning import location_update

        location = self.get_object()
        return self.output(location_update(location=location, data=self.validated_input(partial=True)))

    def delete(self, request: Request, pk: int) -> Response:
        from warehouses.provisioning import location_delete

        location_delete(location=self.get_object())
        return Response(status=204)


class SkuMappingListApi(StoreScopedMixin, ApiView):
    """List SKU mappings; add one to a store you belong to."""

    queryset = SkuMapping.objects.all()
    is_list_api = True
    InputSerializer = s.SkuMappingCreateSerializer
    OutputSerializer = s.SkuMappingOutputSerializer
    FilterSerializer = s.ByStoreFilterSerializer

    def get(self, request: Request) -> Response:
        """List SKU mappings."""
        filters = self.filters()
        queryset = self.get_queryset()
        if "store" in filters:
            queryset = queryset.filter(store_id=filters["store"])
        return self.paginated(queryset)

    def post(self, request: Request) -> Response:
        """Add a SKU mapping to one of your stores."""
        from warehouses.provisioning import sku_mapping_create

        return self.output(sku_mapping_create(**self.validated_input()), status=201)


class SkuMappingDetailApi(StoreScopedMixin, ApiView):
    """Read, change or delete one SKU mapping."""

    queryset = SkuMapping.objects.all()
    InputSerializer = s.SkuMappingUpdateSerializer
    OutputSerializer = s.SkuMappingOutputSerializer

    def get(self, request: Request, pk: int) -> Response:
        return self.output(self.get_object())

    def patch(self, request: Request, pk: int) -> Response:
        from warehouses.provisioning import sku_mapping_update

        mapping = self.get_object()
        return self.output(sku_mapping_update(mapping=mapping, data=self.validated_input(partial=True)))

    def delete(self, request: Request, pk: int) -> Response:
        from warehouses.provisioning import sku_mapping_delete

        sku_mapping_delete(mapping=self.get_object())
        return Response(status=204)
