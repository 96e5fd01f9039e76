"""The per-store rules support edits: disposition rules, status mappings and grade mappings."""

from django import forms
from django.contrib import admin

from integrations.declarations import Role
from integrations.registry import provider_choices
from returns.models import (
    DispositionRule,
    GradeMapping,
    StatusMapping,
)


@admin.register(DispositionRule)
class DispositionRuleAdmin(admin.ModelAdmin):
    list_display = (
        "store",
        "priority",
        "match_reason",
        "match_reason_code",
        "match_outcome",
        "match_sku",
        "instruction",
    )
    list_filter = ("instruction", "store")
    search_fields = ("store__name", "match_reason", "match_reason_code", "match_sku", "note")
    list_select_related = ("store",)
    autocomplete_fields = ("store",)


@admin.register(StatusMapping)
class StatusMappingAdmin(admin.ModelAdmin):
    list_display = ("store", "outcome", "action", "note_template")
    list_filter = ("outcome", "action", "store")
    search_fields = ("store__name", "note_template")
    list_select_related = ("store",)
    autocomplete_fields = ("store",)


class GradeMappingForm(forms.ModelForm):
    warehouse = forms.ChoiceField(choices=provider_choices(role=Role.WAREHOUSE), label="Warehouse system")

    class Meta:
        model = GradeMapping
        fields = ("store", "warehouse", "kind", "word", "condition_category", "disposition_outcome")


@admin.register(GradeMapping)
class GradeMappingAdmin(admin.ModelAdmin):
    """A warehouse's grading word → the platform's words; every store starts from its warehouse's defaults."""

    form = GradeMappingForm
    list_display = ("store", "warehouse", "kind", "word", "condition_category", "disposition_outcome")
    list_filter = ("warehouse", "kind", "disposition_outcome", "store")
    search_fields = ("store__name", "word", "condition_category")
    list_select_related = ("store",)
    autocomplete_fields = ("store",)
