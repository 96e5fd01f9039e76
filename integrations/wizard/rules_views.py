"""Step 4, Rules: processing mode, RMA trigger, default instructions, routing rules with their dry run, and the
SKU mapping CSV. Thin views: reads from selectors and returns' read modules, writes through services
(integrations/wizard/services, returns/routing_provisioning.py).

Routing rules are saved one at a time; "Dry run" on the rule form replays the store's last returns through the
rules as they would be with that rule (returns/routing_dry_run.py), saving and sending nothing, and the page
keeps what was typed. A refusal (a rule without a condition, one after a catch-all, ...) shows on its field.
"""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from integrations.models import Store
from integrations.wizard import selectors, services
from integrations.wizard.forms import RulesForm, SkuUploadForm
from integrations.wizard.routing_forms import RoutingRuleForm
from integrations.wizard.views import requires, step_context, step_url, wizard_view
from returns.models import RoutingRule
from returns.routing_dry_run import RoutingDryRun, routing_dry_run
from returns.routing_provisioning import (
    routing_rule_create,
    routing_rule_delete,
    routing_rule_move,
    routing_rule_update,
    routing_rules_placed,
)
from returns.routing_rules import rule_conditions_words
from returns.selectors import routing_rules_for_store


def _routing_url(store: Store) -> str:
    return step_url(store, "rules") + "#routing"


def _rules_page(
    request: HttpRequest,
    store: Store,
    *,
    status: int = 200,
    rules_form: RulesForm | None = None,
    upload_form: SkuUploadForm | None = None,
    rule_form: RoutingRuleForm | None = None,
    editing: RoutingRule | None = None,
    dry_run: RoutingDryRun | None = None,
    dry_run_of: str = "",
    **extra: Any,
) -> HttpResponse:
    initial = {
        "processing_mode": store.processing_mode,
        "rma_trigger": store.rma_trigger,
        "default_instructions": store.default_instructions,
    }
    rules = routing_rules_for_store(store_id=store.pk)
    context = step_context(
        store,
        "rules",
        rules_form=rules_form or RulesForm(initial=initial),
        upload_form=upload_form or SkuUploadForm(),
        mapping_count=store.sku_mappings.count(),
        routing_rules=[(rule, rule_conditions_words(rule)) for rule in rules],
        rule_form=rule_form or RoutingRuleForm(store=store),
        editing=editing,
        rule_form_url=(
            reverse("setup:routing_rule_edit", kwargs={"slug": store.slug, "pk": editing.pk})
            if editing
            else reverse("setup:routing_rule_add", kwargs={"slug": store.slug})
        ),
        default_location=next((loc for loc in selectors.locations_for_store(store=store) if loc.is_default), None),
        dry_run=dry_run,
        dry_run_of=dry_run_of,
        **extra,
    )
    return render(request, "setup/rules.html", context, status=status)


@wizard_view
@requires("store.change")
@require_http_methods(["GET", "POST"])
def rules_step(request: HttpRequest, store: Store) -> HttpResponse:
    """Step 4: processing mode, RMA trigger, default instructions, SKU mappings from a CSV (routing rules below)."""
    if request.method == "POST" and request.POST.get("action") == "skus":
        upload_form = SkuUploadForm(request.POST, request.FILES)
        imported, import_error = None, ""
        if upload_form.is_valid():
            try:
                imported = services.sku_mappings_import(store=store, upload=upload_form.cleaned_data["file"])
            except services.WizardError as exc:
                import_error = exc.message
        status = 200 if imported is not None else 422
        return _rules_page(
            request, store, status=status, upload_form=upload_form, imported=imported, import_error=import_error
        )
    if request.method == "POST":
        rules_form = RulesForm(request.POST)
        if rules_form.is_valid():
            services.store_rules_save(store=store, **rules_form.cleaned_data)
            messages.success(request, "Rules saved.")
            return redirect(step_url(store, "test"))
        return _rules_page(request, store, status=422, rules_form=rules_form)
    return _rules_page(request, store)


