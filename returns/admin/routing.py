"""Routing rules in the operations console: per store, in the order they run, edited through
returns/routing_provisioning.py (so the admin refuses what the API and the wizard refuse, with the same words),
with the dry run a button away: "Dry run" on a rule's form replays the store's latest returns through the
rules as they would be with this rule, without saving it; "Dry run" in the list replays the saved rules."""

from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html

from config.api import MAX_ID
from integrations import access
from integrations.models import Store
from returns.models import ReturnMethodChoice, RoutingOutcome, RoutingRule
from returns.routing_dry_run import routing_dry_run
from returns.routing_provisioning import (
    routing_rule_create,
    routing_rule_delete,
    routing_rule_update,
    routing_rules_placed,
)
from returns.routing_rules import CONDITION_FIELDS, rule_conditions_words

TEXT_CONDITIONS = ("sku_patterns", "countries", "regions", "postal_prefixes", "reasons", "order_tags")
LABELS = {
    "sku_patterns": "SKU patterns",
    "countries": "Countries",
    "regions": "Regions",
    "postal_prefixes": "Postal-code prefixes",
    "reasons": "Reasons",
    "order_tags": "Order tags",
}
HELP = {
    "sku_patterns": "Comma-separated wildcards over the platform SKU, without case: TEE-*, CAP-??-RED.",
    "countries": "Comma-separated two-letter codes of the customer's country: US, CA.",
    "regions": "The customer's region, a code or a name: NV, Nevada.",
    "postal_prefixes": "The start of the customer's postal code (spaces and case ignored): 89, SW1A.",
    "reasons": "A reason code, or words of the return reason: damaged, too small.",
    "order_tags": "Tags of the original order: wholesale, vip.",
}


