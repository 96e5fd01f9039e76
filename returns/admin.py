"""Returns, RMAs, their timeline and the per-store rules in the operations console."""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.timesince import timesince

from integrations.admin import ReadOnlyMixin, confirm_action, run_for_each
from integrations.models import ApiCall
from returns.models import (
    RMA,
    DispositionRule,
    Return,
    ReturnLine,
    ReturnShipment,
    RMALine,
    RmaNumberSequence,
    StatusMapping,
    TimelineEvent,
)


class ReadOnlyInline(admin.TabularInline):
    """Rows written only by services (RMAs, the append-only timeline, the API-call log)."""

    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class ReturnLineInline(admin.TabularInline):
    model = ReturnLine
    extra = 0
    fields = ("line_key", "sku", "quantity", "reason", "reason_code", "outcome", "processing_instruction")


class ReturnShipmentInline(admin.TabularInline):
    model = ReturnShipment
    extra = 0
    fields = ("shipment_key", "carrier", "service", "tracking_number", "status", "cancelled")


class RMAInline(ReadOnlyInline):
    model = RMA
    fields = ("number", "status", "warehouse_connection", "location", "external_id", "attempts", "last_error")


class TimelineEventInline(ReadOnlyInline):
    model = TimelineEvent
    fk_name = "return_obj"
    fields = ("created_at", "level", "kind", "message", "rma")
    readonly_fields = ("created_at",)
    show_change_link = False


@admin.register(Return)
class ReturnAdmin(admin.ModelAdmin):
    list_display = ("external_id", "platform", "store", "order_name", "state", "outcome", "is_test", "created_at")
    list_filter = ("platform", "state", "is_test", "store")
    search_fields = (
        "external_id",
        "order_name",
        "order_number",
        "platform_order_id",
        "customer_email",
        "customer_name",
    )
    list_select_related = ("store",)
    autocomplete_fields = ("store", "connection")
    date_hierarchy = "created_at"
    inlines = (ReturnLineInline, ReturnShipmentInline, RMAInline, TimelineEventInline)


@admin.register(ReturnLine)
class ReturnLineAdmin(admin.ModelAdmin):
    list_display = ("sku", "quantity", "return_obj", "reason", "outcome", "processing_instruction")
    list_filter = ("processing_instruction", "outcome")
    search_fields = ("sku", "title", "reason", "return_obj__external_id", "return_obj__order_name")
    list_select_related = ("return_obj",)
    raw_id_fields = ("return_obj",)


@admin.register(ReturnShipment)
class ReturnShipmentAdmin(admin.ModelAdmin):
    list_display = ("shipment_key", "carrier", "tracking_number", "status", "cancelled", "return_obj")
    list_filter = ("carrier", "status", "cancelled")
    search_fields = ("shipment_key", "tracking_number", "return_obj__external_id", "return_obj__order_name")
    list_select_related = ("return_obj",)
    raw_id_fields = ("return_obj",)


class RMALineInline(admin.TabularInline):
    model = RMALine
    extra = 0
    fields = ("sku", "platform_sku", "quantity", "reason", "processing_instruction", "received_quantity")
    readonly_fields = ("received_quantity",)
    raw_id_fields = ("return_line",)


class ApiCallInline(ReadOnlyInline):
    model = ApiCall
    fk_name = "rma"
    fields = ("created_at", "operation", "method", "status_code", "duration_ms", "error_class")
    readonly_fields = ("created_at",)


@admin.register(RMA)
class RMAAdmin(admin.ModelAdmin):
    list_display = ("number", "status", "store", "warehouse_connection", "age", "short_last_error")
    list_filter = ("status", "warehouse_connection__provider", "is_test", "store")
    search_fields = ("number", "order_name", "external_id", "idempotency_key", "return_obj__external_id")
    list_select_related = ("store", "warehouse_connection__store")
    autocomplete_fields = ("store", "warehouse_connection", "location")
    raw_id_fields = ("return_obj", "shipment")
    readonly_fields = ("idempotency_key", "attempts", "submitted_at", "received_at", "created_at", "updated_at")
    inlines = (RMALineInline, ApiCallInline)
    actions = ("retry_push", "cancel_rma")

    @admin.display(description="Age", ordering="created_at")
    def age(self, obj: RMA) -> str:
        return timesince(obj.created_at)

    @admin.display(description="Last error")
    def short_last_error(self, obj: RMA) -> str:
        return obj.last_error[:100]

    @admin.action(description="Retry push", permissions=["change"])
    def retry_push(self, request: HttpRequest, queryset: QuerySet[RMA]) -> None:
        from returns.services.rmas.support import rma_retry

        run_for_each(self, request, queryset, lambda rma: rma_retry(rma_id=rma.pk), done="Queued for another push")

    @admin.action(description="Cancel RMA", permissions=["change"])
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

        run_for_each(
            self,
            request,
            queryset,
            lambda rma: rma_cancel(rma_id=rma.pk, reason="Cancelled by support"),
            done="Cancelled",
        )
        return None


@admin.register(RMALine)
class RMALineAdmin(admin.ModelAdmin):
    list_display = ("sku", "quantity", "received_quantity", "restocked_quantity", "rma")
    list_filter = ("processing_instruction",)
    search_fields = ("sku", "platform_sku", "rma__number")
    list_select_related = ("rma",)
    raw_id_fields = ("rma", "return_line")


@admin.register(RmaNumberSequence)
class RmaNumberSequenceAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("order_key", "store", "allocated", "updated_at")
    list_filter = ("store",)
    search_fields = ("order_key", "store__name")
    list_select_related = ("store",)


@admin.register(TimelineEvent)
class TimelineEventAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Append-only by design: services write it, nobody edits it."""

    list_display = ("created_at", "level", "kind", "message", "return_obj", "rma")
    list_filter = ("level", "kind")
    search_fields = ("message", "kind", "return_obj__external_id", "return_obj__order_name", "rma__number")
    list_select_related = ("return_obj", "rma")
    date_hierarchy = "created_at"


@admin.register(DispositionRule)
class DispositionRuleAdmin(admin.ModelAdmin):
    list_display = (
        "store",
        "priority",
        "match_reason",
        "match_reason_code",
        "match_outcome",
        "match_sku",
        "instruction",
    )
    list_filter = ("instruction", "store")
    search_fields = ("store__name", "match_reason", "match_reason_code", "match_sku", "note")
    list_select_related = ("store",)
    autocomplete_fields = ("store",)


@admin.register(StatusMapping)
class StatusMappingAdmin(admin.ModelAdmin):
    list_display = ("store", "outcome", "action", "note_template")
    list_filter = ("outcome", "action", "store")
    search_fields = ("store__name", "note_template")
    list_select_related = ("store",)
    autocomplete_fields = ("store",)
