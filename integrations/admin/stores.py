"""Stores and who belongs to them."""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from integrations.models import Connection, Store, StoreMembership
from warehouses.models import ShippingLocation


class StoreMembershipInline(admin.TabularInline):
    model = StoreMembership
    extra = 0
    autocomplete_fields = ("user",)


class ConnectionInline(admin.TabularInline):
    """A summary only: credentials and health are on the connection's own page."""

    model = Connection
    extra = 0
    fields = ("role", "provider", "wms_name", "name", "status")
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class ShippingLocationInline(admin.TabularInline):
    model = ShippingLocation
    extra = 0
    fields = ("name", "warehouse_connection", "trackstar_warehouse_id", "wms_warehouse_code", "is_default")
    raw_id_fields = ("warehouse_connection",)
    show_change_link = True


@admin.register(Store)
class StoreAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "processing_mode", "rma_trigger", "is_active", "is_sandbox", "created_at")
    list_filter = ("processing_mode", "rma_trigger", "is_active", "is_sandbox")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    inlines = (StoreMembershipInline, ConnectionInline, ShippingLocationInline)
    actions = ("create_invite_link",)

    @admin.action(description="Create a setup invite link for the merchant")
    def create_invite_link(self, request: HttpRequest, queryset: QuerySet[Store]) -> None:
        from integrations.services.invites import INVITE_MAX_AGE, invite_create

        days = INVITE_MAX_AGE.days
        for store in queryset:
            url = invite_create(store=store, created_by=request.user)
            self.message_user(request, f"{store}: {url} (valid for {days} days)", messages.SUCCESS)


@admin.register(StoreMembership)
class StoreMembershipAdmin(admin.ModelAdmin):
    list_display = ("store", "user", "role", "created_at")
    list_filter = ("role", "store")
    search_fields = ("store__name", "user__username", "user__email")
    list_select_related = ("store", "user")
    autocomplete_fields = ("store", "user")