class RoutingRuleForm(forms.ModelForm):
    """A rule's conditions as comma-separated text and checkboxes; the whole list is checked on clean, so an
    error names the rule and the field it is about."""

    position = forms.IntegerField(
        min_value=1, required=False, help_text="1 runs first; the others move to make room. Blank: last."
    )
    return_methods = forms.MultipleChoiceField(
        choices=ReturnMethodChoice.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    outcomes = forms.MultipleChoiceField(
        choices=RoutingOutcome.choices, required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = RoutingRule
        fields = ("store", "name", "location", "position", "match_all", *CONDITION_FIELDS)
        labels = {"match_all": "Every line (a catch-all)"}
        help_texts = {"match_all": "No rule after it can match."}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in TEXT_CONDITIONS:
            self.fields[field] = forms.CharField(
                label=LABELS[field], required=False, help_text=HELP[field], max_length=5000
            )
            if self.instance.pk and not self.is_bound:
                self.initial[field] = ", ".join(getattr(self.instance, field) or [])
        self.fields["return_methods"].label = "Return methods"
        self.fields["outcomes"].label = "Outcomes"
        self.draft_rules: list[RoutingRule] = []

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        store = cleaned.get("store") or (self.instance.store if self.instance.store_id else None)
        location = cleaned.get("location")
        if store is None or self.errors:
            return cleaned
        data: dict[str, Any] = {
            "name": cleaned.get("name", ""),
            "location": location.pk if location else None,
            "match_all": cleaned.get("match_all", False),
            **{field: cleaned.get(field) or [] for field in CONDITION_FIELDS},
        }
        try:
            self.draft_rules, rule = routing_rules_placed(
                store_id=store.pk, data=data, rule_id=self.instance.pk, position=cleaned.get("position")
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                self.add_error(field if field in self.fields else None, errors)
            return cleaned
        for field in CONDITION_FIELDS:  # the values as they will be stored (codes upper-cased, ...)
            cleaned[field] = getattr(rule, field)
        return cleaned


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    form = RoutingRuleForm
    list_display = ("store", "position", "name", "conditions", "location", "dry_run_link")
    list_display_links = ("name",)
    list_filter = ("store",)
    search_fields = ("name", "store__name")
    list_select_related = ("store", "location")
    autocomplete_fields = ("store", "location")
    ordering = ("store__name", "position", "id")
    change_form_template = "admin/returns/routingrule/change_form.html"
    fields = ("store", "name", "location", "position", "match_all", *CONDITION_FIELDS)

    def get_readonly_fields(self, request: HttpRequest, obj: RoutingRule | None = None) -> tuple[str, ...]:
        return ("store",) if obj is not None else ()  # a rule belongs to its store's list

    @admin.display(description="Conditions")
    def conditions(self, obj: RoutingRule) -> str:
        return rule_conditions_words(obj)

    @admin.display(description="Dry run")
    def dry_run_link(self, obj: RoutingRule) -> str:
        url = reverse("admin:returns_routingrule_dry_run") + f"?store={obj.store_id}"
        return format_html('<a href="{}">Dry run of {}\'s rules</a>', url, obj.store.name)

    # -- writes go through the provisioning services ---------------------------------------------------------

    def save_model(self, request: HttpRequest, obj: RoutingRule, form: RoutingRuleForm, change: bool) -> None:
        data = {"name": obj.name, "location": obj.location_id, "match_all": obj.match_all}
        data |= {field: getattr(obj, field) for field in CONDITION_FIELDS}
        position = form.cleaned_data.get("position")
        if change:
            saved = routing_rule_update(rule=obj, data=data, position=position)
        else:
            saved = routing_rule_create(store=obj.store, data=data, position=position)
        # The admin goes on with `obj` (its history entry, the redirect): it becomes the row the service wrote.
        obj.pk, obj.position = saved.pk, saved.position
        obj.created_at, obj.updated_at = saved.created_at, saved.updated_at

    def delete_model(self, request: HttpRequest, obj: RoutingRule) -> None:
        routing_rule_delete(rule=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[RoutingRule]) -> None:
        for rule in queryset.order_by("store_id", "-position"):
            routing_rule_delete(rule=rule)

    # -- the dry run -----------------------------------------------------------------------------------------

    def get_urls(self) -> list[URLPattern]:
        dry_run = path("dry-run/", self.admin_site.admin_view(self.dry_run_view), name="returns_routingrule_dry_run")
        return [dry_run, *super().get_urls()]

    def dry_run_view(self, request: HttpRequest) -> HttpResponse:
        """GET ?store=: the store's saved rules. POST (the rule form's "Dry run" button): the rules as they
        would be with the form's rule; nothing is saved, and the page offers to save it or go back."""
        rule = None
        if request.method == "POST":
            rule_id = _id(request.GET.get("rule", ""))
            rule = get_object_or_404(RoutingRule, pk=rule_id) if rule_id else None
            form_class = self.get_form(request, rule, change=rule is not None)
            form = cast(RoutingRuleForm, form_class(request.POST, instance=rule))
            valid = form.is_valid()
            store = form.cleaned_data.get("store") or (rule.store if rule else None)
            if store is None:
                messages.error(request, "Choose the store first.")
                return HttpResponseRedirect(reverse("admin:returns_routingrule_add"))
            self._dry_run_allowed(request, store)
            errors = [] if valid else [e for errors in form.errors.values() for e in errors]
            report = routing_dry_run(store=store, rules=form.draft_rules) if valid else None
            draft = next((r for r in form.draft_rules if r.pk == (rule.pk if rule else None)), None)
            draft_position = form.draft_rules.index(draft) + 1 if draft is not None else 0
            title = f"Dry run of {store.name}'s rules with “{form.cleaned_data.get('name', '')}”"
            dry_run_of = f"{store.name}'s rules with this one"
            # The form's values, to post to the rule's own page when the person chooses to save it.
            resubmit = [(k, v) for k, values in request.POST.lists() if k != "csrfmiddlewaretoken" for v in values]
            save_url = (
                reverse("admin:returns_routingrule_change", args=[rule.pk])
                if rule
                else reverse("admin:returns_routingrule_add")
            )
        else:
            store_id = _id(request.GET.get("store", ""))
            store = get_object_or_404(Store, pk=store_id) if store_id else None
            if store is None:
                messages.error(request, "Choose a store: the dry run link is on each of its rules.")
                return HttpResponseRedirect(reverse("admin:returns_routingrule_changelist"))
            self._dry_run_allowed(request, store)
            errors, draft, draft_position, resubmit, save_url = [], None, 0, [], ""
            report = routing_dry_run(store=store)
            title = f"Dry run of {store.name}'s saved routing rules"
            dry_run_of = f"{store.name}'s saved rules"
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "dry_run_of": dry_run_of,
            "opts": self.model._meta,
            "store": store,
            "dry_run": report,
            "errors": errors,
            "draft": draft,
            "draft_position": draft_position,
            "draft_words": rule_conditions_words(draft) if draft else "",
            "rules": report.rules if report else [],
            "resubmit": resubmit,
            "save_url": save_url,
            "back_url": reverse("admin:returns_routingrule_changelist") + f"?store__id__exact={store.pk}",
        }
        template = "admin/returns/routingrule/dry_run.html"
        return TemplateResponse(request, template, context, status=422 if errors else 200)

    def _dry_run_allowed(self, request: HttpRequest, store: Store) -> None:
        if not access.can(request.user, "routing_rule.dry_run", store):
            raise PermissionDenied(access.refusal("routing_rule.dry_run"))


def _id(value: str) -> int | None:
    """A primary key from the query string, or None (not a number, or too large for the database)."""
    return int(value) if value.isdigit() and 0 < int(value) <= MAX_ID else None
