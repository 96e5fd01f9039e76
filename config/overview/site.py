"""The admin site: the overview above the app list, and housekeeping models grouped under "System".

Public AdminSite APIs only: `index()` gets the overview as extra context, `get_urls()` adds the
fragment htmx polls, `get_app_list()` regroups the apps (on the index and in the sidebar; an app's
own page, `app_label` given, is left as Django builds it).
"""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, URLResolver, path

from config.overview import charts
from config.overview.selectors import Overview, overview_cached

# (app label, model name or "*" for the whole app) moved under "System", in this order.
SYSTEM_MODELS: tuple[tuple[str, str], ...] = (
    ("django_celery_beat", "periodictask"),
    ("django_celery_beat", "*"),
    ("axes", "*"),
    ("auth", "*"),
    ("config", "apitoken"),
    ("returns", "rmanumbersequence"),
    ("integrations", "notification"),
)
SYSTEM_LABEL = "system"


def overview_context(overview: Overview) -> dict[str, Any]:
    groups: dict[str, list] = {}
    for counter in overview.counters:
        groups.setdefault(counter.group, []).append(counter)
    return {
        "overview": overview,
        "counter_groups": list(groups.items()),
        "webhook_charts": [(p, charts.webhooks_chart(overview.webhook_hours, p)) for p in overview.webhooks],
        "latency_chart": charts.latency_chart(overview.latency),
        "work_chart": charts.work_chart(overview.work),
        "answers_chart": charts.answers_chart(overview.answers),
    }


class BackhaulAdminSite(admin.AdminSite):
    site_header = "Backhaul operations"
    site_title = "Backhaul"
    index_title = "Support overview"
    index_template = "admin/index.html"

    def get_urls(self) -> list[URLResolver | URLPattern]:
        return [
            path("overview/", self.admin_view(self.overview_view), name="overview"),
            *super().get_urls(),
        ]

    def index(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> TemplateResponse:
        context = {**overview_context(overview_cached()), **(extra_context or {})}
        return super().index(request, extra_context=context)

    def overview_view(self, request: HttpRequest) -> HttpResponse:
        """The overview alone, for htmx to swap in every OVERVIEW_CACHE_SECONDS."""
        request.current_app = self.name
        context = {**self.each_context(request), **overview_context(overview_cached())}
        return TemplateResponse(request, "admin/overview/_overview.html", context)

    def get_app_list(self, request: HttpRequest, app_label: str | None = None) -> list[dict[str, Any]]:
        app_list = super().get_app_list(request, app_label)
        if app_label is not None:
            return app_list
        order = {key: i for i, key in enumerate(SYSTEM_MODELS)}
        system: list[tuple[int, dict[str, Any]]] = []
        kept = []
        for app in app_list:
            remaining = []
            for model in app["models"]:
                name = model["object_name"].lower()
                key = (app["app_label"], name) if (app["app_label"], name) in order else (app["app_label"], "*")
                if key in order:
                    system.append((order[key], model))
                else:
                    remaining.append(model)
            if remaining:
                kept.append({**app, "models": remaining})
        if system:
            kept.append(
                {
                    "name": "System",
                    "app_label": SYSTEM_LABEL,
                    "app_url": "",
                    "has_module_perms": True,
                    "models": [model for _, model in sorted(system, key=lambda item: item[0])],
                }
            )
        return kept
