"""What every admin of the operations console shares: read-only logs, confirmations, service calls.

Thin on purpose: actions call services (imported inside each action so the admin loads even while
a service is being written), secrets are write-only, logs are read-only and undeletable.
"""

import json
from collections.abc import Callable, Iterable
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.timesince import timesince

from config.exceptions import ApplicationError
from integrations.display import body_for_display
from integrations.exceptions import ProviderError

# Failures a service reports on purpose; anything else is a bug and should reach Sentry as a 500.
EXPECTED_ERRORS = (ApplicationError, ValidationError, ProviderError)

# A confirmation page names at most this many objects; the rest are counted (all are still acted on).
CONFIRM_LIST_LIMIT = 50


class ReadOnlyMixin:
    """Logs are evidence and services' state: nobody adds, edits or deletes them from the admin.

    Without the delete permission Django drops the Delete button and the bulk delete action too.
    Retention (config/retention.py) is the one thing that removes old rows.
    """

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class ServiceOwnedInline(admin.TabularInline):
    """Rows written only by services (RMAs, the append-only timeline, the API-call log): shown, never edited."""

    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


def confirm_action(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: QuerySet,
    *,
    action: str,
    title: str,
    question: str,
    form: Any = None,
) -> TemplateResponse | None:
    """A confirmation page naming the count and the objects (and a form to fill in, when given); None once the
    user said yes (with a valid form)."""
    if request.POST.get("post") == "yes" and (form is None or form.is_valid()):
        return None
    request.current_app = modeladmin.admin_site.name
    pks = list(queryset.values_list("pk", flat=True))
    shown = list(queryset[:CONFIRM_LIST_LIMIT])
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "question": question,
        "objects": shown,
        "pks": pks,
        "count": len(pks),
        "more": max(0, len(pks) - len(shown)),
        "action": action,
        "opts": modeladmin.model._meta,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "form": form,
    }
    return TemplateResponse(request, "admin/confirm_action.html", context)


def access_permission(action: str) -> Callable[[Any, HttpRequest], bool]:
    """A ModelAdmin `has_<name>_permission` method that asks integrations.access (the API and the merchant pages
    ask the same question), for `@admin.action(permissions=["<name>"])`."""

    def has_permission(modeladmin: Any, request: HttpRequest, obj: Any = None) -> bool:
        from integrations.access import can

        return can(request.user, action)

    has_permission.__name__ = f"has_{action.replace('.', '_')}_permission"
    return has_permission


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
    # bh-pre (static/admin/backhaul.css): classes, never a style attribute, for the Content-Security-Policy.
    return format_html('<pre class="bh-pre">{}</pre>', json.dumps(value, indent=2, sort_keys=True))


def pretty_text(text: str | bytes, *, true_length: int | None = None) -> str:
    """Pretty-print JSON text; anything else is shown as it is (within integrations.display's limits)."""
    if not text and not true_length:
        return "—"
    # bh-pre wraps a body of one 100,000-character word (`[[[[...`) instead of widening the page.
    return format_html('<pre class="bh-pre">{}</pre>', body_for_display(text, true_length=true_length))


def truncated_text(text: str, length: int) -> str:
    """The first `length` characters, the last of them an ellipsis when the text is longer."""
    return text if len(text) <= length else f"{text[: length - 1]}…"


def truncated(text: str, length: int = 60) -> str:
    """A changelist cell: the first `length` characters, the whole text on hover (title)."""
    text = text or ""
    if len(text) <= length:
        return text or "—"
    # bh-trunc (base_site.html) also cuts a long word at the column's width instead of wrapping it.
    return format_html('<span class="bh-trunc" title="{}">{}</span>', text, truncated_text(text, length))


def ago(when: Any) -> str:
    """A changelist cell for a time: how long ago, in one short phrase ("3 hours"), the exact time on hover.
    A full date and time is the widest column of a list that must fit beside the navigation sidebar."""
    if when is None:
        return "—"
    exact = f"{timezone.localtime(when):%Y-%m-%d %H:%M:%S}"
    return format_html('<span class="bh-nowrap" title="{}">{} ago</span>', exact, timesince(when, depth=1))


# Each tone's colours are in static/admin/backhaul.css (.bh-tone-<tone>).
BADGE_TONES = ("ok", "info", "warning", "error", "muted")


def badge(text: str, tone: str = "muted", *, title: str = "", wrap: bool = False) -> str:
    """A coloured label (a status, a level) that reads without the colour too. wrap: a sentence that may take
    two lines in a narrow column instead of widening it."""
    tone = tone if tone in BADGE_TONES else "muted"
    classes = f"bh-badge bh-tone-{tone}" + (" bh-wrap" if wrap else "")
    return format_html('<span class="{}" title="{}">{}</span>', classes, title or text, text)


# --- Log changelists at a million rows --------------------------------------------------------


class CappedCountPaginator(Paginator):
    """Counts at most COUNT_CAP rows: an exact COUNT(*) over a million-row log costs a full scan.

    The list then pages through the first COUNT_CAP matches (newest first), which is where support
    looks; a narrower filter or search reaches older rows.
    """

    COUNT_CAP = 10_000

    @cached_property
    def count(self) -> int:
        object_list = self.object_list
        if isinstance(object_list, QuerySet):
            return object_list.order_by()[: self.COUNT_CAP].count()
        return len(object_list)


class UnboundedTableMixin:
    """A changelist over a table that only grows (logs, returns, RMAs): no exact count, no counts per
    filter option (each would scan the whole table), and a paginator that counts at most COUNT_CAP rows."""

    show_full_result_count: bool = False
    show_facets: admin.ShowFacets = admin.ShowFacets.NEVER
    paginator: type[Paginator] = CappedCountPaginator


class ProviderFilter(admin.SimpleListFilter):
    """Provider from the registry's list, not a DISTINCT over the log's column."""

    title = "provider"
    parameter_name = "provider"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        from integrations.registry import declarations

        return [(d.slug, d.display_name) for d in declarations()]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        return queryset.filter(provider=self.value()) if self.value() else queryset
