"""A connection's page: only its provider's fields (from the declaration), health in words, recent calls.

State the services own (status, circuit breaker, failure count, health, sync cursor, rotation
expiries) is shown, never edited: pause, resume, reset breaker, rotate and test are actions.
"""

from datetime import datetime
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.timesince import timesince
from simple_history.admin import SimpleHistoryAdmin

from integrations.admin.common import (
    EXPECTED_ERRORS,
    ProviderFilter,
    access_permission,
    action_done_page,
    ago,
    badge,
    confirm_action,
    error_text,
    run_for_each,
    truncated,
)
from integrations.forms import SECRET_FIELDS, ConnectionAdminForm
from integrations.models import ApiCall, Connection
from integrations.registry import get_declaration
from integrations.services import registration

# Shown on every connection whatever its provider; the provider's own fields come from its declaration.
GENERAL_FIELDS = ("store", "role", "provider", "name", "base_url", "options")
# The previous value of a rotated secret, and when it stops verifying (written by rotation only).
PREVIOUS = {
    "webhook_secret": ("previous_webhook_secret", "previous_webhook_secret_expires_at"),
    "webhook_password": ("previous_webhook_password", "previous_webhook_password_expires_at"),
}
RECENT_CALLS = 10
HEALTH_FIELDS = (
    "health",
    "status",
    "last_success",
    "last_webhook_at",
    "consecutive_failures",
    "breaker_opened_at",
    "last_error",
    "health_message",
    "sync_cursor",
    "sync_error",
    "sync_failed_at",
)
SERVICE_OWNED = (
    "status",
    "consecutive_failures",
    "breaker_opened_at",
    "last_webhook_at",
    "last_error",
    "health_message",
    "sync_cursor",
    "sync_error",
    "sync_failed_at",
    "previous_webhook_secret_expires_at",
    "previous_webhook_password_expires_at",
    "credentials_updated_at",
    "created_at",
    "updated_at",
)


def provider_fields(connection: Connection) -> tuple[list[str], list[str]]:
    """(credential fields, webhook fields) the connection's provider declares, as Connection field names."""
    declaration = get_declaration(connection.provider)
    credentials = [f.name for f in declaration.credential_fields if f.name not in GENERAL_FIELDS]
    webhook: list[str] = []
    for field in declaration.webhooks.auth_fields:
        webhook.append(field.name)
        if field.name in PREVIOUS:
            webhook.append(PREVIOUS[field.name][0])
    return credentials, webhook


def last_success(connection: Connection) -> datetime | None:
    """The later of the recorded success and the connection's last successful API call."""
    last_ok = (
        ApiCall.objects.filter(connection=connection, status_code__gte=200, status_code__lt=300, error_class="")
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    return max((t for t in (connection.last_success_at, last_ok) if t), default=None)


def health_words(connection: Connection) -> tuple[str, str]:
    """(words, tone) for a connection's health: what a person needs to know, not a ✗."""
    status = Connection.Status
    if connection.status == status.CREDENTIALS_REJECTED:
        return ("Credentials rejected: work waits for working ones", "error")
    if connection.status == status.FAILING or connection.breaker_opened_at:
        since = f" since {timesince(connection.breaker_opened_at)} ago" if connection.breaker_opened_at else ""
        return (f"Circuit breaker open{since}: pushes wait for a trial", "error")
    if connection.status == status.PAUSED:
        return ("Paused by support: pushes wait", "warning")
    if connection.status == status.DRAFT:
        return ("Draft: not in use yet", "muted")
    if connection.sync_error:
        return ("Active; reconciliation failing", "warning")
    if connection.consecutive_failures:
        n = connection.consecutive_failures
        return (f"Active; {n} failed call{'s' if n != 1 else ''} in a row (breaker closed)", "warning")
    return ("Healthy: circuit breaker closed", "ok")


class HealthFilter(admin.SimpleListFilter):
    """What support asks: which connections need a look (the overview's counters link here)."""

    title = "health"
    parameter_name = "health"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [
            ("attention", "Needs attention (failing, paused or credentials rejected)"),
            ("breaker_open", "Circuit breaker open"),
            ("credentials_rejected", "Credentials rejected"),
            ("sync_failing", "Reconciliation failing"),
            ("healthy", "Healthy"),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Connection]) -> QuerySet[Connection]:
        value = self.value()
        status = Connection.Status
        if value == "attention":
            return queryset.filter(status__in=[status.FAILING, status.PAUSED, status.CREDENTIALS_REJECTED])
        if value == "breaker_open":
            return queryset.filter(Q(breaker_opened_at__isnull=False) | Q(status=status.FAILING))
        if value == "credentials_rejected":
            return queryset.filter(status=status.CREDENTIALS_REJECTED)
        if value == "sync_failing":
            return queryset.exclude(sync_error="")
        if value == "healthy":
            return queryset.filter(
                status=status.ACTIVE, breaker_opened_at__isnull=True, consecutive_failures=0, sync_error=""
            )
        return queryset