def _rule_form_post(request: HttpRequest, store: Store, rule: RoutingRule | None) -> HttpResponse:
    """Save the rule form, or (action "dry_run") replay the store's returns through the rules as they would be
    with it, saving nothing."""
    form = RoutingRuleForm(request.POST, store=store, rule=rule)
    if not form.is_valid():
        return _rules_page(request, store, status=422, rule_form=form, editing=rule)
    data, position = form.data_for_service(), form.cleaned_data.get("position")
    try:
        if request.POST.get("action") == "dry_run":
            rules, draft = routing_rules_placed(
                store_id=store.pk, data=data, rule_id=rule.pk if rule else None, position=position
            )
            report = routing_dry_run(store=store, rules=rules)
            of = f"your rules with rule {rules.index(draft) + 1} “{draft.name}”"
            return _rules_page(request, store, rule_form=form, editing=rule, dry_run=report, dry_run_of=of)
        if rule is None:
            saved = routing_rule_create(store=store, data=data, position=position)
        else:
            saved = routing_rule_update(rule=rule, data=data, position=position)
    except ValidationError as exc:
        form.refuse(exc)
        return _rules_page(request, store, status=422, rule_form=form, editing=rule)
    messages.success(request, f"Saved rule {saved.position} “{saved.name}”: {rule_conditions_words(saved)}.")
    return redirect(_routing_url(store))


@wizard_view
@requires("routing_rule.add")
@require_POST
def routing_rule_add(request: HttpRequest, store: Store) -> HttpResponse:
    """Add a routing rule, or dry-run the rules with it."""
    return _rule_form_post(request, store, None)


@wizard_view
@requires("routing_rule.change")
@require_http_methods(["GET", "POST"])
def routing_rule_edit(request: HttpRequest, store: Store, pk: int) -> HttpResponse:
    """The Rules step with one routing rule in the form, to change it (or dry-run the change)."""
    rule = get_object_or_404(RoutingRule.objects.select_related("location"), pk=pk, store=store)
    if request.method == "POST":
        return _rule_form_post(request, store, rule)
    return _rules_page(request, store, rule_form=RoutingRuleForm(store=store, rule=rule), editing=rule)


@wizard_view
@requires("routing_rule.change")
@require_POST
def routing_rule_move_view(request: HttpRequest, store: Store, pk: int) -> HttpResponse:
    """Move a rule one place up or down; refused (with why) when it would leave a rule that can never match."""
    rule = get_object_or_404(RoutingRule, pk=pk, store=store)
    step = -1 if request.POST.get("direction") == "up" else 1
    try:
        moved = routing_rule_move(rule=rule, position=max(rule.position + step, 1))
    except ValidationError as exc:
        messages.error(request, " ".join(line for lines in exc.message_dict.values() for line in lines))
    else:
        messages.success(request, f"“{moved.name}” is now rule {moved.position}.")
    return redirect(_routing_url(store))


@wizard_view
@requires("routing_rule.delete")
@require_POST
def routing_rule_delete_view(request: HttpRequest, store: Store, pk: int) -> HttpResponse:
    """Delete a routing rule; the ones after it move up."""
    rule = get_object_or_404(RoutingRule, pk=pk, store=store)
    routing_rule_delete(rule=rule)
    messages.success(request, f"Deleted rule “{rule.name}”.")
    return redirect(_routing_url(store))


@wizard_view
@requires("store.change")  # the Rules step is the owners' page; members run dry runs through the API
@require_POST
def routing_dry_run_saved(request: HttpRequest, store: Store) -> HttpResponse:
    """The dry run of the saved rules (what they would have done to the last returns, which may predate them)."""
    return _rules_page(request, store, dry_run=routing_dry_run(store=store), dry_run_of="your saved rules")
