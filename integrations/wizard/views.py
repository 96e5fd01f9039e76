"""Setup wizard views: thin; reads come from selectors, writes from services."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from integrations import access
from integrations.models import Connection, Store
from integrations.registry import get_declaration
from integrations.services import registration
from integrations.wizard import selectors, services
from integrations.wizard.credentials import credential_fields, form_field_name, generates_webhook_token
from integrations.wizard.forms import (
    ConnectionForm,
    LocationForm,
    PlatformForm,
    WarehouseForm,
)
from warehouses.models import ShippingLocation

LOGIN_URL = reverse_lazy("setup:login")
HTMX_STOP_POLLING = 286
STEP_SLUGS = [slug for slug, _title in selectors.STEPS]


def wizard_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Log-in required, and the store must be one the user may open (else 404).

    Never cached: the browser's back button then shows the step as it is now (saved values, a
    fresh CSRF token), not a stale copy whose form would be refused.
    """

    @never_cache
    @login_required(login_url=LOGIN_URL)
    @wraps(view)
    def wrapper(request: HttpRequest, slug: str, *args: Any, **kwargs: Any) -> HttpResponse:
        store = selectors.store_for_user(user=request.user, slug=slug)
        return view(request, store, *args, **kwargs)

    return wrapper


def requires(action: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """After wizard_view: the user must be allowed `action` in the store (integrations.access), else a 403 page
    saying who may and where to go instead (never a 5xx, never the form)."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, store: Store, *args: Any, **kwargs: Any) -> HttpResponse:
            if not access.can(request.user, action, store):
                return forbidden(request, store, action)
            return view(request, store, *args, **kwargs)

        return wrapper

    return decorator


def forbidden(request: HttpRequest, store: Store, action: str) -> HttpResponse:
    """The 403 page: what the user may not do here, who may (the store's owners), and the way back."""
    owners = [m.user.get_username() for m in selectors.store_owners(store=store)]
    context = {"store": store, "reason": access.refusal(action), "owners": owners, "store_page": "forbidden"}
    return render(request, "setup/forbidden.html", context, status=403)


def step_url(store: Store, step: str) -> str:
    return reverse(f"setup:{step}", kwargs={"slug": store.slug})


def step_context(store: Store, step: str, **extra: Any) -> dict[str, Any]:
    index = STEP_SLUGS.index(step)
    return {
        "store": store,
        "step": step,
        "progress": selectors.wizard_progress(store=store, current=step),
        "step_number": index + 1,
        "step_count": len(STEP_SLUGS),
        "prev_url": step_url(store, STEP_SLUGS[index - 1]) if index else "",
        "next_url": step_url(store, STEP_SLUGS[index + 1]) if index + 1 < len(STEP_SLUGS) else "",
        **extra,
    }


@never_cache
@login_required(login_url=LOGIN_URL)
@require_GET
def store_list(request: HttpRequest) -> HttpResponse:
    """GET /setup/: the user's stores (every store for staff); one store goes straight to it."""
    stores = list(selectors.stores_for_user(user=request.user).order_by("name")[:500])
    if len(stores) == 1 and not request.user.is_staff:
        return redirect("setup:resume", slug=stores[0].slug)
    return render(request, "setup/index.html", {"stores": stores})


@wizard_view
@require_GET
def store_resume(request: HttpRequest, store: Store) -> HttpResponse:
    """GET /setup/<store>/: the store's overview once it is live, else the wizard where the merchant left off."""
    if selectors.store_is_live(store=store) or not access.can(request.user, "store.go_live", store):
        # A member does not set the store up: their page is the store's overview, live or not.
        return redirect("setup:home", slug=store.slug)
    return redirect(step_url(store, selectors.wizard_resume_step(store=store)))


# ----------------------------------------------------------------------------- step 1


def _sandbox_context(connection: Connection | None) -> dict[str, Any]:
    """The sandbox account a connection talks to, with the credentials it hands out, for the page."""
    account = services.connection_sandbox_account(connection=connection)
    if account is None or connection is None:
        return {"sandbox": None}
    from integrations.sandbox.services import sandbox_credentials

    own = sandbox_credentials(account=account)
    shown = [(spec.label, own[spec.name]) for spec in credential_fields(connection.provider) if spec.name in own]
    return {"sandbox": {"account": account, "credentials": shown, "base_url": connection.base_url}}


CHECK_SESSION_KEY = "setup_failed_check"


def _failed_check_keep(request: HttpRequest, step: str, provider: str, check: services.CheckResult) -> None:
    """A failed check is shown after a redirect (post/redirect/get), so the back button never lands on a
    form POST. Only Backhaul's explanation is kept: the provider's words, scrubbed of secrets, no input."""
    request.session[CHECK_SESSION_KEY] = {
        "step": step,
        "message": check.message,
        "fields": {form_field_name(provider, name): text for name, text in check.field_errors.items() if text},
    }


def _failed_check_take(request: HttpRequest, step: str, form: ConnectionForm) -> services.CheckResult | None:
    """The failed check kept for this step (once), with its field errors put next to the fields to change."""
    kept = request.session.get(CHECK_SESSION_KEY)
    if not isinstance(kept, dict) or kept.get("step") != step:
        return None
    del request.session[CHECK_SESSION_KEY]
    errors = form.errors  # an unbound form's are empty; these are shown as if the form had found them
    for name, text in kept.get("fields", {}).items():
        if name in form.fields:
            errors[name] = form.error_class([text])
            form.describe_field(name)
    return services.CheckResult(ok=False, message=str(kept.get("message", "")))


def _wizard_error_show(form: ConnectionForm, provider: str, exc: services.WizardError) -> None:
    """A refusal from the services: next to the field to change where one is to blame, else above the form."""
    for name, text in exc.field_errors.items():
        field_name = form_field_name(provider, name)
        form.add_error(field_name if field_name in form.fields else None, text)
    if not exc.field_errors:
        form.add_error(None, exc.message)


def _token_label(connection: Connection | None) -> str:
    if connection is None or not generates_webhook_token(connection.provider):
        return ""
    return get_declaration(connection.provider).credential_field("webhook_secret").label


def _webhooks_context(connection: Connection | None) -> dict[str, Any]:
    """What setup/_webhooks.html shows for a connection: its URL and, from the declaration, who sets its
    subscriptions up (the same list registration creates) and whether Backhaul makes its secret up."""
    return {
        "webhook_url": registration.webhook_url(connection=connection) if connection else "",
        "declaration": get_declaration(connection.provider) if connection else None,
        "token_label": _token_label(connection),
        "generates_token": connection is not None and generates_webhook_token(connection.provider),
    }


def _platform_context(store: Store, form: PlatformForm, **extra: Any) -> dict[str, Any]:
    connection = selectors.returns_platform_connection(store=store)
    return step_context(
        store,
        "platform",
        form=form,
        connection=connection,
        verified=selectors.connection_is_verified(connection),
        **_webhooks_context(connection),
        **_sandbox_context(connection),
        **extra,
    )


def _webhook_action(
    request: HttpRequest, store: Store, step: str, connection: Connection | None, page: Callable[..., HttpResponse]
) -> HttpResponse | None:
    """The webhook section's buttons (setup/_webhooks.html) on a step's page: register the subscriptions through
    the provider's API, or make a new secret (shown on this response only, never put in the session). None when
    the request is not one of them."""
    action = request.POST.get("action")
    if connection is None or action not in ("register", "regenerate"):
        return None
    if action == "register":
        from config.exceptions import ApplicationError
        from integrations.services.registration import webhooks_register

        try:
            messages.success(request, webhooks_register(connection_id=connection.pk).summary)
        except ApplicationError as exc:
            messages.error(request, str(exc))
        return redirect(step_url(store, step))
    try:
        result = services.webhook_secret_regenerate(connection=connection)
    except services.WizardError as exc:
        messages.error(request, exc.message)
        return redirect(step_url(store, step))
    return page(new_webhook_secret=result.new_webhook_secret)


@wizard_view
@requires("connection.change")
@require_http_methods(["GET", "POST"])
def platform_step(request: HttpRequest, store: Store) -> HttpResponse:
    """Step 1: Loop or Redo credentials (or the sandbox), checked live; webhook URL and copy-paste steps."""
    connection = selectors.returns_platform_connection(store=store)
    if request.method != "POST":
        form = PlatformForm(store=store)
        check = _failed_check_take(request, "platform", form)
        return render(request, "setup/platform.html", _platform_context(store, form, check=check))

    def page(**extra: Any) -> HttpResponse:
        return render(request, "setup/platform.html", _platform_context(store, PlatformForm(store=store), **extra))

    webhook_page = _webhook_action(request, store, "platform", connection, page)
    if webhook_page is not None:
        return webhook_page
    form = PlatformForm(request.POST, store=store)
    if not form.is_valid():
        return render(request, "setup/platform.html", _platform_context(store, form), status=422)
    provider = form.cleaned_data["provider"]
    try:
        result = services.returns_platform_save(
            store=store,
            provider=provider,
            credentials=form.credentials(provider),
            sandbox=bool(form.cleaned_data.get("use_sandbox")),
        )
    except services.WizardError as exc:
        _wizard_error_show(form, provider, exc)
        return render(request, "setup/platform.html", _platform_context(store, form), status=422)
    check = services.connection_verify(connection=result.connection)
    if result.new_webhook_secret:
        # The fresh Redo token is shown on this response only: it is never put in the session.
        form = PlatformForm(store=store)
        context = _platform_context(store, form, check=check, new_webhook_secret=result.new_webhook_secret)
        if not check.ok:
            _failed_check_keep(request, "platform", provider, check)
            _failed_check_take(request, "platform", form)
        return render(request, "setup/platform.html", context, status=200 if check.ok else 422)
    if check.ok:
        messages.success(request, check.message)
    else:
        _failed_check_keep(request, "platform", provider, check)
    return redirect(step_url(store, "platform"))


# ----------------------------------------------------------------------------- step 2


@wizard_view
@requires("connection.change")
@require_http_methods(["GET", "POST"])
def warehouse_step(request: HttpRequest, store: Store) -> HttpResponse:
    """Step 2: ShipMonk, ShipStream or a WMS through TrackStar (or the sandbox), checked by listing its warehouses."""

    def page(form: WarehouseForm | None = None, *, status: int = 200, **extra: Any) -> HttpResponse:
        connection = selectors.warehouse_connection(store=store)
        context = step_context(
            store,
            "warehouse",
            form=form or WarehouseForm(store=store),
            connection=connection,
            verified=selectors.connection_is_verified(connection),
            **_webhooks_context(connection),
            **_sandbox_context(connection),
            **extra,
        )
        return render(request, "setup/warehouse.html", context, status=status)

    if request.method != "POST":
        form = WarehouseForm(store=store)
        return page(form, check=_failed_check_take(request, "warehouse", form))
    webhook_page = _webhook_action(request, store, "warehouse", selectors.warehouse_connection(store=store), page)
    if webhook_page is not None:
        return webhook_page
    form = WarehouseForm(request.POST, store=store)
    if not form.is_valid():
        return page(form, status=422)
    provider, wms_name = form.target()
    try:
        saved = services.warehouse_system_save(
            store=store,
            kind=form.cleaned_data["kind"],
            credentials=form.credentials(provider),
            wms_name=wms_name,
            sandbox=bool(form.cleaned_data.get("use_sandbox")),
        )
    except services.WizardError as exc:
        _wizard_error_show(form, provider, exc)
        return page(form, status=422)
    check = services.warehouses_fetch(connection=saved.connection, refresh=True)
    if saved.new_webhook_secret and not form.cleaned_data.get("use_sandbox"):
        # A signing key Backhaul just made (ShipStream's) is shown on this response only, never put in the
        # session: the page stays here, with the way on to the locations once the check passed. (The sandbox
        # signs its own deliveries with it: nothing to copy there.)
        shown = WarehouseForm(store=store)
        if not check.ok:
            _failed_check_keep(request, "warehouse", provider, check)
            _failed_check_take(request, "warehouse", shown)  # the check's field errors on the form shown
        return page(shown, status=200 if check.ok else 422, check=check, new_webhook_secret=saved.new_webhook_secret)
    if check.ok:
        messages.success(request, check.message)
        return redirect(step_url(store, "locations"))
    _failed_check_keep(request, "warehouse", provider, check)
    return redirect(step_url(store, "warehouse"))


# ----------------------------------------------------------------------------- step 3


def _location_page(
    request: HttpRequest, store: Store, location: ShippingLocation | None, template: str
) -> HttpResponse:
    connection = selectors.warehouse_connection(store=store)
    if connection is None:
        messages.info(request, "Connect your warehouse system first.")
        return redirect(step_url(store, "warehouse"))
    fetched = services.warehouses_fetch(connection=connection, refresh=request.GET.get("refresh") == "1")
    form = LocationForm(
        request.POST or None,
        instance=location or ShippingLocation(store=store),
        store=store,
        options=fetched.warehouses,
    )
    if request.method == "POST" and fetched.ok and form.is_valid():
        data = form.cleaned_data
        saved = services.location_save(
            store=store,
            location=location,
            data={name: data[name] for name in services.LOCATION_FIELDS},
            warehouse=data["warehouse"],
            connection=connection,
            is_default=data["make_default"],
            destinations=form.destinations(),
        )
        messages.success(request, f"Saved {saved.name}, linked to {saved.warehouse_label}.")
        return redirect(step_url(store, "locations"))
    locations = selectors.locations_for_store(store=store)
    context = step_context(
        store,
        "locations",
        form=form,
        location=location,
        connection=connection,
        fetched=fetched,
        locations=locations,
        other_system=[loc.pk for loc in locations if selectors.location_on_other_system(loc, connection)],
    )
    return render(request, template, context, status=422 if request.method == "POST" else 200)


@wizard_view
@requires("location.change")
@require_http_methods(["GET", "POST"])
def locations_step(request: HttpRequest, store: Store) -> HttpResponse:
    """Step 3: the store's shipping locations, each linked to a warehouse from the WMS's live list."""
    return _location_page(request, store, None, "setup/locations.html")


@wizard_view
@requires("location.change")
@require_http_methods(["GET", "POST"])
def location_edit(request: HttpRequest, store: Store, pk: int) -> HttpResponse:
    """Step 3: change one location."""
    location = get_object_or_404(ShippingLocation, pk=pk, store=store)
    return _location_page(request, store, location, "setup/location_edit.html")


# ----------------------------------------------------------------------- step 4: integrations/wizard/rules_views.py


# ----------------------------------------------------------------------------- step 5


@wizard_view
@requires("store.test_return")
@require_http_methods(["GET", "POST"])
def test_step(request: HttpRequest, store: Store) -> HttpResponse:
    """Step 5: send a synthetic return through the real pipeline and watch its timeline."""
    if request.method == "POST":
        try:
            delivery = services.test_return_send(store=store)
        except services.WizardError as exc:
            messages.error(request, exc.message)
            return redirect(step_url(store, "test"))
        return redirect(f"{step_url(store, 'test')}?run={delivery.pk}")
    run = None
    if (run_id := request.GET.get("run", "")).isdigit():
        run = selectors.test_run_get(store=store, delivery_id=int(run_id))
    connection = selectors.returns_platform_connection(store=store)
    warehouse = selectors.warehouse_connection(store=store)
    context = step_context(
        store,
        "test",
        run=run,
        sandbox_enabled=settings.SANDBOX_ENABLED,
        platform=connection,
        # A test RMA is sent to a sandbox warehouse only; aimed at a real one it is planned and shown.
        real_warehouse=warehouse is not None and services.connection_sandbox_account(connection=warehouse) is None,
        warehouse=warehouse,
    )
    return render(request, "setup/test.html", context)


@wizard_view
@requires("store.test_return")
@require_GET
def test_timeline(request: HttpRequest, store: Store, delivery_id: int) -> HttpResponse:
    """The live part of step 5, polled by htmx until the RMA creation entry appears."""
    run = selectors.test_run_get(store=store, delivery_id=delivery_id)
    # 286 tells htmx to stop polling (https://htmx.org/docs/#polling): nothing more will change by itself.
    status = HTMX_STOP_POLLING if run.finished or run.stuck else 200
    return render(request, "setup/_timeline.html", {"store": store, "run": run}, status=status)


# ----------------------------------------------------------------------------- step 6


@wizard_view
@requires("store.go_live")
@require_http_methods(["GET", "POST"])
def live_step(request: HttpRequest, store: Store) -> HttpResponse:
    """Step 6: summary, health, and the Go live button."""
    if request.method == "POST":
        try:
            changed = services.store_go_live(store=store)
        except services.WizardError as exc:
            messages.error(request, exc.message)
        else:
            names = [c.display_name for c in changed]
            if not names:
                messages.info(request, "Everything was already live.")
            else:
                listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
                messages.success(request, f"{listed} {'is' if len(names) == 1 else 'are'} now live.")
        return redirect(step_url(store, "live"))
    context = step_context(
        store,
        "live",
        platform=selectors.returns_platform_connection(store=store),
        warehouse=selectors.warehouse_connection(store=store),
        connections=selectors.connections_in_use(store=store),
        is_live=selectors.store_is_live(store=store),
        locations=selectors.locations_for_store(store=store),
        health=selectors.store_health(store=store),
        blockers=services.store_go_live_blockers(store=store),
        mapping_count=store.sku_mappings.count(),
    )
    return render(request, "setup/live.html", context)
