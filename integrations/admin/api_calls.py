"""Every call Backhaul made to a provider, request and answer: read-only, undeletable evidence."""

from typing import Any

from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from config.logging import redact
from integrations.admin.common import (
    ProviderFilter,
    ReadOnlyMixin,
    UnboundedTableMixin,
    ago,
    badge,
    pretty_json,
    pretty_text,
    truncated,
)
from integrations.models import ApiCall


class AnswerFilter(admin.SimpleListFilter):
    """Answer classes instead of a DISTINCT over status codes and error classes."""

    title = "answer"
    parameter_name = "answer"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [
            ("2xx", "2xx succeeded"),
            ("4xx", "4xx refused"),
            ("5xx", "5xx provider error"),
            ("none", "No answer (timeout, connection error)"),
            ("error", "Any error"),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[ApiCall]) -> QuerySet[ApiCall]:
        value = self.value()
        ranges = {"2xx": (200, 300), "4xx": (400, 500), "5xx": (500, 600)}
        if value in ranges:
            low, high = ranges[value]
            return queryset.filter(status_code__gte=low, status_code__lt=high)
        if value == "none":
            return queryset.filter(status_code__isnull=True)
        if value == "error":
            return queryset.filter(Q(status_code__gte=400) | Q(status_code__isnull=True) | ~Q(error_class=""))
        return queryset


class MethodFilter(admin.SimpleListFilter):
    title = "method"
    parameter_name = "method"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(m, m) for m in ("GET", "POST", "PUT", "PATCH", "DELETE")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[ApiCall]) -> QuerySet[ApiCall]:
        return queryset.filter(method=self.value()) if self.value() else queryset


@admin.register(ApiCall)
class ApiCallAdmin(UnboundedTableMixin, ReadOnlyMixin, admin.ModelAdmin):
    # What fits beside the navigation sidebar at 1366 px: the request line and provider are on the call's page
    # (the connection names the provider, and it is a filter).
    list_display = ("id", "answer", "short_error", "when", "operation", "duration_ms", "connection", "rma")
    list_display_links = ("id",)
    list_filter = (AnswerFilter, ProviderFilter, MethodFilter, ("created_at", admin.DateFieldListFilter))
    search_fields = ("=id", "=idempotency_key", "^operation", "=rma__number", "=return_obj__external_id")
    search_help_text = "Call id, idempotency key, operation (its start), RMA number or the platform's return id."
    list_select_related = ("connection__store", "rma", "return_obj")
    fields = (
        "created_at",
        "provider",
        "connection",
        "operation",
        "method",
        "url",
        "status_code",
        "duration_ms",
        "error_class",
        "error_message",
        "idempotency_key",
        "rma",
        "return_obj",
        "request_headers_redacted",
        "request_body_pretty",
        "response_body_pretty",
    )
    readonly_fields = fields

    @admin.display(description="Answer", ordering="status_code")
    def answer(self, obj: ApiCall) -> str:
        if obj.succeeded:
            return badge(str(obj.status_code), "ok")
        if obj.status_code is None:
            return badge(obj.error_class or "no answer", "error")
        return badge(str(obj.status_code), "error" if obj.status_code >= 500 else "warning")

    @admin.display(description="Error")
    def short_error(self, obj: ApiCall) -> str:
        # The message says what went wrong; its class (on the call's page) would take the narrow column.
        return truncated(obj.error_message or obj.error_class, 48) if (obj.error_message or obj.error_class) else ""

    @admin.display(description="When", ordering="created_at")
    def when(self, obj: ApiCall) -> str:
        return ago(obj.created_at)

    @admin.display(description="Request")
    def request_line(self, obj: ApiCall) -> str:
        return truncated(f"{obj.method} {obj.url}", 50)

    @admin.display(description="Request headers (secrets redacted)")
    def request_headers_redacted(self, obj: ApiCall) -> str:
        # Stored already redacted; redacting again on display costs nothing and guards old rows.
        return pretty_json(redact(obj.request_headers or {}))

    @admin.display(description="Request body")
    def request_body_pretty(self, obj: ApiCall) -> str:
        return pretty_text(obj.request_body)

    @admin.display(description="Response body")
    def response_body_pretty(self, obj: ApiCall) -> str:
        return pretty_text(obj.response_body)


def api_call_link(api_call_id: int | None) -> str:
    """A link to a logged API call's page (request and answer: the evidence of a timeline entry)."""
    if api_call_id is None:
        return ""
    url = reverse("admin:integrations_apicall_change", args=[api_call_id])
    return format_html('<a href="{}">API call #{}</a>', url, api_call_id)
