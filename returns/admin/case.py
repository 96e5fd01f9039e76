"""Returns, RMAs, their timeline and the per-store rules in the operations console.

A return's page is a read-only case page (its story: header, lines, RMAs, timeline with evidence)
with actions that call services after a confirmation. What came from a platform (returns, lines,
shipments) and what services own (RMA status, number, external id, attempts) is never a form
field; support corrects an RMA's status through an action that records who and why.
"""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html

from integrations.access import can
from integrations.admin.common import (
    EXPECTED_ERRORS,
    UnboundedTableMixin,
    ago,
    badge,
    error_text,
    truncated_text,
)
from returns.admin.common import (
    ACTION_TONES,
    LEVEL_TONES,
    RMA_TONES,
    TIMELINE_LIMIT,
    AgingFilter,
    AttentionFilter,
    kind_label,
    order_url,
    return_attention,
    return_overdue,
)
from returns.grading import return_grade_rows
from returns.models import (
    RMA,
    Return,
)
from returns.routing_words import routing_sentence

# --- Returns: the case page ---------------------------------------------------------------------------


class ReasonForm(forms.Form):
    reason = forms.CharField(
        max_length=300,
        strip=True,
        error_messages={"required": "Say why: the reason is kept on the return's timeline."},
        widget=forms.TextInput(attrs={"size": 70}),
    )


class StatusCorrectionForm(ReasonForm):
    status = forms.ChoiceField(choices=[(s.value, s.label) for s in RMA.Status if s != RMA.Status.PENDING])
    field_order = ("status", "reason")  # what to set, then why


# Case actions: what the confirmation says will happen. Per-RMA ones take ?rma=<id>.
CASE_ACTIONS: dict[str, dict[str, Any]] = {
    "replan": {
        "access": "return.replan",
        "title": "Re-plan RMAs",
        "question": "Plan the RMAs this return still needs, with today's shipping locations, SKU mappings and "
        "rules? Lines already on a live RMA are skipped; each new RMA is pushed to its warehouse at once.",
    },
    "retry_platform_action": {
        "access": "return.platform_action_retry",
        "title": "Retry the platform action",
        "question": "Queue the failed platform action (process or flag) again? A worker calls the returns "
        "platform; calls that already succeeded are not repeated.",
    },
    "resync": {
        "access": "return.resync",
        "title": "Resync from the platform",
        "question": "Ask the returns platform for the returns changed since this connection's last sync and "
        "apply them like webhooks (this return too, when it changed)? A worker does it in the background.",
    },
    "retry_push": {
        "access": "rma.retry",
        "title": "Retry the push",
        "rma": True,
        "question": "Push this RMA to its warehouse again with a fresh attempt budget (or retry its cancel "
        "when the warehouse already has it)?",
    },
    "cancel_rma": {
        "access": "rma.cancel",
        "title": "Cancel the RMA",
        "rma": True,
        "reason": True,
        "question": "Cancel this RMA? It is cancelled in the warehouse system too where that system supports "
        "cancelling; otherwise it is flagged for support to cancel there.",
    },
    "correct_status": {
        "access": "rma.correct_status",
        "title": "Correct the RMA's status",
        "rma": True,
        "reason": True,
        "question": "Set this RMA's status by hand? Nothing is sent to the warehouse; your name and reason are "
        "kept on the timeline. When every RMA is then resolved, the platform action is decided.",
    },
}


