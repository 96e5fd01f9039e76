"""The operations console for stores, connections and the raw logs of every webhook and API call.

Thin on purpose: actions call services (imported inside each action so the admin loads even while
a service is being written), secrets are write-only, logs are read-only.
"""

import json
from collections.abc import Callable, Iterable
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.cache import add_never_cache_headers
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from config.exceptions import ApplicationError
from config.logging import redact
from integrations.display import body_for_display
from integrations.exceptions import ProviderError
from integrations.forms import SECRET_FIELDS, ConnectionAdminForm
from integrations.models import ApiCall, Connection, InboundWebhook, Notification, Store, StoreMembership
from warehouses.models import ShippingLocation

# Failures a service reports on purpose; anything else is a bug and should reach Sentry as a 500.
EXPECTED_ERRORS = (ApplicationError, ValidationError, ProviderError)


class ReadOnlyMixin:
    """Logs are evidence: nobody adds or edits them; only a superuser may delete."""

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return bool(request.user.is_superuser)


def confirm_action(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet, *, action: str, title: str, question: str
) -> TemplateResponse | None:
    """A confirmation page for a bulk or destructive action; None once the user said yes."""
    if request.POST.get("post") == "yes":
        return None
    request.current_app = modeladmin.admin_site.name
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "question": question,
        "objects": queryset,
        "action": action,
        "opts": modeladmin.model._meta,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "admin/confirm_action.html", context)


def action_done_page(modeladmin: admin.ModelAdmin, request: HttpRequest, *, title: str) -> TemplateResponse:
    """Show the action's messages in this response rather than after a redirect.

    Used when a message holds a freshly generated secret: rendered here, it is never written to
    the message cookie or session, and the page is marked uncacheable.
    """
    request.current_app = modeladmin.admin_site.name
    context = {**modeladmin.admin_site.each_context(request), "title": title, "done": True}
    context["opts"] = modeladmin.model._meta
    response = TemplateResponse(request, "admin/confirm_action.html", context)
    add_never_cache_headers(response)
    return response


def error_text(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(exc.messages)
    return getattr(exc, "message", "") or str(exc) or exc.__class__.__name__


def run_for_each(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    objects: Iterable[Model],
    call: Callable[[Any], object],
    *,
    done: str,
) -> None:
    """Call a service per object; report each expected failure, then one summary line."""
    succeeded = 0
    for obj in objects:
        try:
            call(obj)
        except EXPECTED_ERRORS as exc:
            modeladmin.message_user(request, f"{obj}: {error_text(exc)}", messages.ERROR)
            continue
        succeeded += 1
    if succeeded:
        modeladmin.message_user(request, f"{done}: {succeeded}.", messages.SUCCESS)


def pretty_json(value: Any) -> str:
    return format_html("<pre style='white-space: pre-wrap'>{}</pre>", json.dumps(value, indent=2, sort_keys=True))


def pretty_text(text: str | bytes, *, true_length: int | None = None) -> str:
    """Pretty-print JSON text; anything else is shown as it is (within integrations.display's limits)."""
    if not text:
        return "—"
    # overflow-wrap: a body of one 100,000-character word (`[[[[...`) wraps instead of widening the page.
    return format_html(
        "<pre style='white-space: pre-wrap; overflow-wrap: anywhere'>{}</pre>",
        body_for_display(text, true_length=true_length),
    )


def connection_webhook_url(connection: Connection) -> str:
    return f"{settings.PUBLIC_BASE_URL.rstrip('/')}{connection.webhook_path}"


# --- Stores -------------------------------------------------------------------------------------


class StoreMembershipInline(admin.TabularInline):
    model = StoreMembership
    extra = 0
    autocomplete_fields = ("user",)


class ConnectionInline(admin.TabularInline):
    """A summary only: credentials are edited on the connection's own page."""

    model = Connection
    extra = 0
    fields = ("role", "provider", "wms_name", "name", "status")
    show_change_link = True


class ShippingLocationInline(admin.TabularInline):
    model = ShippingLocation
    extra = 0
    fields = ("name", "warehouse_connection", "trackstar_warehouse_id", "wms_warehouse_code", "is_default")
    raw_id_fields = ("warehouse_connection",)
    show_change_link = True


@admin.register(Store)
class StoreAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "processing_mode", "rma_trigger", "is_active", "is_sandbox", "created_at")
    list_filter = ("processing_mode", "rma_trigger", "is_active", "is_sandbox")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    inlines = (StoreMembershipInline, ConnectionInline, ShippingLocationInline)
    actions = ("create_invite_link",)

    @admin.action(description="Create a setup invite link for the merchant")
    def create_invite_link(self, request: HttpRequest, queryset: QuerySet[Store]) -> None:
        from integrations.services.invites import INVITE_MAX_AGE, invite_create

        days = INVITE_MAX_AGE.days
        for store in queryset:
            url = invite_create(store=store, created_by=request.user)
            self.message_user(request, f"{store}: {url} (valid for {days} days)", messages.SUCCESS)


