"""REST API: returns (read, `?aging=` for the overdue; "retry the platform action"), RMAs (read; "retry" and
"cancel"), orphan receipts (read; "link", "dismiss"), disposition rules, status mappings, routing rules and the routing
dry run. Members read, retry, link a receipt and run dry runs; a cancel, a dismissal and the rules are the owners'
(and staff's as their model permissions say): integrations.access."""

from typing import Any

from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from config.api import ApiView
from integrations.models import Store
from integrations.permissions import StoreRowDetailApi, StoreRowListApi, StoreScopedMixin
from returns import filters, provisioning, routing_provisioning
from returns import serializers as s
from returns.models import RMA, DispositionRule, GradeMapping, OrphanReceipt, Return, RoutingRule, StatusMapping
from returns.routing_dry_run import routing_dry_run

RMA_WITH_LINES = RMA.objects.prefetch_related("lines")


class ReturnListApi(StoreScopedMixin, ApiView):
    """List returns; filter by store, platform, order name, state, platform action and creation dates."""

    queryset = Return.objects.all()
    view_action = "return.view"
    is_list_api = True
    OutputSerializer = s.ReturnOutputSerializer
    filterset_class = filters.ReturnFilter

    def get(self, request: Request) -> Response:
        """List returns; filter by store, platform, order name, state, platform action and creation dates."""
        return self.filtered_page()


class ReturnDetailApi(StoreScopedMixin, ApiView):
    """One return with its lines, shipments, RMAs and timeline."""

    queryset = Return.objects.prefetch_related(
        "lines", "shipments", "timeline", Prefetch("rmas", queryset=RMA_WITH_LINES)
    )
    view_action = "return.view"
    OutputSerializer = s.ReturnDetailOutputSerializer

    def get(self, request: Request, pk: int) -> Response:
        return self.output(self.get_object())


class RmaListApi(StoreScopedMixin, ApiView):
    """List RMAs; filter by store, return, status and number."""

    queryset = RMA_WITH_LINES
    view_action = "rma.view"
    is_list_api = True
    OutputSerializer = s.RmaOutputSerializer
    filterset_class = filters.RmaFilter

    def get(self, request: Request) -> Response:
        """List RMAs; filter by store, return, status and number."""
        return self.filtered_page()


class RmaDetailApi(StoreScopedMixin, ApiView):
    """Read one RMA with its lines."""

    queryset = RMA_WITH_LINES
    view_action = "rma.view"
    OutputSerializer = s.RmaOutputSerializer

    def get(self, request: Request, pk: int) -> Response:
        return self.output(self.get_object())


class RmaRetryApi(StoreScopedMixin, ApiView):
    """Push an RMA to its warehouse again."""

    queryset = RMA_WITH_LINES
    view_action = "rma.view"
    OutputSerializer = s.RmaOutputSerializer

    @extend_schema(request=None)
    def post(self, request: Request, pk: int) -> Response:
        from returns.services.rmas.support import rma_retry

        rma = self.get_object()
        self.require("rma.retry", rma.store_id)
        rma_retry(rma_id=rma.pk, by=request.user.get_username())
        return self.output(self.get_object())


class ReturnPlatformActionRetryApi(StoreScopedMixin, ApiView):
    """Queue a failed platform action (process or flag on Loop / Redo) again; a no-op while one is queued."""

    queryset = Return.objects.all()
    view_action = "return.view"
    OutputSerializer = s.ReturnOutputSerializer

    @extend_schema(request=None)
    def post(self, request: Request, pk: int) -> Response:
        from returns.services.support import return_platform_action_retry

        return_obj = self.get_object()
        self.require("return.platform_action_retry", return_obj.store_id)
        return_platform_action_retry(return_id=return_obj.pk, by=request.user.get_username())
        return self.output(self.get_object())


class RmaCancelApi(StoreScopedMixin, ApiView):
    """Cancel an RMA in the warehouse (or flag it for support where the WMS cannot)."""

    queryset = RMA_WITH_LINES
    view_action = "rma.view"
    InputSerializer = s.RmaCancelInputSerializer
    OutputSerializer = s.RmaOutputSerializer

    def post(self, request: Request, pk: int) -> Response:
        from returns.services.rmas.support import rma_cancel

        rma = self.get_object()
        self.require("rma.cancel", rma.store_id)
        rma_cancel(rma_id=rma.pk, reason=self.validated_input()["reason"], by=request.user.get_username())
        return self.output(self.get_object())


