"""The merchant's own pages for a store: overview (what needs them, connection health), returns, one return,
and their email settings. Thin: reads come from selectors, writes from services."""

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from integrations.merchant import selectors
from integrations.models import Notification, NotificationOptOut, Store
from integrations.services.stores import store_update
from integrations.wizard import selectors as wizard_selectors
from integrations.wizard.services import connection_verify
from integrations.wizard.views import LOGIN_URL, requires, wizard_view


def _context(store: Store, current: str, **extra: Any) -> dict[str, Any]:
    return {"store": store, "store_page": current, "is_live": wizard_selectors.store_is_live(store=store), **extra}


@wizard_view
@require_GET
def store_home(request: HttpRequest, store: Store) -> HttpResponse:
    """The store's overview: what needs the merchant, each connection's health, the latest returns."""
    context = _context(
        store,
        "home",
        items=selectors.attention_items(store=store),
        health=selectors.connection_health(store=store),
        latest=selectors.returns_page(store=store, page=1).object_list[:5],
        overdue=selectors.overdue_returns(store=store),
        aging_form=AgingSettingsForm(instance=store),
    )
    return render(request, "setup/store/home.html", context)


class AgingSettingsForm(forms.ModelForm):
    """After how many days a return is overdue (product.md flow 13); the owners' to change."""

    class Meta:
        model = Store
        fields = ("aging_arrival_days", "aging_close_days")
        labels = {
            "aging_arrival_days": "Days without a warehouse receipt",
            "aging_close_days": "Days received, not closed",
        }
        widgets = {
            "aging_arrival_days": forms.NumberInput(attrs={"min": 1, "max": 365}),
            "aging_close_days": forms.NumberInput(attrs={"min": 1, "max": 365}),
        }


@wizard_view
@requires("store.change")
@require_POST
def aging_settings(request: HttpRequest, store: Store) -> HttpResponse:
    """Owners change after how many days the store's returns are overdue; its waiting returns are re-timed."""
    form = AgingSettingsForm(request.POST, instance=Store.objects.get(pk=store.pk))
    if form.is_valid():
        store_update(store=store, data=form.cleaned_data)
        messages.success(
            request,
            f"Returns are now overdue {store.aging_arrival_days} days after the label without a warehouse receipt, "
            f"and {store.aging_close_days} days after the receipt when still open.",
        )
    else:
        errors = "; ".join(f"{form.fields[name].label}: {' '.join(map(str, e))}" for name, e in form.errors.items())
        messages.error(request, f"Not saved. {errors}")
    return redirect(reverse("setup:home", kwargs={"slug": store.slug}) + "#overdue-title")


@wizard_view
@require_GET
def returns_list(request: HttpRequest, store: Store) -> HttpResponse:
    """The store's returns, searchable by order and filterable by state."""
    query, state = request.GET.get("q", "")[:100], request.GET.get("state", "")[:40]
    page = selectors.returns_page(store=store, query=query, state=state, page=request.GET.get("page") or 1)
    context = _context(
        store,
        "returns",
        page=page,
        query=query,
        state=state,
        states=selectors.return_states(store=store),
        needs_attention=selectors.NEEDS_ATTENTION,
        overdue_filters=list(selectors.OVERDUE_FILTERS.items()),
    )
    return render(request, "setup/store/returns.html", context)


@wizard_view
@require_GET
def return_detail(request: HttpRequest, store: Store, pk: int) -> HttpResponse:
    """One return: its lines, each RMA (where it went, what was sent, its status) and its timeline."""
    detail = selectors.return_detail(store=store, return_id=pk)
    return render(request, "setup/store/return.html", _context(store, "returns", detail=detail))


@wizard_view
@requires("connection.test")
@require_POST
def connection_test(request: HttpRequest, store: Store, pk: int) -> HttpResponse:
    """Test a connection again with its stored credentials (a success resumes what waited on rejected ones)."""
    connection = selectors.store_connection_get(store=store, connection_id=pk)
    result = connection_verify(connection=connection)
    (messages.success if result.ok else messages.error)(request, f"{connection.display_name}: {result.message}")
    return redirect(reverse("setup:home", kwargs={"slug": store.slug}) + f"#connection-{connection.pk}")


@never_cache
@login_required(login_url=LOGIN_URL)
@require_http_methods(["GET", "POST"])
def notification_settings(request: HttpRequest) -> HttpResponse:
    """The emails this user gets about their stores, one switch per kind."""
    from integrations.services.notifications import notification_opt_outs_set

    user: Any = request.user  # logged in (login_required)
    if request.method == "POST":
        wanted = set(request.POST.getlist("kind"))
        notification_opt_outs_set(user=user, disabled=set(Notification.Kind.values) - wanted)
        messages.success(request, "Email settings saved.")
        return redirect("setup:notifications")
    off = set(NotificationOptOut.objects.filter(user=user).values_list("kind", flat=True))
    kinds = [(kind.value, kind.label, kind.value not in off) for kind in Notification.Kind]
    stores = list(wizard_selectors.stores_for_user(user=request.user).order_by("name")[:50])
    return render(request, "setup/store/notifications.html", {"kinds": kinds, "stores": stores})
