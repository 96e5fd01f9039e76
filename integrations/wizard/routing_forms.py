"""The Rules step's routing rule form: a rule's name, the shipping location it sends lines to, where it goes in
the list, and its conditions (comma-separated values, or boxes to tick). What a value may be, and what makes a
rule wrong, is returns/routing_provisioning.py's to say: its refusals land on the fields they are about."""

from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError

from integrations.models import Store
from integrations.wizard.forms import AccessibleFormMixin
from returns.models import ReturnMethodChoice, RoutingOutcome, RoutingRule
from returns.routing_rules import CONDITION_FIELDS
from warehouses.models import ShippingLocation

TEXT_CONDITIONS = {
    "sku_patterns": ("SKU patterns", "Comma-separated; * stands for anything, ? for one character: TEE-*, CAP-??-RED."),
    "countries": ("Customer's country", "Two-letter codes, comma-separated: US, CA."),
    "regions": ("Customer's state or region", "Codes or names, comma-separated: NV, CA, Ontario."),
    "postal_prefixes": ("Customer's postal code starts with", "Comma-separated; spaces and case ignored: 89, SW1A."),
    "reasons": ("Return reason", "A reason code, or words of the reason, comma-separated: damaged, too small."),
    "order_tags": ("Order tag", "Tags of the original order, comma-separated: wholesale, vip."),
}


def _text(label: str, help_text: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        help_text=help_text,
        required=False,
        max_length=5000,
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "off"}),
    )


class RoutingRuleForm(AccessibleFormMixin, forms.Form):
    """One rule, new or changed. `data_for_service()` is what routing_provisioning takes."""

    name = forms.CharField(label="Rule name", max_length=100, help_text="Shown on each RMA it routes: “West coast”.")
    location = forms.TypedChoiceField(label="Send matching items to", coerce=int)
    position = forms.IntegerField(
        label="Position",
        required=False,
        min_value=1,
        help_text="1 runs first. Leave blank to add it after your other rules.",
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    match_all = forms.BooleanField(label="Every item (a catch-all: no rule after it can match)", required=False)
    sku_patterns = _text(*TEXT_CONDITIONS["sku_patterns"])
    countries = _text(*TEXT_CONDITIONS["countries"])
    regions = _text(*TEXT_CONDITIONS["regions"])
    postal_prefixes = _text(*TEXT_CONDITIONS["postal_prefixes"])
    reasons = _text(*TEXT_CONDITIONS["reasons"])
    return_methods = forms.MultipleChoiceField(
        label="Return method", choices=ReturnMethodChoice.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    order_tags = _text(*TEXT_CONDITIONS["order_tags"])
    outcomes = forms.MultipleChoiceField(
        label="The shopper chose", choices=RoutingOutcome.choices, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, store: Store, rule: RoutingRule | None = None, **kwargs: Any) -> None:
        if rule is not None and "initial" not in kwargs:
            kwargs["initial"] = self.initial_for(rule)
        super().__init__(*args, **kwargs)
        self.store = store
        self.rule = rule
        locations = ShippingLocation.objects.filter(store=store, warehouse_connection__isnull=False).order_by("name")
        cast(forms.ChoiceField, self.fields["location"]).choices = [("", "Choose a shipping location")] + [
            (loc.pk, f"{loc.name} ({loc.warehouse_label})") for loc in locations
        ]

    @staticmethod
    def initial_for(rule: RoutingRule) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "name": rule.name,
            "location": rule.location_id,
            "position": rule.position,
            "match_all": rule.match_all,
            "return_methods": rule.return_methods,
            "outcomes": rule.outcomes,
        }
        initial |= {field: ", ".join(getattr(rule, field) or []) for field in TEXT_CONDITIONS}
        return initial

    def data_for_service(self) -> dict[str, Any]:
        data = self.cleaned_data
        values = {field: data.get(field) or [] for field in CONDITION_FIELDS}
        return {"name": data["name"], "location": data["location"], "match_all": data["match_all"], **values}

    def refuse(self, exc: ValidationError) -> None:
        """Put a service's refusal on the fields it names (the others above the form)."""
        for field, errors in exc.message_dict.items():
            self.add_error(field if field in self.fields else None, errors)
