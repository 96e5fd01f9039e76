"""Returns, RMAs, their timeline and the per-store rules in the operations console.

A return's page is a read-only case page (its story: header, lines, RMAs, timeline with evidence)
with actions that call services after a confirmation. What came from a platform (returns, lines,
shipments) and what services own (RMA status, number, external id, attempts) is never a form
field; support corrects an RMA's status through an action that records who and why.
"""

from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.timesince import timesince

from integrations.access import can
from integrations.admin.common import (
    EXPECTED_ERRORS,
    ReadOnlyMixin,
    ServiceOwnedInline,
    UnboundedTableMixin,
    access_permission,
    badge,
    confirm_action,
    error_text,
    run_for_each,
    truncated,
    truncated_text,
)
from integrations.models import ApiCall
from integrations.registry import get_declaration
from returns.models import (
    RMA,
    DispositionRule,
    Return,
    ReturnLine,
    ReturnShipment,
    RMALine,
    RmaNumberSequence,
    StatusMapping,
    TimelineEvent,
)

RMA_TONES: dict[str, str] = {
    RMA.Status.PENDING: "info",
    RMA.Status.SUBMITTED: "ok",
    RMA.Status.IN_TRANSIT: "ok",
    RMA.Status.RECEIVING: "ok",
    RMA.Status.RECEIVED: "ok",
    RMA.Status.CANCELLED: "muted",
    RMA.Status.NEEDS_ATTENTION: "warning",
    RMA.Status.FAILED: "error",
}
ACTION_TONES: dict[str, str] = {
    Return.PlatformActionStatus.FAILED: "error",
    Return.PlatformActionStatus.PROCESSED: "ok",
    Return.PlatformActionStatus.FLAGGED: "warning",
    Return.PlatformActionStatus.PROCESS_QUEUED: "info",
    Return.PlatformActionStatus.FLAG_QUEUED: "info",
}
LEVEL_TONES: dict[str, str] = {"info": "info", "success": "ok", "warning": "warning", "error": "error"}
ATTENTION_RMA = (RMA.Status.NEEDS_ATTENTION, RMA.Status.FAILED)
# Words that are acronyms in a timeline kind ("rma_planned" → "RMA planned").
ACRONYMS = {"rma": "RMA", "rmas": "RMAs", "api": "API", "wms": "WMS", "sku": "SKU", "skus": "SKUs"}
TIMELINE_LIMIT = 200


def kind_label(kind: str) -> str:
    """A timeline code in words: `rma_planned` → "RMA planned", `platform_action_failed` → "Platform action failed"."""
    words = [w for w in kind.replace(".", "_").replace("-", "_").split("_") if w]
    if not words:
        return kind
    spelled = [ACRONYMS.get(w.lower(), w.lower()) for w in words]
    first = spelled[0]
    spelled[0] = first if first in ACRONYMS.values() else first.capitalize()
    return " ".join(spelled)


def return_attention(return_obj: Return, rmas: list[RMA]) -> str:
    """What on this return needs support, in a few words ("" when nothing does)."""
    problems = []
    bad = [r for r in rmas if r.status in ATTENTION_RMA]
    if bad:
        problems.append(", ".join(f"RMA {r.number} {r.get_status_display().lower()}" for r in bad))
    if return_obj.platform_action == Return.PlatformActionStatus.FAILED:
        problems.append("platform action failed")
    return "; ".join(problems)


def order_url(return_obj: Return) -> str:
    """The platform's page of the return, where its declaration names one (no provider branch here)."""
    template = get_declaration(return_obj.platform).return_admin_url
    return template.format(external_id=return_obj.external_id) if template else ""


# --- Filters --------------------------------------------------------------------------------------


