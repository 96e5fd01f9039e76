"""API tokens in the operations console: listed by name, prefix, owner and expiry, revoked by staff who may;
never a key (knox stores only a hash of it) and never added here (`manage.py issue_api_token` prints a key once).
Also the housekeeping admins of django-celery-beat and django-axes, with each action declaring its permission."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from axes import admin as axes_admin
from axes.models import AccessAttempt
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils import timezone
from django_celery_beat import admin as beat_admin
from django_celery_beat.models import PeriodicTask
from knox.models import AuthToken

from config.models import ApiToken
from integrations.admin.common import access_permission, confirm_action

# knox registers its own AuthToken admin (the digest in the list, an add form that shows a key); the project's
# token model is ApiToken (KNOX_TOKEN_MODEL), so that one is unused and would only confuse.
if admin.site.is_registered(AuthToken):
    admin.site.unregister(AuthToken)


def _declared(func: Any, *permissions: str) -> Callable[..., Any]:
    """A third-party admin action that declares the permission it needs (its own declares none, so anyone who
    could open the list, view-only staff too, could run it)."""

    @admin.action(description=func.short_description, permissions=permissions)
    @wraps(func)
    def action(modeladmin: Any, request: HttpRequest, queryset: QuerySet) -> Any:
        return func(modeladmin, request, queryset)

    return action


class PeriodicTaskAdmin(beat_admin.PeriodicTaskAdmin):
    enable_tasks = _declared(beat_admin.PeriodicTaskAdmin.enable_tasks, "change")
    disable_tasks = _declared(beat_admin.PeriodicTaskAdmin.disable_tasks, "change")
    toggle_tasks = _declared(beat_admin.PeriodicTaskAdmin.toggle_tasks, "change")
    run_tasks = _declared(beat_admin.PeriodicTaskAdmin.run_tasks, "change")


class AccessAttemptAdmin(axes_admin.AccessAttemptAdmin):
    cleanup_expired_attempts = _declared(axes_admin.AccessAttemptAdmin.cleanup_expired_attempts, "delete")


for _model, _admin_class in ((PeriodicTask, PeriodicTaskAdmin), (AccessAttempt, AccessAttemptAdmin)):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)
    admin.site.register(_model, _admin_class)


class ExpiredFilter(admin.SimpleListFilter):
    title = "expiry"
    parameter_name = "expired"

    def lookups(self, request: HttpRequest, model_admin: object) -> list[tuple[str, str]]:
        return [("no", "Still valid"), ("yes", "Expired")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> QuerySet[ApiToken]:
        if self.value() == "yes":
            return queryset.filter(expiry__lte=timezone.now())
        if self.value() == "no":
            return queryset.filter(expiry__gt=timezone.now())
        return queryset


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "prefix", "user", "created", "expiry")
    list_filter = (ExpiredFilter,)
    search_fields = ("name", "=token_key", "user__username")
    search_help_text = "The token's name, its first 15 characters (exact) or its owner's user name."
    list_select_related = ("user",)
    fields = ("name", "prefix", "user", "created", "expiry")
    readonly_fields = fields
    actions = ("revoke",)

    has_revoke_permission = access_permission("api_token.revoke")

    def get_actions(self, request: HttpRequest) -> dict:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # "Revoke" says what deleting a token means
        return actions

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # `manage.py issue_api_token <user> --name ...` prints the key once

    def has_change_permission(self, request: HttpRequest, obj: ApiToken | None = None) -> bool:
        return False

    @admin.display(description="Starts with", ordering="token_key")
    def prefix(self, obj: ApiToken) -> str:
        return f"{obj.token_key}…"

    @admin.action(description="Revoke selected tokens", permissions=["revoke"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> TemplateResponse | None:
        confirm = confirm_action(
            self,
            request,
            queryset,
            action="revoke",
            title="Revoke API tokens",
            question="Revoke these API tokens? Requests with them are refused (401) at once.",
        )
        if confirm is not None:
            return confirm
        count = queryset.count()
        queryset.delete()
        self.message_user(request, f"Revoked: {count}.")
        return None
