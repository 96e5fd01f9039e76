"""REST API: returns (read), RMAs (read; "retry" and "cancel"), disposition rules and status mappings."""

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from config.api import ApiView
from integrations.permissions import StoreScopedMixin
from returns import serializers as s
from returns.models import RMA, DispositionRule, Return, StatusMapping

RMA_WITH_LINES = RMA.objects.prefetch_related("lines")


class ReturnListApi(StoreScopedMixin, ApiView):
    """List returns; filter by store, platform, order name, state and creation dates."""

    queryset = Return.objects.all()
    is_list_api = True
    OutputSerializer = s.ReturnOutputSerializer
    FilterSerializer = s.ReturnFilterSerializer

    def get(self, request: Request) -> Response:
        """List returns; filter by store, platform, order name, state and creation dates."""
        filters = self.filters()
        queryset = self.get_queryset()
        if "order_name" in filters:
            name = filters.pop("order_name").lstrip("#")
            queryset = queryset.filter(order_name__in=[name, f"#{name}"])
        lookups = {
            "store": "store_id",
            "platform": "platform",
            "state": "state",
            "created_after": "created_at__gte",
            "created_before": "created_at__lt",
        }
        return self.paginated(queryset.filter(**{lookups[k]: v for k, v in filters.items()}))


class ReturnDetailApi(StoreScopedMixin, ApiView):
    """One return with its lines, shipments, RMAs and timeline."""

    queryset = Return.objects.prefetch_related(
        "lines", "shipments", "timeline", Prefetch("rmas", queryset=RMA_WITH_LINES)
    )
    OutputSerializer = s.ReturnDetailOutputSerializer

    def get(self, request: Request, pk: int) -> Response:
        return self.output(self.get_object())


class RmaListApi(StoreScopedMixin, ApiView):
    """List RMAs; filter by store, return, status and number."""

    queryset = RMA_WITH_LINES
    is_list_api = True
    OutputSerializer = s.RmaOutputSerializer
    FilterSerializer = s.RmaFilterSerializer

    def get(self, request: Request) -> Response:
        """List RMAs; filter by store, return, status and number."""
        filters = self.filters()
        lookups = {"store": "store_id", "return_id": "return_obj_id", "status": "status", "number": "number"}
        return self.paginated(self.get_queryset().filter(**{lookups[k]: v for k, v in filters.items()}))


class RmaDetailApi(StoreScopedMixin, ApiView):
    """Read one RMA with its lines."""

    queryset = RMA_WITH_LINES
    OutputSerializer = s.RmaOutputSerializer

    def get(self, request: Request, pk: int) -> Response:
        return self.output(self.get_object())


class RmaRetryApi(StoreScopedMixin, ApiView):
    """Push an RMA to its warehouse again."""

    queryset = RMA_WITH_LINES
    OutputSerializer = s.RmaOutputSerializer

    @extend_schema(request=None)
    def post(self, request: Request, pk: int) -> Response:
        from returns.services.rmas import rma_retry

        rma = self.get_object()
        rma_retry(rma_id=rma.pk)
        return self.output(self.get_object())


class RmaCancelApi(StoreScopedMixin, ApiView):
    """Cancel an RMA in the warehouse (or flag it for support where the WMS cannot)."""

    queryset = RMA_WITH_LINES
    InputSerializer = s.RmaCancelInputSerializer
    OutputSerializer = s.RmaOutputSerializer

    def post(self, request: Request, pk: int) -> Response:
        from returns.services.rmas import rma_cancel

        rma = self.get_object()
        rma_cancel(rma_id=rma.pk, reason=self.validated_input()["reason"])
        return self.output(self.get_object())


class DispositionRuleListApi(StoreScopedMixin, ApiView):
    """List disposition rules; add one to a store you belong to."""

    queryset = DispositionRule.objects.all()
    is_list_api = True
    InputSerializer = s.DispositionRuleCreateSerializer
    OutputSerializer = s.DispositionRuleOutputSerializer
    FilterSerializer = s.ByStoreFilterSerializer

    def get(self, request: Request) -> Response:
        """List disposition rules."""
        filters = self.filters()
        queryset = self.get_queryset()
        if "store" in filters:
            queryset = queryset.filter(store_id=filters["store"])
        return self.paginated(queryset)

    def post(self, request: Request) -> Response:
        """Add a disposition rule to one of your stores."""
        from returns.provisioning import disposition_rule_create

        data = self.validated_input()
        return self.output(disposition_rule_create(store=data.pop("store"), data=data), status=201)


class DispositionRuleDetailApi(StoreScopedMixin, ApiView):
    """Read, change or delete one disposition rule."""

    queryset = DispositionRule.objects.all()
    InputSerializer = s.DispositionRuleUpdateSerializer
    OutputSerializer = s.DispositionRuleOutputSerializer

    def get(self, request: Request, pk: int) -> Response:
        return self.output(self.get_object())

    def patch(self, request: Request, pk: int) -> Response:
        from returns.provisioning import disposition_rule_update

        rule = self.get_object()
        return self.output(disposition_rule_update(rule=rule, data=self.validated_input(partial=True)))

    def delete(self, request: Request, pk: int) -> Response:
        from returns.provisioning import disposition_rule_delete

        disposition_rule_delete(rule=self.get_object())
        return Response(status=204)


class StatusMappingListApi(StoreScopedMixin, ApiView):
    """List status mappings; add one to a store you belong to."""

    queryset = StatusMapping.objects.all()
    is_list_api = True
    InputSerializer = s.StatusMappingCreateSerializer
    OutputSerializer = s.StatusMappingOutputSerializer
    FilterSerializer = s.ByStoreFilterSerializer

    def get(self, request: Request) -> Response:
        """List status mappings."""
        filters = self.filters()
        queryset = self.get_queryset()
        if "store" in filters:
            queryset = queryset.filter(store_id=filters["store"])
        return self.paginated(queryset)

    def post(self, request: Request) -> Response:
        """Add a status mapping to one of your stores."""
        from returns.provisioning import status_mapping_create

        data = self.validated_input()
        return self.output(status_mapping_create(store=data.pop("store"), data=data), status=201)


class StatusMappingDetailApi(StoreScopedMixin, ApiView):
    """Read, change or delete one status mapping."""

    queryset = StatusMapping.objects.all()
    InputSerializer = s.StatusMappingUpdateSerializer
    OutputSerializer = s.StatusMappingOutputSerializer

    def get(self, request: Request, pk: int) -> Response:
        return self.output(self.get_object())

    def patch(self, request: Request, pk: int) -> Response:
        from returns.provisioning import status_mapping_update

        mapping = self.get_object()
        return self.output(status_mapping_update(mapping=mapping, data=self.validated_input(partial=True)))

    def delete(self, request: Request, pk: int) -> Response:
        from returns.provisioning import status_mapping_delete

        status_mapping_delete(mapping=self.get_object())
        return Response(status=204)