class AttentionFilter(admin.SimpleListFilter):
    """Returns support should look at (the overview's counters link here)."""

    title = "needs attention"
    parameter_name = "attention"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [
            ("any", "Anything"),
            ("rma", "An RMA needs attention or failed"),
            ("platform", "Platform action failed"),
            ("no_rma", "No RMA yet"),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Return]) -> QuerySet[Return]:
        value = self.value()
        # IN over an uncorrelated subquery: PostgreSQL reads the few RMAs in these states once through the
        # status index and hashes them. A correlated EXISTS inside an OR was planned as a per-return
        # subplan on fresh statistics and took minutes at 100k rows.
        rma_problem = Q(pk__in=RMA.objects.filter(status__in=ATTENTION_RMA).values("return_obj_id"))
        platform_problem = Q(platform_action=Return.PlatformActionStatus.FAILED)
        if value == "any":
            return queryset.filter(rma_problem | platform_problem)
        if value == "rma":
            return queryset.filter(rma_problem)
        if value == "platform":
            return queryset.filter(platform_problem)
        if value == "no_rma":
            return queryset.filter(~Exists(RMA.objects.filter(return_obj=OuterRef("pk"))))
        return queryset


class RmaAttentionFilter(admin.SimpleListFilter):
    """RMA states support acts on, including pending for too long (the overview's counters link here)."""

    title = "attention"
    parameter_name = "attention"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [
            ("needs_attention", "Needs attention or failed"),
            ("stale_pending", "Pending for more than 5 minutes"),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[RMA]) -> QuerySet[RMA]:
        if self.value() == "needs_attention":
            return queryset.filter(status__in=ATTENTION_RMA)
        if self.value() == "stale_pending":
            cutoff = timezone.now() - timedelta(minutes=5)
            return queryset.filter(status=RMA.Status.PENDING, created_at__lt=cutoff)
        return queryset


# --- Inlines (on pages other than the case page) ---------------------------------------------------


class RMALineInline(ServiceOwnedInline):
    model = RMALine
    fields = ("sku", "platform_sku", "quantity", "reason", "processing_instruction", "received_quantity")
    show_change_link = False


