"""Stores, who belongs to them, and the invites that let people join."""

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils import timezone

from integrations.admin.common import access_permission, action_done_page, confirm_action, run_for_each
from integrations.models import Connection, Store, StoreInvite, StoreMembership
from warehouses.models import ShippingLocation


class InviteForm(forms.Form):
    """What support types when creating a setup invite link."""

    email = forms.EmailField(
        required=False,
        label="Merchant's email",
        help_text="Only this address may use the link (recommended). Blank: whoever has the link.",
    )
    role = forms.ChoiceField(
        choices=StoreMembership.Role.choices,
        initial=StoreMembership.Role.OWNER,
        help_text="An owner sets the store up and manages its members; a member sees returns and retries.",
    )


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
    list_display = ("name", "slug", "processing_mode", "rma_trigger", "is_active", "is_sandbox")
    list_filter = ("processing_mode", "rma_trigger", "is_active", "is_sandbox")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    inlines = (StoreMembershipInline, ConnectionInline, ShippingLocationInline)
    actions = ("create_invite_link",)

    has_invite_permission = access_permission("invite.add")

    def save_model(self, request: HttpRequest, obj: Store, form: forms.ModelForm, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change and set(form.changed_data) & {"aging_arrival_days", "aging_close_days"}:
            from integrations.handlers import store_aging_changed

            store_aging_changed.run(store=obj)  # returns re-times the store's waiting returns

    @admin.action(description="Create a setup invite link for the merchant", permissions=["invite"])
    def create_invite_link(self, request: HttpRequest, queryset: QuerySet[Store]) -> TemplateResponse | None:
        from integrations.services.invites import INVITE_MAX_AGE, invite_create

        form = InviteForm(request.POST if request.POST.get("post") == "yes" else None)
        confirm = confirm_action(
            self,
            request,
            queryset,
            action="create_invite_link",
            title="Create setup invite links",
            question=f"Create a single-use invite link to each store below, valid for {INVITE_MAX_AGE.days} days? "
            "The link is shown once, on the next page: send it to the merchant.",
            form=form,
        )
        if confirm is not None:
            return confirm
        data = form.cleaned_data
        for store in queryset:
            new = invite_create(store=store, created_by=request.user, role=data["role"], email=data["email"])
            bound = f" for {data['email']}" if data["email"] else ""
            # Shown on this response only (action_done_page), never parked in the message cookie.
            self.message_user(
                request,
                f"{store}: {new.url} ({new.invite.get_role_display().lower()}{bound}, single use, valid for "
                f"{INVITE_MAX_AGE.days} days; shown only this once)",
                messages.SUCCESS,
            )
        return action_done_page(self, request, title="Setup invite links")


@admin.register(StoreMembership)
class StoreMembershipAdmin(admin.ModelAdmin):
    list_display = ("store", "user", "role", "created_at")
    list_filter = ("role", "store")
    search_fields = ("store__name", "user__username", "user__email")
    list_select_related = ("store", "user")
    autocomplete_fields = ("store", "user")


@admin.register(StoreInvite)
class StoreInviteAdmin(admin.ModelAdmin):
    """Invites are created by the Store action (or an owner's members page) and revoked here; never edited.
    Only a hash of each link's token is stored, and it is not shown."""

    list_display = ("store", "email", "role", "state", "created_by", "created_at", "expires_at", "accepted_by")
    list_filter = ("role", ("accepted_at", admin.EmptyFieldListFilter), ("revoked_at", admin.EmptyFieldListFilter))
    search_fields = ("store__name", "store__slug", "email")
    list_select_related = ("store", "created_by", "accepted_by")
    fields = (
        "store",
        "role",
        "email",
        "state",
        "created_by",
        "created_at",
        "expires_at",
        "accepted_at",
        "accepted_by",
        "revoked_at",
        "revoked_by",
    )
    readonly_fields = fields
    actions = ("revoke",)

    has_revoke_permission = access_permission("invite.revoke")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # the Store action "Create a setup invite link" creates them (and shows the link once)

    def has_change_permission(self, request: HttpRequest, obj: StoreInvite | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: StoreInvite | None = None) -> bool:
        return False  # revoke instead: the row says who invited whom

    @admin.display(description="State")
    def state(self, obj: StoreInvite) -> str:
        from integrations.services.invites import invite_state

        return invite_state(obj)

    @admin.action(description="Revoke selected invites", permissions=["revoke"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[StoreInvite]) -> TemplateResponse | None:
        confirm = confirm_action(
            self,
            request,
            queryset,
            action="revoke",
            title="Revoke invites",
            question="Revoke these invites? Their links stop working at once; invites already used stay as they are.",
        )
        if confirm is not None:
            return confirm
        from integrations.services.invites import invite_revoke

        open_ones = queryset.filter(accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now())
        run_for_each(self, request, open_ones, lambda i: invite_revoke(invite=i, by=request.user), done="Revoked")
        return None