class DispositionRuleListApi(StoreRowListApi):
    """List disposition rules; add one to a store you belong to."""

    queryset = DispositionRule.objects.all()
    rows = "disposition_rule"
    InputSerializer = s.DispositionRuleCreateSerializer
    OutputSerializer = s.DispositionRuleOutputSerializer

    def create(self, *, store: Any, data: dict[str, Any]) -> DispositionRule:
        return provisioning.disposition_rule_create(store=store, data=data)


class DispositionRuleDetailApi(StoreRowDetailApi):
    """Read, change or delete one disposition rule."""

    queryset = DispositionRule.objects.all()
    rows = "disposition_rule"
    InputSerializer = s.DispositionRuleUpdateSerializer
    OutputSerializer = s.DispositionRuleOutputSerializer

    def update(self, row: DispositionRule, data: dict[str, Any]) -> DispositionRule:
        return provisioning.disposition_rule_update(rule=row, data=data)

    def remove(self, row: DispositionRule) -> None:
        provisioning.disposition_rule_delete(rule=row)


class StatusMappingListApi(StoreRowListApi):
    """List status mappings; add one to a store you belong to."""

    queryset = StatusMapping.objects.all()
    rows = "status_mapping"
    InputSerializer = s.StatusMappingCreateSerializer
    OutputSerializer = s.StatusMappingOutputSerializer

    def create(self, *, store: Any, data: dict[str, Any]) -> StatusMapping:
        return provisioning.status_mapping_create(store=store, data=data)


class StatusMappingDetailApi(StoreRowDetailApi):
    """Read, change or delete one status mapping."""

    queryset = StatusMapping.objects.all()
    rows = "status_mapping"
    InputSerializer = s.StatusMappingUpdateSerializer
    OutputSerializer = s.StatusMappingOutputSerializer

    def update(self, row: StatusMapping, data: dict[str, Any]) -> StatusMapping:
        return provisioning.status_mapping_update(mapping=row, data=data)

    def remove(self, row: StatusMapping) -> None:
        provisioning.status_mapping_delete(mapping=row)


class GradeMappingListApi(StoreRowListApi):
    """List grade mappings (a warehouse's grading word → the platform's condition category and disposition
    outcome); add one to a store you own."""

    queryset = GradeMapping.objects.all()
    rows = "grade_mapping"
    InputSerializer = s.GradeMappingCreateSerializer
    OutputSerializer = s.GradeMappingOutputSerializer

    def create(self, *, store: Any, data: dict[str, Any]) -> GradeMapping:
        return provisioning.grade_mapping_create(store=store, data=data)


class GradeMappingDetailApi(StoreRowDetailApi):
    """Read, change or delete one grade mapping."""

    queryset = GradeMapping.objects.all()
    rows = "grade_mapping"
    InputSerializer = s.GradeMappingUpdateSerializer
    OutputSerializer = s.GradeMappingOutputSerializer

    def update(self, row: GradeMapping, data: dict[str, Any]) -> GradeMapping:
        return provisioning.grade_mapping_update(mapping=row, data=data)

    def remove(self, row: GradeMapping) -> None:
        provisioning.grade_mapping_delete(mapping=row)


class OrphanReceiptListApi(StoreScopedMixin, ApiView):
    """List orphan receipts (parcels a warehouse received that match none of our RMAs); filter by store,
    warehouse connection and state (`open`: the inbox)."""

    queryset = OrphanReceipt.objects.all()
    view_action = "orphan_receipt.view"
    is_list_api = True
    OutputSerializer = s.OrphanReceiptOutputSerializer
    filterset_class = filters.OrphanReceiptFilter

    def get(self, request: Request) -> Response:
        """List orphan receipts; filter by store, warehouse connection and state."""
        return self.filtered_page()


class OrphanReceiptDetailApi(StoreScopedMixin, ApiView):
    """One orphan receipt: what arrived, what the matching found (its candidates) and what was decided."""

    queryset = OrphanReceipt.objects.all()
    view_action = "orphan_receipt.view"
    OutputSerializer = s.OrphanReceiptOutputSerializer

    def get(self, request: Request, pk: int) -> Response:
        return self.output(self.get_object())


