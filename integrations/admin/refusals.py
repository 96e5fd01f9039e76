"""Floods: refused webhook requests past their rate limits, counted per hour instead of stored."""

from django.contrib import admin
from django.template.defaultfilters import filesizeformat

from integrations.admin.common import ReadOnlyMixin, UnboundedTableMixin, truncated
from integrations.models import RefusedWebhookCount


@admin.register(RefusedWebhookCount)
class RefusedWebhookCountAdmin(UnboundedTableMixin, ReadOnlyMixin, admin.ModelAdmin):
    """One row per hour, endpoint and source: how a flood is seen once its requests are no longer stored
    (each stored refusal is in Inbound webhooks). Written by integrations/services/refusals.py only."""

    list_display = (
        "window_start",
        "endpoint",
        "limited_by",
        "source_shown",
        "count",
        "body_size",
        "last_status",
        "short_reason",
        "updated_at",
    )
    list_filter = ("limited_by", ("window_start", admin.DateFieldListFilter))
    search_fields = ("=source", "=last_source", "=endpoint_key")
    search_help_text = "A source address (an IPv6 /64 as 2001:db8:1:2::/64), or connection:<id> / unknown."
    list_select_related = ("connection",)
    fields = (
        "window_start",
        "endpoint_key",
        "connection",
        "limited_by",
        "source",
        "count",
        "body_bytes",
        "created_at",
        "updated_at",
        "last_source",
        "last_status",
        "last_reason",
        "last_provider",
        "last_endpoint_token",
    )
    readonly_fields = fields

    @admin.display(description="Endpoint", ordering="endpoint_key")
    def endpoint(self, obj: RefusedWebhookCount) -> str:
        if obj.connection is not None:
            return str(obj.connection)
        return "unknown endpoints" if obj.endpoint_key == "unknown" else f"{obj.endpoint_key} (deleted)"

    @admin.display(description="Source", ordering="source")
    def source_shown(self, obj: RefusedWebhookCount) -> str:
        return obj.source or f"many (last {obj.last_source or 'unknown'})"

    @admin.display(description="Bodies", ordering="body_bytes")
    def body_size(self, obj: RefusedWebhookCount) -> str:
        return filesizeformat(obj.body_bytes)

    @admin.display(description="Last reason")
    def short_reason(self, obj: RefusedWebhookCount) -> str:
        return truncated(obj.last_reason, 60)
