"""What came from a platform or a service, read-only: a return's lines and labels, and the timeline."""

from django.contrib import admin

from integrations.admin.common import (
    ReadOnlyMixin,
    UnboundedTableMixin,
    badge,
    truncated,
)
from returns.admin.common import (
    LEVEL_TONES,
    kind_label,
)
from returns.models import (
    ReturnLine,
    ReturnShipment,
    TimelineEvent,
)


@admin.register(ReturnLine)
class ReturnLineAdmin(UnboundedTableMixin, ReadOnlyMixin, admin.ModelAdmin):
    """Lines come from the platform: shown, never edited (the case page shows them in context)."""

    list_display = ("sku", "quantity", "return_obj", "short_reason", "outcome", "processing_instruction")
    list_filter = ("processing_instruction",)
    search_fields = ("=sku", "=return_obj__external_id", "=return_obj__order_name")
    list_select_related = ("return_obj",)

    @admin.display(description="Reason")
    def short_reason(self, obj: ReturnLine) -> str:
        return truncated(obj.reason, 50)


@admin.register(ReturnShipment)
class ReturnShipmentAdmin(UnboundedTableMixin, ReadOnlyMixin, admin.ModelAdmin):
    """Labels and parcels come from the platform: shown, never edited."""

    list_display = ("shipment_key", "carrier", "tracking_number", "status", "cancelled", "return_obj")
    list_filter = ("cancelled",)
    search_fields = ("=shipment_key", "=tracking_number", "=return_obj__external_id", "=return_obj__order_name")
    list_select_related = ("return_obj",)


@admin.register(TimelineEvent)
class TimelineEventAdmin(UnboundedTableMixin, ReadOnlyMixin, admin.ModelAdmin):
    """Append-only by design: services write it, nobody edits or deletes it."""

    list_display = ("created_at", "level_badge", "label", "short_message", "return_obj", "rma")
    list_filter = ("level", ("created_at", admin.DateFieldListFilter))
    search_fields = ("=kind", "=return_obj__external_id", "=return_obj__order_name", "=rma__number")
    search_help_text = "A kind code (rma_planned), the platform's return id, the order name or an RMA number."
    list_select_related = ("return_obj", "rma")

    @admin.display(description="Level", ordering="level")
    def level_badge(self, obj: TimelineEvent) -> str:
        return badge(obj.get_level_display(), LEVEL_TONES.get(obj.level, "muted"))

    @admin.display(description="What", ordering="kind")
    def label(self, obj: TimelineEvent) -> str:
        return kind_label(obj.kind)

    @admin.display(description="Message")
    def short_message(self, obj: TimelineEvent) -> str:
        return truncated(obj.message, 80)