class OrphanReceiptLinkApi(StoreScopedMixin, ApiView):
    """Link a receipt to a return of its store (to one of its RMAs at that warehouse): what the warehouse received is
    applied to it once, and the return's outcome follows. Linking again to the same return changes nothing."""

    queryset = OrphanReceipt.objects.all()
    view_action = "orphan_receipt.view"
    InputSerializer = s.OrphanReceiptLinkInputSerializer
    OutputSerializer = s.OrphanReceiptOutputSerializer

    def post(self, request: Request, pk: int) -> Response:
        from returns.services.orphans.link import orphan_receipt_link

        orphan = self.get_object()
        self.require("orphan_receipt.link", orphan.store_id)
        data = self.validated_input()
        orphan_receipt_link(
            orphan_id=orphan.pk, return_id=data["return_id"], rma_id=data.get("rma"), by=request.user.get_username()
        )
        return self.output(self.get_object())


class OrphanReceiptDismissApi(StoreScopedMixin, ApiView):
    """Dismiss a receipt that belongs to no return (a return to sender, a stray parcel), saying why."""

    queryset = OrphanReceipt.objects.all()
    view_action = "orphan_receipt.view"
    InputSerializer = s.OrphanReceiptDismissInputSerializer
    OutputSerializer = s.OrphanReceiptOutputSerializer

    def post(self, request: Request, pk: int) -> Response:
        from returns.services.orphans.link import orphan_receipt_dismiss

        orphan = self.get_object()
        self.require("orphan_receipt.dismiss", orphan.store_id)
        orphan_receipt_dismiss(
            orphan_id=orphan.pk, reason=self.validated_input()["reason"], by=request.user.get_username()
        )
        return self.output(self.get_object())


class RoutingRuleListApi(StoreRowListApi):
    """List routing rules (by store, in the order they run); add one to a store you own (last unless `position`
    says where). Refused, naming the rule: a location of another store or without a warehouse, a rule without a
    condition, a rule that can never match (after a catch-all, or with the conditions of one above it)."""

    queryset = RoutingRule.objects.select_related("location").order_by("store_id", "position", "id")
    rows = "routing_rule"
    InputSerializer = s.RoutingRuleCreateSerializer
    OutputSerializer = s.RoutingRuleOutputSerializer

    def create(self, *, store: Any, data: dict[str, Any]) -> RoutingRule:
        position = data.pop("position", None)
        return routing_provisioning.routing_rule_create(store=store, data=data, position=position)


class RoutingRuleDetailApi(StoreRowDetailApi):
    """Read, change (fields given, `position` to move it) or delete one routing rule."""

    queryset = RoutingRule.objects.select_related("location")
    rows = "routing_rule"
    InputSerializer = s.RoutingRuleUpdateSerializer
    OutputSerializer = s.RoutingRuleOutputSerializer

    def update(self, row: RoutingRule, data: dict[str, Any]) -> RoutingRule:
        position = data.pop("position", None)
        return routing_provisioning.routing_rule_update(rule=row, data=data, position=position)

    def remove(self, row: RoutingRule) -> None:
        routing_provisioning.routing_rule_delete(rule=row)


class RoutingDryRunApi(StoreScopedMixin, ApiView):
    """What routing rules would have done to the store's latest returns (default 200): the lines that would go
    to another warehouse and the RMAs per warehouse before and after. Computed from stored returns: nothing is
    created, changed or sent, and no warehouse system is asked. GET replays the saved rules; POST replays draft
    rules given in the body (checked as a save would check them, never saved)."""

    queryset = Store.objects.all()
    store_field = "pk"
    view_action = "routing_rule.dry_run"
    InputSerializer = s.RoutingDryRunInputSerializer
    OutputSerializer = s.RoutingDryRunOutputSerializer

    @extend_schema(parameters=[OpenApiParameter("limit", int, description="How many of the latest returns (1-1000).")])
    def get(self, request: Request, pk: int) -> Response:
        store = self.get_object()
        query = s.RoutingDryRunQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return self.output(routing_dry_run(store=store, limit=query.validated_data["limit"]))

    def post(self, request: Request, pk: int) -> Response:
        store = self.get_object()
        data = self.validated_input()
        rules = routing_provisioning.routing_rules_draft(store=store, drafts=data["rules"])
        return self.output(routing_dry_run(store=store, rules=rules, limit=data["limit"]))