class ApiCallInline(ServiceOwnedInline):
    """The latest calls only; the link under the RMA's page lists them all."""

    model = ApiCall
    fk_name = "rma"
    fields = ("created_at", "operation", "method", "status_code", "duration_ms", "error_class")
    readonly_fields = fields
    max_num = 0
    verbose_name_plural = "API calls (latest 20; all of them are in the API calls list)"

    def get_queryset(self, request: HttpRequest) -> QuerySet[ApiCall]:
        # An inline's queryset cannot be sliced (Django filters it afterwards), so the limit is by id:
        # the latest 20 per RMA keeps a page of an RMA with thousands of calls fast.
        queryset = super().get_queryset(request)
        rma_id = request.resolver_match.kwargs.get("object_id") if request.resolver_match else None
        if rma_id and str(rma_id).isdigit():
            latest = list(ApiCall.objects.filter(rma_id=int(rma_id)).order_by("-id").values_list("id", flat=True)[:20])
            return queryset.filter(pk__in=latest)
        return queryset.none()


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
    list_display = (
        "external_id",
        "attention",
        "rma_statuses",
        "platform_action_badge",
        "state",
        "order_name",
        "store",
        "platform",
        "created_at",
    )
    list_filter = ("platform_action", AttentionFilter, "platform", "is_test", "store")
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
        return badge(truncated_text(text, 40), "error", title=text) if text else ""

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
        request.current_app = self.admin_site.name
        platform_action_state = Return.PlatformActionStatus
        return {
            **self.admin_site.each_context(request),
            "title": str(return_obj),
            "subtitle": None,
            "opts": self.opts,
            "original": return_obj,
            "return_obj": return_obj,
            "order_url": order_url(return_obj),
            "lines": list(return_obj.lines.order_by("id")),
            "shipments": list(return_obj.shipments.order_by("id")),
            "rmas": rmas,
            "timeline": timeline,
            "timeline_more": return_obj.timeline.count() > TIMELINE_LIMIT,
            "attention": return_attention(return_obj, rmas),
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


@admin.register(RMA)
class RMAAdmin(UnboundedTableMixin, admin.ModelAdmin):
    list_display = ("number", "status_badge", "short_last_error", "return_link", "warehouse_connection", "age", "store")
    list_filter = ("status", RmaAttentionFilter, "warehouse_connection__provider", "is_test", "store")
    search_fields = ("=number", "=order_name", "=external_id", "=idempotency_key", "=return_obj__external_id")
    search_help_text = "RMA number, order name, the warehouse's id or the platform's return id (exact)."
    list_select_related = ("store", "warehouse_connection__store", "return_obj")
    fields = (
        "number",
        "status",
        "return_link",
        "store",
        "order_name",
        "warehouse_connection",
        "location",
        "routing_reason",
        "external_id",
        "external_url",
        "attempts",
        "next_attempt_at",
        "last_error",
        "warehouse_status",
        "outcome",
        "submitted_at",
        "received_at",
        "idempotency_key",
        "is_test",
        "created_at",
        "updated_at",
        "api_calls_link",
    )
    readonly_fields = fields
    inlines = (RMALineInline, ApiCallInline)
    actions = ("retry_push", "cancel_rma")

    has_retry_permission = access_permission("rma.retry")
    has_cancel_permission = access_permission("rma.cancel")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # RMAs are planned by services (the case page's "Re-plan RMAs")

    def has_delete_permission(self, request: HttpRequest, obj: RMA | None = None) -> bool:
        return False  # cancel it instead: the warehouse may have it

    @admin.display(description="Status", ordering="status")
    def status_badge(self, obj: RMA) -> str:
        return badge(obj.get_status_display(), RMA_TONES.get(obj.status, "muted"))

    @admin.display(description="Return")
    def return_link(self, obj: RMA) -> str:
        url = reverse("admin:returns_return_change", args=[obj.return_obj_id])
        return format_html('<a href="{}">{}</a>', url, obj.return_obj.external_id or obj.return_obj_id)

    @admin.display(description="Age", ordering="created_at")
    def age(self, obj: RMA) -> str:
        return timesince(obj.created_at)

    @admin.display(description="Last error")
    def short_last_error(self, obj: RMA) -> str:
        return truncated(obj.last_error, 60) if obj.last_error else ""

    @admin.display(description="All API calls")
    def api_calls_link(self, obj: RMA) -> str:
        url = reverse("admin:integrations_apicall_changelist") + f"?rma__id__exact={obj.pk}"
        return format_html('<a href="{}">API calls of RMA {} →</a>', url, obj.number)

    @admin.action(description="Retry push", permissions=["retry"])
    def retry_push(self, request: HttpRequest, queryset: QuerySet[RMA]) -> TemplateResponse | None:
        confirm = confirm_action(
            self,
            request,
            queryset,
            action="retry_push",
            title="Retry pushes",
            question="Push these RMAs to their warehouses again with a fresh attempt budget? Workers make the "
            "calls; the result is on each return's timeline.",
        )
        if confirm is not None:
            return confirm
        from returns.services.rmas.support import rma_retry

        by = request.user.get_username()
        run_for_each(
            self, request, queryset, lambda rma: rma_retry(rma_id=rma.pk, by=by), done="Queued for another push"
        )
        return None

    @admin.action(description="Cancel RMA", permissions=["cancel"])
    def cancel_rma(self, request: HttpRequest, queryset: QuerySet[RMA]) -> TemplateResponse | None:
        confirm = confirm_action(
            self,
            request,
            queryset,
            action="cancel_rma",
            title="Cancel RMAs",
            question="Cancel these RMAs, in the warehouse system too where it supports cancelling?",
        )
        if confirm is not None:
            return confirm
        from returns.services.rmas.support import rma_cancel

        by = request.user.get_username()
        run_for_each(
            self,
            request,
            queryset,
            lambda rma: rma_cancel(rma_id=rma.pk, reason="Cancelled by support", by=by),
            done="Cancelled",
        )
        return None


@admin.register(RMALine)
class RMALineAdmin(UnboundedTableMixin, ReadOnlyMixin, admin.ModelAdmin):
    """Planned by services from the return's lines; received quantities come from the warehouse."""

    list_display = ("sku", "quantity", "received_quantity", "restocked_quantity", "rma")
    list_filter = ("processing_instruction",)
    search_fields = ("=sku", "=platform_sku", "=rma__number")
    list_select_related = ("rma",)


@admin.register(RmaNumberSequence)
class RmaNumberSequenceAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("order_key", "store", "allocated", "updated_at")
    list_filter = ("store",)
    search_fields = ("=order_key", "store__name")
    list_select_related = ("store",)


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
