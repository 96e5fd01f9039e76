"""Orphan receipts in the operations console: the inbox of parcels that matched no RMA (its changelist, open ones
first), and a page per receipt with what arrived, what the matching found, and the two things a person does: link
it to a return (after a confirmation naming the RMA it is applied to) or dismiss it with a reason."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.timesince import timesince

from integrations.access import can
from integrations.admin.common import EXPECTED_ERRORS, UnboundedTableMixin, badge, error_text, truncated
from returns.models import RMA, OrphanReceipt, Return
from returns.selectors import orphan_receipt_choices

STATE_TONES: dict[str, str] = {
    OrphanReceipt.State.OPEN: "warning",
    OrphanReceipt.State.LINKED: "ok",
    OrphanReceipt.State.DISMISSED: "muted",
}


class DismissForm(forms.Form):
    reason = forms.CharField(
        max_length=500,
        strip=True,
        error_messages={"required": "Say why: the reason is kept with the receipt."},
        widget=forms.TextInput(attrs={"size": 70}),
    )


@admin.register(OrphanReceipt)
class OrphanReceiptAdmin(UnboundedTableMixin, admin.ModelAdmin):
    # Six columns fit 1366 px beside the filters: the warehouse is named in the receipt's column, the store on its
    # page (and in the filter).
    list_display = ("receipt", "state_badge", "short_note", "items", "keys", "age")
    list_filter = ("state", "matched_by", "store")
    search_fields = ("=external_id", "=rma_number", "=customer_email", "=return_obj__order_name")
    search_help_text = (
        "The warehouse's id of its return, the RMA number on the box, the customer's email, or the order name of "
        "the return it was linked to (exact)."
    )
    list_select_related = ("store", "warehouse_connection__store")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # receipts come from the warehouses

    def has_change_permission(self, request: HttpRequest, obj: OrphanReceipt | None = None) -> bool:
        return False  # the page is read-only; linking and dismissing are its actions

    def has_delete_permission(self, request: HttpRequest, obj: OrphanReceipt | None = None) -> bool:
        return False

    @admin.display(description="Receipt", ordering="pk")
    def receipt(self, obj: OrphanReceipt) -> str:
        url = reverse("admin:returns_orphanreceipt_change", args=[obj.pk])
        wms = obj.warehouse_connection.display_name
        return format_html('<a href="{}">#{} {}</a> {}', url, obj.pk, obj.external_id or obj.rma_number, wms)

    @admin.display(description="State", ordering="state")
    def state_badge(self, obj: OrphanReceipt) -> str:
        return badge(obj.state, STATE_TONES.get(obj.state, "muted"), title=obj.get_state_display())

    @admin.display(description="Age", ordering="created_at")
    def age(self, obj: OrphanReceipt) -> str:
        return timesince(obj.created_at)

    @admin.display(description="What Backhaul found")
    def short_note(self, obj: OrphanReceipt) -> str:
        return truncated(obj.note, 50)

    @admin.display(description="Items")
    def items(self, obj: OrphanReceipt) -> str:
        lines = obj.lines if isinstance(obj.lines, list) else []
        text = ", ".join(f"{line.get('received') or line.get('expected') or '?'} × {line.get('sku')}" for line in lines)
        return truncated(text, 24)

    @admin.display(description="Tracking / order")
    def keys(self, obj: OrphanReceipt) -> str:
        return truncated(", ".join([*obj.tracking_numbers, *obj.order_refs]), 24)

    # -- the receipt's page and its two actions --

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        return [
            path("<int:object_id>/link/", view(self.link_view), name="returns_orphanreceipt_link"),
            path("<int:object_id>/dismiss/", view(self.dismiss_view), name="returns_orphanreceipt_dismiss"),
            *super().get_urls(),
        ]

    def _receipt(self, request: HttpRequest, object_id: str) -> OrphanReceipt:
        orphan = self.get_object(request, object_id)
        if orphan is None:
            raise Http404("No such orphan receipt.")
        return orphan

    def _context(self, request: HttpRequest, orphan: OrphanReceipt, **extra: Any) -> dict[str, Any]:
        request.current_app = self.admin_site.name
        return {
            **self.admin_site.each_context(request),
            "title": str(orphan),
            "subtitle": None,
            "opts": self.opts,
            "original": orphan,
            "orphan": orphan,
            "page_url": reverse("admin:returns_orphanreceipt_change", args=[orphan.pk]),
            **extra,
        }

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        orphan = self._receipt(request, object_id)
        query = request.GET.get("q", "")[:100]
        context = self._context(
            request,
            orphan,
            query=query,
            choices=orphan_receipt_choices(orphan=orphan, query=query),
            lines=orphan.lines if isinstance(orphan.lines, list) else [],
            state_tone=STATE_TONES.get(orphan.state, "muted"),
            can_link=can(request.user, "orphan_receipt.link") and orphan.state != OrphanReceipt.State.LINKED,
            can_dismiss=can(request.user, "orphan_receipt.dismiss") and orphan.state == OrphanReceipt.State.OPEN,
        )
        return TemplateResponse(request, "admin/returns/orphanreceipt/receipt.html", context)

    def link_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """GET: what linking to this return (its RMA) will do; POST: link it, then back to the receipt."""
        if not can(request.user, "orphan_receipt.link"):
            raise PermissionDenied
        orphan = self._receipt(request, object_id)
        data = request.POST if request.method == "POST" else request.GET
        return_id, rma_id = data.get("return", ""), data.get("rma", "")
        return_obj = (
            Return.objects.filter(pk=int(return_id), store_id=orphan.store_id).first()
            if return_id.isdigit() and len(return_id) < 19
            else None
        )
        if return_obj is None:
            raise Http404("No such return in the receipt's store.")
        rma = RMA.objects.filter(pk=int(rma_id), return_obj=return_obj).first() if rma_id.isdigit() else None
        page_url = reverse("admin:returns_orphanreceipt_change", args=[orphan.pk])
        if request.method == "POST" and request.POST.get("post") == "yes":
            from returns.services.orphans.link import orphan_receipt_link

            try:
                linked = orphan_receipt_link(
                    orphan_id=orphan.pk,
                    return_id=return_obj.pk,
                    rma_id=rma.pk if rma else None,
                    by=request.user.get_username(),
                )
            except EXPECTED_ERRORS as exc:
                self.message_user(request, error_text(exc), messages.ERROR)
                return HttpResponseRedirect(page_url)
            self.message_user(request, f"{linked.note}. The receipt is applied to the return.", messages.SUCCESS)
            return HttpResponseRedirect(reverse("admin:returns_return_change", args=[return_obj.pk]))
        context = self._context(
            request,
            orphan,
            title="Link the receipt to a return",
            question=f"Link {orphan} to {return_obj}{f', RMA {rma.number}' if rma else ''}? What the warehouse "
            "received is applied to that RMA at once, and the return's outcome follows as for any warehouse "
            "event: once.",
            return_obj=return_obj,
            rma=rma,
        )
        return TemplateResponse(request, "admin/returns/orphanreceipt/confirm.html", context)

    def dismiss_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """GET: the reason asked for; POST: dismiss it with that reason (an empty one is refused)."""
        if not can(request.user, "orphan_receipt.dismiss"):
            raise PermissionDenied
        orphan = self._receipt(request, object_id)
        form = DismissForm(request.POST or None)
        page_url = reverse("admin:returns_orphanreceipt_change", args=[orphan.pk])
        if request.method == "POST" and request.POST.get("post") == "yes" and form.is_valid():
            from returns.services.orphans.link import orphan_receipt_dismiss

            try:
                orphan_receipt_dismiss(
                    orphan_id=orphan.pk, reason=form.cleaned_data["reason"], by=request.user.get_username()
                )
            except EXPECTED_ERRORS as exc:
                self.message_user(request, error_text(exc), messages.ERROR)
            else:
                self.message_user(request, f"{orphan} dismissed.", messages.SUCCESS)
            return HttpResponseRedirect(page_url)
        context = self._context(
            request,
            orphan,
            title="Dismiss the receipt",
            question=f"Dismiss {orphan}: it belongs to no return (a return to sender, a stray parcel)? Nothing is "
            "sent anywhere; the reason is kept with it.",
            form=form,
        )
        return TemplateResponse(request, "admin/returns/orphanreceipt/confirm.html", context)