@admin.register(Return)
class ReturnAdmin(UnboundedTableMixin, admin.ModelAdmin):
    # What fits beside the navigation sidebar at 1366 px; the platform is a filter and on the case page.
    list_display = ("external_id", "attention", "rma_statuses", "platform_action_badge", "order_and_store", "received")
    list_filter = ("platform_action", AttentionFilter, AgingFilter, "platform", "is_test", "store")
    # Exact matches: these are ids people paste; a substring search would scan every return.
    search_fields = ("=external_id", "=order_name", "=order_number", "=platform_order_id", "=customer_email")
    search_help_text = "The platform's return id, the order name or number, or the customer's email (exact)."
    list_select_related = ("store",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Return]:
        rmas = RMA.objects.select_related(None).only("id", "return_obj_id", "number", "status").order_by("number")
        return super().get_queryset(request).prefetch_related(Prefetch("rmas", queryset=rmas))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # returns come from the platforms

    def has_change_permission(self, request: HttpRequest, obj: Return | None = None) -> bool:
        return False  # the case page is read-only; changes are its actions

    def has_delete_permission(self, request: HttpRequest, obj: Return | None = None) -> bool:
        return False

    def case_actions_allowed(self, request: HttpRequest) -> set[str]:
        """The case actions this user may run (integrations.access: the API asks the same for retry and cancel)."""
        return {name for name, spec in CASE_ACTIONS.items() if can(request.user, spec["access"])}

    @admin.display(description="Needs attention")
    def attention(self, obj: Return) -> str:
        text = return_attention(obj, list(obj.rmas.all()))
        shown = badge(truncated_text(text, 60), "error", title=text, wrap=True) if text else ""
        overdue = return_overdue(obj, timezone.now())
        if overdue:
            shown = format_html("{} {}", shown, badge("overdue", "warning", title=overdue))
        return shown

    @admin.display(description="Order · store", ordering="order_name")
    def order_and_store(self, obj: Return) -> str:
        order = obj.order_name or obj.order_number or "—"
        return format_html('{}<br><span class="bh-muted">{} · {}</span>', order, obj.store, obj.state or "—")

    @admin.display(description="Received", ordering="created_at")
    def received(self, obj: Return) -> str:
        return ago(obj.created_at)

    @admin.display(description="RMAs")
    def rma_statuses(self, obj: Return) -> str:
        rmas = list(obj.rmas.all())
        if not rmas:
            return "—"
        return format_html(
            " ".join(["{}"] * len(rmas)),
            *(badge(r.number, RMA_TONES.get(r.status, "muted"), title=r.get_status_display()) for r in rmas),
        )

    @admin.display(description="Platform action", ordering="platform_action")
    def platform_action_badge(self, obj: Return) -> str:
        if not obj.platform_action:
            return "—"
        return badge(obj.get_platform_action_display(), ACTION_TONES.get(obj.platform_action, "muted"))

    # -- the case page --

    def get_urls(self) -> list[URLPattern]:
        custom = [
            path(
                "<int:object_id>/case-action/<slug:action>/",
                self.admin_site.admin_view(self.case_action_view),
                name="returns_return_case_action",
            )
        ]
        return custom + super().get_urls()

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        return_obj = self.get_object(request, object_id)
        if return_obj is None:
            raise Http404("No such return.")
        return TemplateResponse(request, "admin/returns/return/case.html", self.case_context(request, return_obj))

    def case_context(self, request: HttpRequest, return_obj: Return) -> dict[str, Any]:
        rmas = list(
            # Not return_obj.rmas: the changelist's queryset prefetched a slim version of them.
            RMA.objects.filter(return_obj=return_obj)
            .select_related("warehouse_connection__store", "location")
            .order_by("number", "id")
        )
        timeline = list(return_obj.timeline.select_related("rma").order_by("-created_at", "-id")[:TIMELINE_LIMIT])
        timeline.reverse()
        for event in timeline:
            event.label = kind_label(event.kind)  # type: ignore[attr-defined]
            event.tone = LEVEL_TONES.get(event.level, "muted")  # type: ignore[attr-defined]
        for rma in rmas:
            rma.tone = RMA_TONES.get(rma.status, "muted")  # type: ignore[attr-defined]
            rma.why = routing_sentence(reason=rma.routing_reason, routing=rma.routing)  # type: ignore[attr-defined]
        request.current_app = self.admin_site.name
        platform_action_state = Return.PlatformActionStatus
        lines = list(return_obj.lines.order_by("id"))
        return {
            **self.admin_site.each_context(request),
            "title": str(return_obj),
            "subtitle": None,
            "opts": self.opts,
            "original": return_obj,
            "return_obj": return_obj,
            "order_url": order_url(return_obj),
            "lines": lines,
            "grades": return_grade_rows(return_obj, lines),
            "shipments": list(return_obj.shipments.order_by("id")),
            "rmas": rmas,
            "timeline": timeline,
            "timeline_more": return_obj.timeline.count() > TIMELINE_LIMIT,
            "attention": return_attention(return_obj, rmas),
            "overdue": return_overdue(return_obj, timezone.now()),
            "orphan_receipts": list(return_obj.orphan_receipts.order_by("pk")),
            "can_act": self.case_actions_allowed(request),
            "platform_action_failed": return_obj.platform_action == platform_action_state.FAILED,
            "platform_action_tone": ACTION_TONES.get(return_obj.platform_action, "muted"),
            "has_connection": return_obj.connection_id is not None,
            "retryable": (RMA.Status.FAILED, RMA.Status.NEEDS_ATTENTION, RMA.Status.PENDING),
        }

    def case_action_view(self, request: HttpRequest, object_id: int, action: str) -> HttpResponse:
        """GET: a confirmation saying what will happen; POST: the service call, then back to the case page."""
        spec = CASE_ACTIONS.get(action)
        if spec is None:
            raise Http404("No such action.")
        if not can(request.user, spec["access"]):
            raise PermissionDenied
        return_obj = self.get_object(request, str(object_id))
        if return_obj is None:
            raise Http404("No such return.")
        rma = None
        if spec.get("rma"):
            rma_id = request.GET.get("rma") or request.POST.get("rma") or ""
            rmas = RMA.objects.filter(return_obj=return_obj)
            rma = rmas.filter(pk=int(rma_id)).first() if rma_id.isdigit() else None
            if rma is None:
                raise Http404("No such RMA on this return.")
        case_url = reverse("admin:returns_return_change", args=[return_obj.pk])
        form: forms.Form | None = None
        if action == "correct_status":
            form = StatusCorrectionForm(request.POST or None)
        elif spec.get("reason"):
            form = ReasonForm(request.POST or None)
        if request.method == "POST" and request.POST.get("post") == "yes" and (form is None or form.is_valid()):
            data = form.cleaned_data if form is not None else {}
            try:
                message = self._run_case_action(request, action, return_obj, rma, data)
            except EXPECTED_ERRORS as exc:
                self.message_user(request, error_text(exc), messages.ERROR)
            else:
                self.message_user(request, message, messages.SUCCESS)
            return HttpResponseRedirect(case_url)
        request.current_app = self.admin_site.name
        context = {
            **self.admin_site.each_context(request),
            "title": spec["title"],
            "question": spec["question"],
            "objects": [rma or return_obj],
            "pks": [],
            "count": 1,
            "opts": (RMA if rma else Return)._meta,
            "action": "",
            "case_url": case_url,
            "return_obj": return_obj,
            "rma": rma,
            "form": form,
        }
        return TemplateResponse(request, "admin/returns/return/case_action.html", context)

    def _run_case_action(
        self, request: HttpRequest, action: str, return_obj: Return, rma: RMA | None, data: dict[str, Any]
    ) -> str:
        from returns.services import support
        from returns.services.rmas.support import rma_cancel, rma_retry

        by = request.user.get_username()
        if action == "replan":
            created = support.return_rmas_replan(return_id=return_obj.pk, by=by)
            return f"Planned {len(created)} new RMA(s)." if created else "Every line already has an RMA."
        if action == "retry_platform_action":
            support.return_platform_action_retry(return_id=return_obj.pk, by=by)
            return "The platform action is queued again."
        if action == "resync":
            support.return_resync(return_id=return_obj.pk, by=by)
            return "Resync queued: a worker asks the platform for its changes."
        if rma is None:  # case_action_view resolved it for every per-RMA action
            raise Http404("No such RMA on this return.")
        if action == "retry_push":
            rma_retry(rma_id=rma.pk, by=by)
            return f"RMA {rma.number} queued for another push."
        if action == "cancel_rma":
            rma_cancel(rma_id=rma.pk, reason=f"{data['reason']} ({by})", by=by)
            return f"RMA {rma.number}: cancel requested."
        support.rma_status_correct(rma_id=rma.pk, status=data["status"], reason=data["reason"], by=by)
        return f"RMA {rma.number}: status corrected."
