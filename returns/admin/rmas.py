"""RMAs and their lines in the operations console: status and attempts shown, never edited; retry, cancel and
corrections are actions that record who and why."""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html

from integrations.admin.common import (
    ReadOnlyMixin,
    UnboundedTableMixin,
    access_permission,
    ago,
    badge,
    confirm_action,
    run_for_each,
    truncated,
)
from integrations.registry import get_declaration
from returns.admin.common import (
    RMA_TONES,
    ApiCallInline,
    RmaAttentionFilter,
    RMALineInline,
)
from returns.models import (
    RMA,
    RMALine,
    RmaNumberSequence,
)
from returns.routing_words import routing_sentence


@admin.register(RMA)
class RMAAdmin(UnboundedTableMixin, admin.ModelAdmin):
    # The warehouse connection names its store; the store is a filter.
    list_display = ("number", "status_badge", "short_last_error", "return_link", "warehouse_connection", "age")
    list_filter = ("status", RmaAttentionFilter, "warehouse_connection__provider", "is_test", "store")
    search_fields = ("=number", "=order_name", "=external_id", "=idempotency_key", "=return_obj__external_id")
    search_help_text = "RMA number, order name, the warehouse's id or the platform's return id (exact)."
    list_select_related = ("store", "warehouse_connection__store", "return_obj")
    fields = (
        "number",
        "status",
        "return_link",
        "store",
        "order_name",
        "warehouse_connection",
        "location",
        "routing_reason",
        "why_there",
        "external_id",
        "external_url",
        "attempts",
        "next_attempt_at",
        "last_error",
        "warehouse_status",
        "outcome",
        "submitted_at",
        "received_at",
        "idempotency_key",
        "is_test",
        "created_at",
        "updated_at",
        "api_calls_link",
    )
    readonly_fields = fields
    inlines = (RMALineInline, ApiCallInline)
    actions = ("retry_push", "cancel_rma")

    has_retry_permission = access_permission("rma.retry")
    has_cancel_permission = access_permission("rma.cancel")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # RMAs are planned by services (the case page's "Re-plan RMAs")

    def has_delete_permission(self, request: HttpRequest, obj: RMA | None = None) -> bool:
        return False  # cancel it instead: the warehouse may have it

    @admin.display(description="Why there")
    def why_there(self, obj: RMA) -> str:
        """The routing reason in the merchant's words, naming the rule that sent it (returns/routing_words.py)."""
        platform = get_declaration(obj.return_obj.platform).display_name
        return routing_sentence(reason=obj.routing_reason, routing=obj.routing, platform=platform) or "—"

    @admin.display(description="Status", ordering="status")
    def status_badge(self, obj: RMA) -> str:
        return badge(obj.get_status_display(), RMA_TONES.get(obj.status, "muted"))

    @admin.display(description="Return")
    def return_link(self, obj: RMA) -> str:
        url = reverse("admin:returns_return_change", args=[obj.return_obj_id])
        return format_html('<a href="{}">{}</a>', url, obj.return_obj.external_id or obj.return_obj_id)

    @admin.display(description="Age", ordering="created_at")
    def age(self, obj: RMA) -> str:
        return ago(obj.created_at)

    @admin.display(description="Last error")
    def short_last_error(self, obj: RMA) -> str:
        return truncated(obj.last_error, 60) if obj.last_error else ""

    @admin.display(description="All API calls")
    def api_calls_link(self, obj: RMA) -> str:
        url = reverse("admin:integrations_apicall_changelist") + f"?rma__id__exact={obj.pk}"
        return format_html('<a href="{}">API calls of RMA {} →</a>', url, obj.number)

    @admin.action(description="Retry push", permissions=["retry"])
    def retry_push(self, request: HttpRequest, queryset: QuerySet[RMA]) -> TemplateResponse | None:
        confirm = confirm_action(
            self,
            request,
            queryset,
            action="retry_push",
            title="Retry pushes",
            question="Push these RMAs to their warehouses again with a fresh attempt budget? Workers make the "
            "calls; the result is on each return's timeline.",
        )
        if confirm is not None:
            return confirm
        from returns.services.rmas.support import rma_retry

        by = request.user.get_username()
        run_for_each(
            self, request, queryset, lambda rma: rma_retry(rma_id=rma.pk, by=by), done="Queued for another push"
        )
        return None

    @admin.action(description="Cancel RMA", permissions=["cancel"])
    def cancel_rma(self, request: HttpRequest, queryset: QuerySet[RMA]) -> TemplateResponse | None:
        confirm = confirm_action(
            self,
            request,
            queryset,
            action="cancel_rma",
            title="Cancel RMAs",
            question="Cancel these RMAs, in the warehouse system too where it supports cancelling?",
        )
        if confirm is not None:
            return confirm
        from returns.services.rmas.support import rma_cancel

        by = request.user.get_username()
        run_for_each(
            self,
            request,
            queryset,
            lambda rma: rma_cancel(rma_id=rma.pk, reason="Cancelled by support", by=by),
            done="Cancelled",
        )
        return None


@admin.register(RMALine)
class RMALineAdmin(UnboundedTableMixin, ReadOnlyMixin, admin.ModelAdmin):
    """Planned by services from the return's lines; received quantities come from the warehouse."""

    list_display = ("sku", "quantity", "received_quantity", "restocked_quantity", "rma")
    list_filter = ("processing_instruction",)
    search_fields = ("=sku", "=platform_sku", "=rma__number")
    list_select_related = ("rma",)


@admin.register(RmaNumberSequence)
class RmaNumberSequenceAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("order_key", "store", "allocated", "updated_at")
    list_filter = ("store",)
    search_fields = ("=order_key", "store__name")
    list_select_related = ("store",)