@admin.register(StoreMembership)
class StoreMembershipAdmin(admin.ModelAdmin):
    list_display = ("store", "user", "role", "created_at")
    list_filter = ("role", "store")
    search_fields = ("store__name", "user__username", "user__email")
    list_select_related = ("store", "user")
    autocomplete_fields = ("store", "user")


# --- Connections --------------------------------------------------------------------------------


class ConnectionForm(ConnectionAdminForm):
    clear_secrets = forms.MultipleChoiceField(
        choices=[(name, name.replace("_", " ").capitalize()) for name in SECRET_FIELDS],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Tick to erase a stored value (for example a leaked previous secret).",
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        for name in cleaned.get("clear_secrets") or []:
            if self.data.get(self.add_prefix(name)):
                self.add_error(name, "Either type a new value or tick it for clearing, not both.")
            elif cleaned.get(name):
                cleaned[name] = ""
                self.changed_secrets.append(name)
        return cleaned


@admin.register(Connection)
class ConnectionAdmin(SimpleHistoryAdmin):
    form = ConnectionForm
    list_display = (
        "__str__",
        "role",
        "provider",
        "wms_name",
        "status",
        "breaker_open",
        "consecutive_failures",
        "last_webhook_at",
        "last_success_at",
    )
    list_filter = ("role", "provider", "status", "store__is_sandbox")
    search_fields = ("name", "store__name", "store__slug", "wms_name", "external_account_id", "=endpoint_token")
    list_select_related = ("store",)
    autocomplete_fields = ("store",)
    readonly_fields = (
        "webhook_url",
        "credentials_updated_at",
        "consecutive_failures",
        "breaker_opened_at",
        "last_webhook_at",
        "last_success_at",
        "last_error",
        "health_message",
        "sync_cursor",
        "sync_error",
        "sync_failed_at",
        "created_at",
        "updated_at",
    )
    fieldsets = (
        (None, {"fields": ("store", "role", "provider", "wms_name", "name", "status", "base_url", "options")}),
        (
            "Credentials (write-only)",
            {
                "fields": (
                    "api_key",
                    "access_token",
                    "api_username",
                    "api_password",
                    "external_account_id",
                    "credentials_updated_at",
                )
            },
        ),
        (
            "Inbound webhooks",
            {
                "fields": (
                    "webhook_url",
                    "webhook_secret",
                    "previous_webhook_secret",
                    "previous_webhook_secret_expires_at",
                    "webhook_username",
                    "webhook_password",
                    "previous_webhook_password",
                    "clear_secrets",
                )
            },
        ),
        (
            "Health",
            {
                "fields": (
                    "consecutive_failures",
                    "breaker_opened_at",
                    "last_webhook_at",
                    "last_success_at",
                    "last_error",
                    "health_message",
                    "sync_cursor",
                    "sync_error",
                    "sync_failed_at",
                    "created_at",
                    "updated_at",
                )
            },
        ),
    )
    actions = (
        "test_connection",
        "pause",
        "resume",
        "reset_circuit_breaker",
        "rotate_webhook_secret",
        "rotate_endpoint_url",
        "register_webhooks",
    )

    @admin.display(description="Webhook URL")
    def webhook_url(self, obj: Connection) -> str:
        if obj.pk is None:
            return "Shown once the connection is saved."
        return connection_webhook_url(obj)

    @admin.display(boolean=True, description="Breaker open", ordering="breaker_opened_at")
    def breaker_open(self, obj: Connection) -> bool:
        return obj.breaker_opened_at is not None

    @admin.action(description="Test connection", permissions=["change"])
    def test_connection(self, request: HttpRequest, queryset: QuerySet[Connection]) -> None:
        from integrations.services.connections import connection_test

        for connection in queryset:
            try:
                result = connection_test(connection=connection)
            except EXPECTED_ERRORS as exc:
                self.message_user(request, f"{connection}: {error_text(exc)}", messages.ERROR)
                continue
            level = messages.SUCCESS if result.ok else messages.ERROR
            self.message_user(request, f"{connection}: {result.message}", level)

    @admin.action(description="Register webhooks", permissions=["change"])
    def register_webhooks(self, request: HttpRequest, queryset: QuerySet[Connection]) -> None:
        from integrations.services.registration import webhooks_register

        for connection in queryset:
            try:
                result = webhooks_register(connection_id=connection.pk)
            except EXPECTED_ERRORS as exc:
                self.message_user(request, f"{connection}: {error_text(exc)}", messages.ERROR)
                continue
            self.message_user(request, f"{connection}: {result.summary}", messages.SUCCESS)

    @admin.action(description="Pause", permissions=["change"])
    def pause(self, request: HttpRequest, queryset: QuerySet[Connection]) -> None:
        from integrations.services.connections import connection_pause

        run_for_each(self, request, queryset, lambda c: connection_pause(connection=c), done="Paused")

    @admin.action(description="Resume", permissions=["change"])
    def resume(self, request: HttpRequest, queryset: QuerySet[Connection]) -> None:
        from integrations.services.connections import connection_resume

        run_for_each(self, request, queryset, lambda c: connection_resume(connection=c), done="Resumed")

    @admin.action(description="Reset circuit breaker", permissions=["change"])
    def reset_circuit_breaker(self, request: HttpRequest, queryset: QuerySet[Connection]) -> None:
        from integrations.services.connections import connection_reset_breaker

        run_for_each(
            self,
            request,
            queryset,
            lambda c: connection_reset_breaker(connection=c),
            done="Circuit breaker reset",
        )

    @admin.action(description="Rotate webhook secret", permissions=["change"])
    def rotate_webhook_secret(self, request: HttpRequest, queryset: QuerySet[Connection]) -> TemplateResponse | None:
        confirm = confirm_action(
            self,
            request,
            queryset,
            action="rotate_webhook_secret",
            title="Rotate webhook secrets",
            question=(
                "Generate a new webhook secret for each connection below? The previous secret keeps "
                f"verifying for {settings.WEBHOOK_SECRET_ROTATION_WINDOW_HOURS} hours; paste the new one "
                "into the provider's settings before then. The new secret is shown once, on the next page."
            ),
        )
        if confirm is not None:
            return confirm
        from integrations.services.rotation import connection_rotate_webhook_secret

        def rotate(connection: Connection) -> None:
            secret = connection_rotate_webhook_secret(connection=connection)
            # The one place a secret is displayed: right after generation, for support to paste.
            message = f"{connection}: new webhook secret {secret} (shown only this once; copy it now)"
            self.message_user(request, message, messages.SUCCESS)

        run_for_each(self, request, queryset, rotate, done="Webhook secrets rotated")
        return action_done_page(self, request, title="Webhook secrets rotated")

    @admin.action(description="Rotate endpoint URL", permissions=["change"])
    def rotate_endpoint_url(self, request: HttpRequest, queryset: QuerySet[Connection]) -> TemplateResponse | None:
        confirm = confirm_action(
            self,
            request,
            queryset,
            action="rotate_endpoint_url",
            title="Rotate webhook endpoint URLs",
            question=(
                "Give each connection below a new webhook URL? The old URL stops working at once, so "
                "update the provider's webhook settings straight after."
            ),
        )
        if confirm is not None:
            return confirm
        from integrations.services.rotation import connection_rotate_endpoint_token

        def rotate(connection: Connection) -> None:
            connection_rotate_endpoint_token(connection=connection)
            connection.refresh_from_db(fields=["endpoint_token"])
            self.message_user(
                request, f"{connection}: new webhook URL {connection_webhook_url(connection)}", messages.SUCCESS
            )

        run_for_each(self, request, queryset, rotate, done="Endpoint URLs rotated")
        return None


# --- Logs ---------------------------------------------------------------------------------------


@admin.register(InboundWebhook)
class InboundWebhookAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = (
        "id",
        "created_at",
        "provider",
        "store",
        "event_type",
        "verification",
        "status",
        "attempts",
        "short_error",
    )
    list_filter = ("provider", "store", "verification", "status", "event_type")
    search_fields = ("=id", "external_event_id", "dedupe_key", "event_type", "error", "store__name")
    list_select_related = ("store",)
    date_hierarchy = "created_at"
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

    @admin.display(description="Error")
    def short_error(self, obj: InboundWebhook) -> str:
        return obj.error[:80]

    @admin.display(description="Headers (secrets redacted)")
    def headers_redacted(self, obj: InboundWebhook) -> str:
        return pretty_json(redact(obj.headers or {}))

    @admin.display(description="Body")
    def body_pretty(self, obj: InboundWebhook) -> str:
        return pretty_text(bytes(obj.body), true_length=obj.body_length)

    @admin.display(description="Traceback")
    def traceback_pre(self, obj: InboundWebhook) -> str:
        return pretty_text(obj.traceback) if obj.traceback else "—"

    def has_replay_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("integrations.change_inboundwebhook")

    @admin.action(description="Replay selected webhooks", permissions=["replay"])
    def replay_selected(self, request: HttpRequest, queryset: QuerySet[InboundWebhook]) -> None:
        from integrations.services.webhooks import webhook_replay

        run_for_each(self, request, queryset, lambda w: webhook_replay(webhook_id=w.pk), done="Replayed")


@admin.register(ApiCall)
class ApiCallAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = (
        "created_at",
        "provider",
        "connection",
        "operation",
        "method",
        "short_url",
        "status_code",
        "duration_ms",
        "error_class",
        "rma",
    )
    list_filter = ("provider", "method", "status_code", "error_class", "operation")
    search_fields = ("url", "operation", "idempotency_key", "error_message", "rma__number", "return_obj__external_id")
    list_select_related = ("connection__store", "rma", "return_obj")
    date_hierarchy = "created_at"
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

    @admin.display(description="URL")
    def short_url(self, obj: ApiCall) -> str:
        return obj.url if len(obj.url) <= 80 else f"{obj.url[:77]}…"

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


@admin.register(Notification)
class NotificationAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """What store members were (or will be) emailed about; sent in hourly digests per store and kind."""

    list_display = ("created_at", "store", "kind", "message", "sent_at")
    list_filter = ("kind", ("sent_at", admin.EmptyFieldListFilter))
    search_fields = ("message", "store__name")
    list_select_related = ("store",)
    fields = ("store", "kind", "message", "link", "sent_at", "created_at")
    readonly_fields = fields


admin.site.site_header = "Backhaul operations"
admin.site.site_title = "Backhaul"
admin.site.index_title = "Operations console"
