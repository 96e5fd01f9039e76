"""What store members were (or will be) emailed about."""

from django.contrib import admin

from integrations.admin.common import ReadOnlyMixin, UnboundedTableMixin, truncated
from integrations.models import Notification


@admin.register(Notification)
class NotificationAdmin(UnboundedTableMixin, ReadOnlyMixin, admin.ModelAdmin):
    """Sent in hourly digests per store and kind; written by services only."""

    list_display = ("created_at", "kind", "short_message", "store", "sent_at")
    list_filter = ("kind", ("sent_at", admin.EmptyFieldListFilter))
    search_fields = ("=store__name", "^message")
    list_select_related = ("store",)
    fields = ("store", "kind", "message", "link", "sent_at", "created_at")
    readonly_fields = fields

    @admin.display(description="Message")
    def short_message(self, obj: Notification) -> str:
        return truncated(obj.message, 90)
