"""Sandbox state in the admin: accounts with their failure settings, RMAs with receive actions."""

from collections.abc import Callable

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from config.fields import EncryptedTextField
from integrations.admin.common import access_permission
from integrations.sandbox.models import SandboxAccount, SandboxPlatformCall, SandboxReturn, SandboxWebhookDelivery
from integrations.sandbox.services import sandbox_receive, sandbox_receive_without_rma


@admin.register(SandboxAccount)
class SandboxAccountAdmin(admin.ModelAdmin):
    # Sandbox credentials are made up and handed to whoever tries the sandbox (the wizard shows
    # them to the merchant), so unlike a connection's secrets they are shown and editable here.
    formfield_overrides = {EncryptedTextField: {"widget": forms.TextInput(attrs={"size": 50, "autocomplete": "off"})}}
    list_display = (
        "__str__",
        "provider",
        "connection",
        "latency_ms",
        "failure_mode",
        "failures_remaining",
        "auto_receive_mode",
    )
    list_filter = ("provider", "failure_mode", "auto_receive_mode")
    search_fields = ("name", "key", "connection__store__name")
    list_select_related = ("connection__store",)
    raw_id_fields = ("connection",)

    def get_readonly_fields(self, request: HttpRequest, obj: SandboxAccount | None = None) -> tuple[str, ...]:
        # On the add form the key is an ordinary field holding a freshly generated value, so the key
        # shown is the key saved (a read-only default was drawn twice: once shown, once saved).
        return ("key", "sandbox_base_path") if obj is not None else ("sandbox_base_path",)

    @admin.display(description="Base path")
    def sandbox_base_path(self, obj: SandboxAccount | None) -> str:
        if obj is None or obj.pk is None:
            return "Shown once saved: /sandbox/<provider>/<key>/"
        return obj.base_path


def _receive_action(
    mode: str, description: str
) -> Callable[[admin.ModelAdmin, HttpRequest, QuerySet[SandboxReturn]], None]:
    @admin.action(description=description, permissions=["receive"])
    def action(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[SandboxReturn]) -> None:
        for sandbox_return in queryset.select_related("account__connection"):
            try:
                sandbox_receive(sandbox_return=sandbox_return, mode=mode)
            except ValueError as exc:
                modeladmin.message_user(request, str(exc), messages.ERROR)
                return
        modeladmin.message_user(request, f"{queryset.count()} RMA(s) received ({mode}); webhooks queued.")

    action.__name__ = f"receive_{mode}"
    return action


def _receive_without_rma_action(
    keep_label: bool, description: str
) -> Callable[[admin.ModelAdmin, HttpRequest, QuerySet[SandboxReturn]], None]:
    @admin.action(description=description, permissions=["receive"])
    def action(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[SandboxReturn]) -> None:
        for sandbox_return in queryset.select_related("account__connection"):
            try:
                sandbox_receive_without_rma(sandbox_return=sandbox_return, mode="fully_received", keep_label=keep_label)
            except ValueError as exc:
                modeladmin.message_user(request, str(exc), messages.ERROR)
                return
        modeladmin.message_user(
            request,
            f"{queryset.count()} parcel(s) received as the warehouse's own returns, with no RMA number; "
            "webhooks queued (the store keeps each as an orphan receipt).",
        )

    action.__name__ = "receive_without_rma" if keep_label else "receive_unknown_parcel"
    return action


@admin.register(SandboxReturn)
class SandboxReturnAdmin(admin.ModelAdmin):
    list_display = ("rma_number", "account", "external_id", "warehouse", "status", "created_at")
    list_filter = ("account__provider", "status")
    search_fields = ("rma_number", "external_id", "order_ref")
    list_select_related = ("account",)
    raw_id_fields = ("account",)
    has_receive_permission = access_permission("sandbox.receive")
    actions = [
        _receive_action("fully_received", "Receive fully (good)"),
        _receive_action("short", "Receive short"),
        _receive_action("excess", "Receive in excess"),
        _receive_action("damaged", "Receive damaged"),
        _receive_without_rma_action(True, "Receive the parcel without its RMA number (label still on it)"),
        _receive_without_rma_action(False, "Receive the parcel as an unknown one (no RMA, no label)"),
    ]


@admin.register(SandboxPlatformCall)
class SandboxPlatformCallAdmin(admin.ModelAdmin):
    list_display = ("action", "return_id", "account", "created_at")
    list_filter = ("account__provider", "action")
    search_fields = ("return_id",)
    list_select_related = ("account",)
    raw_id_fields = ("account",)


@admin.register(SandboxWebhookDelivery)
class SandboxWebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ("event_type", "account", "status_code", "attempts", "delivered_at", "created_at")
    list_filter = ("account__provider", "event_type", "status_code")
    search_fields = ("url", "event_type")
    list_select_related = ("account",)
    raw_id_fields = ("account",)
