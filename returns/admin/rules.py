"""The per-store rules support edits: disposition rules and status mappings."""

from django.contrib import admin

from returns.models import (
    DispositionRule,
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