SECRET_CHOICES = [(name, name.replace("_", " ").capitalize()) for name in SECRET_FIELDS]


class ConnectionForm(ConnectionAdminForm):
    clear_secrets = forms.MultipleChoiceField(
        choices=SECRET_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Tick to erase a stored value (for example a leaked previous secret).",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "clear_secrets" in self.fields:
            # Only the secrets this provider's form shows can be cleared.
            self.fields["clear_secrets"].choices = [c for c in SECRET_CHOICES if c[0] in self.fields]  # type: ignore[attr-defined]

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
    # The name says the store and provider; role and provider are filters (and the list's order).
    list_display = ("__str__", "health", "last_success_list", "last_webhook")
    list_filter = ("status", HealthFilter, "role", ProviderFilter, "store__is_sandbox")
    search_fields = ("name", "store__name", "store__slug", "wms_name", "external_account_id", "=endpoint_token")
    list_select_related = ("store",)
    autocomplete_fields = ("store",)
    actions = (
        "test_connection",
        "pause",
        "resume",
        "reset_circuit_breaker",
        "rotate_webhook_secret",
        "rotate_endpoint_url",
        "register_webhooks",
    )

    def get_readonly_fields(self, request: HttpRequest, obj: Connection | None = None) -> tuple[str, ...]:
        computed = ("webhook_url", "recent_api_calls", "health", "last_success")
        if obj is None:
            return computed
        # Which provider and side a connection is never changes: its rows and webhooks depend on it.
        return (*computed, *SERVICE_OWNED, "store", "role", "provider")

    def get_fieldsets(self, request: HttpRequest, obj: Connection | None = None) -> Any:
        if obj is None:
            return (
                (
                    None,
                    {
                        "fields": (*GENERAL_FIELDS, "wms_name"),
                        "description": "Save first: the provider's credential and webhook fields appear once "
                        "the provider is known.",
                    },
                ),
            )
        credentials, webhook = provider_fields(obj)
        general = [*GENERAL_FIELDS]
        if "wms_name" in credentials:
            credentials.remove("wms_name")
            general.insert(3, "wms_name")
        expiries = [PREVIOUS[name][1] for name in PREVIOUS if name in webhook]
        return (
            (None, {"fields": general}),
            ("Credentials (write-only)", {"fields": (*credentials, "credentials_updated_at")}),
            ("Inbound webhooks", {"fields": ("webhook_url", *webhook, *expiries, "clear_secrets")}),
            ("Health", {"fields": HEALTH_FIELDS}),
            (f"Recent API calls (last {RECENT_CALLS})", {"fields": ("recent_api_calls",)}),
            ("Record", {"fields": ("created_at", "updated_at"), "classes": ("collapse",)}),
        )

    def response_add(self, request: HttpRequest, obj: Connection, post_url_continue: str | None = None) -> Any:
        # The provider's own fields are on the change page: go there, not back to the list.
        self.message_user(request, f"{obj} added: enter its credentials and webhook settings below.")
        return HttpResponseRedirect(reverse("admin:integrations_connection_change", args=[obj.pk]))

    @admin.display(description="Webhook URL")
    def webhook_url(self, obj: Connection) -> str:
        if obj.pk is None:
            return "Shown once the connection is saved."
        url = registration.webhook_url(connection=obj)
        # The button works through static/admin/backhaul.js: no inline handler (Content-Security-Policy).
        return format_html(
            '<code id="bh-webhook-url">{}</code> '
            '<button type="button" class="button bh-copy" data-copy="{}">Copy</button>',
            url,
            url,
        )

    @admin.display(description="Health")
    def health(self, obj: Connection) -> str:
        words, tone = health_words(obj)
        return badge(words, tone, title=obj.health_message or obj.last_error or words)

    @admin.display(description="Last success")
    def last_success(self, obj: Connection) -> str:
        when = last_success(obj)
        if when is None:
            return "Never"
        return f"{timezone.localtime(when):%Y-%m-%d %H:%M:%S} ({timesince(when)} ago)"

    @admin.display(description="Last success", ordering="last_success_at")
    def last_success_list(self, obj: Connection) -> str:
        # The recorded time only: one ApiCall query per row would not stay cheap on a long list.
        return ago(obj.last_success_at)

    @admin.display(description="Last webhook", ordering="last_webhook_at")
    def last_webhook(self, obj: Connection) -> str:
        return ago(obj.last_webhook_at)

    @admin.display(description="Recent API calls")
    def recent_api_calls(self, obj: Connection) -> str:
        if obj.pk is None:
            return "—"
        calls = list(ApiCall.objects.filter(connection=obj).order_by("-created_at")[:RECENT_CALLS])
        if not calls:
            return "None yet."
        rows = format_html_join(
            "",
            '<tr><td><a href="{}">{}</a></td><td>{}</td><td>{} {}</td><td>{}</td><td>{}</td></tr>',
            (
                (
                    reverse("admin:integrations_apicall_change", args=[call.pk]),
                    f"{timezone.localtime(call.created_at):%Y-%m-%d %H:%M:%S}",
                    call.operation or "—",
                    call.method,
                    truncated(call.url, 50),
                    call.status_code or "—",
                    call.error_class or "",
                )
                for call in calls
            ),
        )
        more = reverse("admin:integrations_apicall_changelist") + f"?connection__id__exact={obj.pk}"
        return format_html(
            "<table><thead><tr><th>At</th><th>Operation</th><th>Request</th><th>Answer</th><th>Error</th></tr>"
            '</thead><tbody>{}</tbody></table><p><a href="{}">All API calls of this connection →</a></p>',
            rows,
            more,
        )

    # --- actions ---------------------------------------------------------------------------------
    # Each asks integrations.access, as the API and the merchant pages do for the same action.

    has_test_permission = access_permission("connection.test")
    has_register_permission = access_permission("connection.change")
    has_pause_permission = access_permission("connection.pause")
    has_resume_permission = access_permission("connection.resume")
    has_reset_breaker_permission = access_permission("connection.reset_breaker")
    has_rotate_permission = access_permission("connection.rotate")

    def _confirm(self, request: HttpRequest, queryset: QuerySet[Connection], action: str, question: str) -> Any:
        title = str(getattr(self, action).short_description)
        return confirm_action(self, request, queryset, action=action, title=title, question=question)

    def _in_background(self, request: HttpRequest, connections: list[Connection], task: Any, message: str) -> bool:
        """For several connections, a worker calls each provider (some answer slowly) and the request does not
        wait; False for one, which is called while the person waits for its answer."""
        if len(connections) <= 1:
            return False
        for connection in connections:
            task.delay(connection.pk)
        self.message_user(request, message.format(n=len(connections)), messages.SUCCESS)
        return True

    @admin.action(description="Test connection", permissions=["test"])
    def test_connection(self, request: HttpRequest, queryset: QuerySet[Connection]) -> TemplateResponse | None:
        confirm = self._confirm(
            request,
            queryset,
            "test_connection",
            "Make one live call to each provider below with the stored credentials? The result is recorded on "
            "the connection (last success or last error).",
        )
        if confirm is not None:
            return confirm
        from integrations.tasks import connection_test_run

        connections = list(queryset)
        if self._in_background(
            request,
            connections,
            connection_test_run,
            "Testing {n} connections in the background: each one's health shows the result.",
        ):
            return None
        from integrations.services.connections import connection_test

        for connection in connections:
            try:
                result = connection_test(connection=connection)
            except EXPECTED_ERRORS as exc:
                self.message_user(request, f"{connection}: {error_text(exc)}", messages.ERROR)
                continue
            level = messages.SUCCESS if result.ok else messages.ERROR
            self.message_user(request, f"{connection}: {result.message}", level)
        return None

    @admin.action(description="Register webhooks", permissions=["register"])
    def register_webhooks(self, request: HttpRequest, queryset: QuerySet[Connection]) -> TemplateResponse | None:
        confirm = self._confirm(
            request,
            queryset,
            "register_webhooks",
            "Create (or re-check) the webhook subscriptions pointing at Backhaul at each provider below? "
            "Providers whose webhooks are set up in their dashboard answer with how to do it.",
        )
        if confirm is not None:
            return confirm
        from integrations.tasks import connection_webhooks_register

        connections = list(queryset)
        if self._in_background(
            request,
            connections,
            connection_webhooks_register,
            "Registering webhooks for {n} connections in the background; "
            "each provider's answer is in the API calls log.",
        ):
            return None
        from integrations.services.registration import webhooks_register

        for connection in connections:
            try:
                result = webhooks_register(connection_id=connection.pk)
            except EXPECTED_ERRORS as exc:
                self.message_user(request, f"{connection}: {error_text(exc)}", messages.ERROR)
                continue
            self.message_user(request, f"{connection}: {result.summary}", messages.SUCCESS)
        return None

    @admin.action(description="Pause", permissions=["pause"])
    def pause(self, request: HttpRequest, queryset: QuerySet[Connection]) -> TemplateResponse | None:
        confirm = self._confirm(
            request, queryset, "pause", "Pause these connections? Pushes to them wait until they are resumed."
        )
        if confirm is not None:
            return confirm
        from integrations.services.connections import connection_pause

        run_for_each(self, request, queryset, lambda c: connection_pause(connection=c), done="Paused")
        return None

    @admin.action(description="Resume", permissions=["resume"])
    def resume(self, request: HttpRequest, queryset: QuerySet[Connection]) -> TemplateResponse | None:
        confirm = self._confirm(
            request,
            queryset,
            "resume",
            "Resume these connections? This closes an open circuit breaker and queues every RMA that waited.",
        )
        if confirm is not None:
            return confirm
        from integrations.services.connections import connection_resume

        run_for_each(self, request, queryset, lambda c: connection_resume(connection=c), done="Resumed")
        return None

    @admin.action(description="Reset circuit breaker", permissions=["reset_breaker"])
    def reset_circuit_breaker(self, request: HttpRequest, queryset: QuerySet[Connection]) -> TemplateResponse | None:
        confirm = self._confirm(
            request,
            queryset,
            "reset_circuit_breaker",
            "Close the circuit breaker of these connections? Their failure counts go to zero and their pending "
            "RMAs are pushed again at once.",
        )
        if confirm is not None:
            return confirm
        from integrations.services.connections import connection_reset_breaker

        run_for_each(
            self,
            request,
            queryset,
            lambda c: connection_reset_breaker(connection=c),
            done="Circuit breaker reset",
        )
        return None

    @admin.action(description="Rotate webhook secret", permissions=["rotate"])
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

    @admin.action(description="Rotate endpoint URL", permissions=["rotate"])
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
                request,
                f"{connection}: new webhook URL {registration.webhook_url(connection=connection)}",
                messages.SUCCESS,
            )

        run_for_each(self, request, queryset, rotate, done="Endpoint URLs rotated")
        return None
