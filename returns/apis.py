"""REST API: returns (read, `?aging=` for the overdue; "retry the platform action"), RMAs (read; "retry" and
"cancel"), orphan receipts (read; "link", "dismiss"), disposition rules and status mappings. Members read, retry and
link a receipt; a cancel, a dismissal and the rules are the owners' (and staff's as their model permissions say):
integrations.access."""

from typing import Any

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from config.api import ApiView
from integrations.permissions import StoreRowDetailApi, StoreRowListApi, StoreScopedMixin
from returns import filters, provisioning
from returns import serializers as s
from returns.models import RMA, DispositionRule, OrphanReceipt, Return, StatusMapping

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
