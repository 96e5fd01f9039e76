"""Every webhook that reached Backhaul: read-only, undeletable evidence; replay goes through a service."""

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html

from config.logging import redact
from integrations.admin.common import (
    ProviderFilter,
    ReadOnlyMixin,
    UnboundedTableMixin,
    access_permission,
    ago,
    badge,
    confirm_action,
    pretty_json,
    pretty_text,
    run_for_each,
    truncated,
)
from integrations.models import InboundWebhook

Status = InboundWebhook.Status
STATUS_TONES: dict[str, str] = {
    Status.PROCESSED: "ok",
    Status.DUPLICATE: "muted",
    Status.IGNORED: "muted",
    Status.PENDING: "info",
    Status.PROCESSING: "info",
    Status.RECEIVED: "info",
    Status.REJECTED: "warning",
    Status.FAILED: "error",
}


class EventTypeFilter(admin.SimpleListFilter):
    """The event types Backhaul subscribes to, from the providers' declarations (no DISTINCT over the log)."""

    title = "event type"
    parameter_name = "event_type"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        from integrations.registry import declarations

        names = sorted({topic.name for d in declarations() for topic in d.webhooks.topics})
        return [(name, name) for name in names]

    def queryset(self, request: HttpRequest, queryset: QuerySet[InboundWebhook]) -> QuerySet[InboundWebhook]:
        return queryset.filter(event_type=self.value()) if self.value() else queryset


@admin.register(InboundWebhook)
class InboundWebhookAdmin(UnboundedTableMixin, ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("id", "status_badge", "short_error", "received", "provider", "event_type", "attempts", "store")
    list_display_links = ("id",)
    list_filter = ("status", ProviderFilter, "verification", EventTypeFilter, ("created_at", admin.DateFieldListFilter))
    # Exact or anchored only: a substring search over the error text of a million rows is a full scan.
    search_fields = ("=id", "=external_event_id", "=dedupe_key", "^error")
    search_help_text = "Webhook id, the provider's event id, the dedupe key, or the start of the error."
    list_select_related = ("store",)
    fields = (
        "provider",
        "store",
        "connection",
        "event_type",
        "external_event_id",
        "dedupe_key",
        "duplicate_of",
        "status",
        "attempts",
        "verification",
        "verification_reason",
        "remote_addr",
        "endpoint_token",
        "created_at",
        "published_at",
        "processed_at",
        "error",
        "traceback_pre",
        "headers_redacted",
        "body_pretty",
    )
    readonly_fields = fields
    actions = ("replay_selected",)

    @admin.display(description="Status", ordering="status")
    def status_badge(self, obj: InboundWebhook) -> str:
        return badge(obj.get_status_display(), STATUS_TONES.get(obj.status, "muted"))

    @admin.display(description="Error")
    def short_error(self, obj: InboundWebhook) -> str:
        return truncated(obj.error, 70) if obj.error else ""

    @admin.display(description="Received", ordering="created_at")
    def received(self, obj: InboundWebhook) -> str:
        return ago(obj.created_at)

    @admin.display(description="Headers (secrets redacted)")
    def headers_redacted(self, obj: InboundWebhook) -> str:
        return pretty_json(redact(obj.headers or {}))

    @admin.display(description="Body")
    def body_pretty(self, obj: InboundWebhook) -> str:
        return pretty_text(bytes(obj.body), true_length=obj.body_length)

    @admin.display(description="Traceback")
    def traceback_pre(self, obj: InboundWebhook) -> str:
        return pretty_text(obj.traceback) if obj.traceback else "—"

    has_replay_permission = access_permission("webhook.replay")

    @admin.action(description="Replay selected webhooks", permissions=["replay"])
    def replay_selected(self, request: HttpRequest, queryset: QuerySet[InboundWebhook]) -> TemplateResponse | None:
        confirm = confirm_action(
            self,
            request,
            queryset,
            action="replay_selected",
            title="Replay webhooks",
            question="Queue these webhooks to be processed again? Each replay is noted on its return's timeline; "
            "a webhook already waiting in the queue is not queued twice, and unverified ones are refused.",
        )
        if confirm is not None:
            return confirm
        from integrations.services.webhooks import webhook_replay

        run_for_each(self, request, queryset, lambda w: webhook_replay(webhook_id=w.pk), done="Replayed")
        return None


def webhook_link(webhook_id: int | None) -> str:
    """A link to a stored webhook's page (the evidence of a timeline entry)."""
    if webhook_id is None:
        return ""
    url = reverse("admin:integrations_inboundwebhook_change", args=[webhook_id])
    return format_html('<a href="{}">webhook #{}</a>', url, webhook_id)
