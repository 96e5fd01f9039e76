"""What the returns console's pages share: badges' tones, timeline words, the attention filters, inlines."""

from datetime import datetime, timedelta
from typing import Any

from django.contrib import admin
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from integrations.admin.common import (
    ServiceOwnedInline,
)
from integrations.models import ApiCall
from integrations.registry import get_declaration
from returns.aging import due_words
from returns.models import (
    RMA,
    Return,
    RMALine,
)
from returns.selectors import OVERDUE_KINDS, overdue_q

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


def return_overdue(return_obj: Return, now: datetime) -> str:
    """What an overdue return waits for, in words ("" when it is not overdue)."""
    if return_obj.aging_due_at is None or return_obj.aging_due_at > now:
        return ""
    return f"Overdue: {due_words(stage=return_obj.aging_stage, since=return_obj.aging_since, now=now)}"


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


class AgingFilter(admin.SimpleListFilter):
    """Overdue returns (product.md flow 13; the overview's counters link to the same rows by their columns)."""

    title = "overdue"
    parameter_name = "aging"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [
            ("any", "Overdue"),
            ("arrival", "Overdue: not at the warehouse"),
            ("close", "Overdue: received, not closed"),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Return]) -> QuerySet[Return]:
        if self.value() in OVERDUE_KINDS:
            return queryset.filter(overdue_q(now=timezone.now(), kind=self.value() or "any"))
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
