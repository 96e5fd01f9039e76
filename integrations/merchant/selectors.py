"""Reads for the merchant's own pages after go-live: their returns, what needs them, each connection's health."""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.paginator import Page, Paginator
from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone

from integrations.models import ApiCall, Connection, InboundWebhook, Store
from integrations.wizard.selectors import connections_in_use, location_is_linked, locations_for_store
from integrations.wizard.services import connection_sandbox_account
from returns.aging import due_words
from returns.grading import GradeRow, return_grade_rows
from returns.models import RMA, OrphanReceipt, Return, TimelineEvent
from returns.selectors import OVERDUE_KINDS, overdue_counts, overdue_q

NEEDS_ATTENTION = "needs_attention"
# The returns list's filters for overdue returns (product.md flow 13): "overdue", "overdue_arrival", "overdue_close".
OVERDUE = "overdue"
OVERDUE_FILTERS = {
    OVERDUE: "Overdue",
    f"{OVERDUE}_arrival": "Overdue: not at the warehouse",
    f"{OVERDUE}_close": "Overdue: received, not closed",
}
RMA_TROUBLE = (RMA.Status.NEEDS_ATTENTION, RMA.Status.FAILED)
PAGE_SIZE = 25


# ----------------------------------------------------------------------------- returns


def _trouble() -> Q:
    """A return that needs the merchant: an RMA refused or failed, the platform refused, or no warehouse."""
    rma_trouble = RMA.objects.filter(return_obj=OuterRef("pk"), status__in=RMA_TROUBLE)
    unrouted = TimelineEvent.objects.filter(return_obj=OuterRef("pk"), kind="rma_unrouted")
    no_rma = RMA.objects.filter(return_obj=OuterRef("pk"))
    return Q(Exists(rma_trouble)) | Q(platform_action="failed") | (Q(Exists(unrouted)) & ~Q(Exists(no_rma)))


def return_states(*, store: Store) -> list[str]:
    """The platform states the store's returns are in (for the filter)."""
    states = Return.objects.filter(store=store).exclude(state="").values_list("state", flat=True).distinct()
    return sorted(states)


def returns_page(*, store: Store, query: str = "", state: str = "", page: int | str = 1) -> Page:
    """The store's returns, newest first: searched by order (name, number, or the platform's return id)
    and filtered by state ("needs_attention" for the ones that need the merchant)."""
    returns: QuerySet[Return] = Return.objects.filter(store=store)
    if query := query.strip().lstrip("#"):
        returns = returns.filter(
            Q(order_name__icontains=query) | Q(order_number__iexact=query) | Q(external_id__iexact=query)
        )
    if state == NEEDS_ATTENTION:
        returns = returns.filter(_trouble())
    elif state in OVERDUE_FILTERS:
        kind = state.removeprefix(OVERDUE).lstrip("_") or "any"
        returns = returns.filter(overdue_q(now=timezone.now(), kind=kind if kind in OVERDUE_KINDS else "any"))
    elif state:
        returns = returns.filter(state=state)
    overdue = ExpressionWrapper(Q(aging_due_at__lte=timezone.now()), output_field=BooleanField())
    returns = returns.annotate(needs_attention=_trouble(), is_overdue=overdue).prefetch_related(
        Prefetch("rmas", queryset=RMA.objects.select_related("location", "warehouse_connection").order_by("number"))
    )
    return Paginator(returns.order_by("-created_at", "-pk"), PAGE_SIZE).get_page(page)


@dataclass
class ReturnDetail:
    return_obj: Return
    rmas: list[RMA]
    events: list[TimelineEvent]
    needs_attention: bool
    grades: list[GradeRow]


def return_detail(*, store: Store, return_id: int) -> ReturnDetail:
    """One of the store's returns with its lines, RMAs (lines, warehouse) and timeline, or 404."""
    return_obj = get_object_or_404(
        Return.objects.filter(store=store).prefetch_related("lines", "shipments"), pk=return_id
    )
    rmas = list(
        return_obj.rmas.select_related("location", "warehouse_connection").prefetch_related("lines").order_by("number")
    )
    events = list(return_obj.timeline.select_related("rma").order_by("created_at", "id"))
    trouble = any(r.status in RMA_TROUBLE for r in rmas) or return_obj.platform_action == "failed"
    grades = return_grade_rows(return_obj, return_obj.lines.all())
    return ReturnDetail(return_obj=return_obj, rmas=rmas, events=events, needs_attention=trouble, grades=grades)


# ----------------------------------------------------------------------------- overdue returns


@dataclass(frozen=True)
class OverdueReturn:
    return_obj: Return
    words: str  # "delivered 3 days ago, no warehouse receipt"


@dataclass(frozen=True)
class Overdue:
    returns: list[OverdueReturn]
    arrival: int
    close: int

    @property
    def total(self) -> int:
        return self.arrival + self.close


def overdue_returns(*, store: Store, limit: int = 10) -> Overdue:
    """The store's overdue returns, longest overdue first, with what each waits for, and how many in all."""
    now = timezone.now()
    rows = Return.objects.filter(overdue_q(now=now), store=store).order_by("aging_due_at", "pk")[:limit]
    counts = overdue_counts(now=now, store_id=store.pk)
    listed = [OverdueReturn(r, due_words(stage=r.aging_stage, since=r.aging_since, now=now)) for r in rows]
    return Overdue(listed, arrival=counts["arrival"], close=counts["close"])


# ----------------------------------------------------------------------------- what needs the merchant


@dataclass(frozen=True)
class ActionItem:
    """Something only the merchant can put right: what is wrong, why, and where to fix it."""

    title: str
    reason: str
    fix: str
    link: str
    link_label: str


def _step(store: Store, step: str) -> str:
    return reverse(f"setup:{step}", kwargs={"slug": store.slug})


def _connection_items(store: Store, connections: list[Connection]) -> list[ActionItem]:
    items = []
    for connection in connections:
        step = "platform" if connection.role == Connection.Role.RETURNS_PLATFORM else "warehouse"
        if connection.status == Connection.Status.CREDENTIALS_REJECTED:
            items.append(
                ActionItem(
                    title=f"{connection.display_name} rejected the credentials",
                    reason=connection.health_message or connection.last_error,
                    fix="Enter working credentials: what waits for them is sent as soon as they are accepted.",
                    link=_step(store, step),
                    link_label=f"Change the {connection.display_name} credentials",
                )
            )
        elif connection.status == Connection.Status.FAILING:
            items.append(
                ActionItem(
                    title=f"Pushes to {connection.display_name} are paused after repeated failures",
                    reason=connection.health_message or connection.last_error,
                    fix=f"Once {connection.display_name} answers again, Backhaul support resumes it; "
                    "use Test again below to check it now.",
                    link=reverse("setup:home", kwargs={"slug": store.slug}) + f"#connection-{connection.pk}",
                    link_label="See the connection",
                )
            )
    return items


_ANSWERED = re.compile(r"^\S+ answered (\d{3}): ")


def _reason_for_rma(rma: RMA) -> str:
    """What happened to the RMA, as a sentence: who refused it or could not be reached, in their own words."""
    wms = rma.warehouse_connection.display_name
    words = (rma.last_error.splitlines() or [""])[0].strip()
    answered = _ANSWERED.match(words)
    quoted = f"“{_ANSWERED.sub('', words).rstrip('.')}”" if words else "no reason given"
    if rma.status == RMA.Status.FAILED:
        return f"{wms} could not take it after {rma.attempts} tries; the last answer was {quoted}."
    if answered:
        return f"{wms} refused it (HTTP {answered.group(1)}), saying {quoted}."
    return f"{wms} did not take it: {quoted}."


def _fix_for_rma(rma: RMA) -> str:
    error = rma.last_error.lower()
    wms = rma.warehouse_connection.display_name
    if "sku" in error:
        skus = ", ".join(line.sku for line in rma.lines.all())
        return (
            f"{wms} does not know one of the SKUs sent ({skus}). Create it in {wms}, or map your SKU to "
            f"{wms}'s in the SKU mapping (step 4) for the next returns, then press Retry."
        )
    if "warehouse" in error:
        return f"Check that the location's warehouse exists in {wms} (step 3), then press Retry."
    return f"Correct it in {wms} or in your settings, then press Retry. Backhaul support can help."


def attention_items(*, store: Store) -> list[ActionItem]:
    """What needs the merchant's action, each with the reason and the fix."""
    items = _connection_items(store, connections_in_use(store=store))
    for location in locations_for_store(store=store):
        if not location_is_linked(location):
            items.append(
                ActionItem(
                    title=f"{location.name} has no warehouse",
                    reason="Returns routed to this location have nowhere to go.",
                    fix="Choose the warehouse of your warehouse system that receives them.",
                    link=reverse("setup:location_edit", kwargs={"slug": store.slug, "pk": location.pk}),
                    link_label=f"Edit {location.name}",
                )
            )
    rmas = (
        RMA.objects.filter(store=store, status__in=RMA_TROUBLE, return_obj__is_test=False)
        .select_related("return_obj", "warehouse_connection")
        .prefetch_related("lines")
        .order_by("-updated_at")[:50]
    )
    for rma in rmas:
        items.append(
            ActionItem(
                title=f"RMA {rma.number} (order {rma.return_obj.order_name}) {rma.get_status_display().lower()}",
                reason=_reason_for_rma(rma),
                fix=_fix_for_rma(rma),
                link=reverse("setup:return_detail", kwargs={"slug": store.slug, "pk": rma.return_obj_id}),
                link_label="Open the return",
            )
        )
    unrouted = (
        Return.objects.filter(store=store, is_test=False, timeline__kind="rma_unrouted", rmas__isnull=True)
        .distinct()
        .order_by("-created_at")[:50]
    )
    for return_obj in unrouted:
        items.append(
            ActionItem(
                title=f"Return for order {return_obj.order_name} has no warehouse",
                reason="No shipping location matched it and the store has no default location linked to a warehouse.",
                fix="Link a default shipping location to a warehouse (step 3); the next returns are routed to it.",
                link=_step(store, "locations"),
                link_label="Shipping locations",
            )
        )
    waiting = OrphanReceipt.objects.filter(store=store, state=OrphanReceipt.State.OPEN).count()
    if waiting:
        items.append(
            ActionItem(
                title=f"{waiting} parcel{'s' if waiting != 1 else ''} arrived at the warehouse without an RMA "
                "Backhaul knows",
                reason="Their tracking number, order and customer fit no single return, so Backhaul could not "
                "apply them.",
                fix="Link each to its return (the outcome then follows, once), or dismiss it with the reason.",
                link=reverse("orphan_receipts", kwargs={"slug": store.slug}),
                link_label="Parcels without an RMA",
            )
        )
    refused = Return.objects.filter(store=store, is_test=False, platform_action="failed").order_by("-updated_at")[:50]
    for return_obj in refused:
        platform = return_obj.get_platform_display()
        items.append(
            ActionItem(
                title=f"Order {return_obj.order_name}: {platform} refused Backhaul's action",
                reason=_last_error_event(return_obj),
                fix=f"Process or flag the return in {platform} yourself; what the warehouse received is on its page.",
                link=reverse("setup:return_detail", kwargs={"slug": store.slug, "pk": return_obj.pk}),
                link_label="Open the return",
            )
        )
    return items


def _last_error_event(return_obj: Return) -> str:
    event = return_obj.timeline.filter(level=TimelineEvent.Level.ERROR).order_by("-created_at", "-id").first()
    return event.message if event else ""


# ----------------------------------------------------------------------------- connection health


@dataclass
class ConnectionHealth:
    connection: Connection
    last_webhook_at: datetime | None
    last_success_at: datetime | None
    failures: int
    # Failed calls in the last 24 hours.
    recent_failures: int
    problem: str = ""
    # Talks to Backhaul's sandbox instead of the real provider.
    sandbox: bool = False

    @property
    def ok(self) -> bool:
        return not self.problem


def connection_health(*, store: Store) -> list[ConnectionHealth]:
    """Per connection in use: last webhook, last successful call, failures, and what is wrong if anything."""
    result = []
    since = timezone.now() - timedelta(hours=24)
    for connection in connections_in_use(store=store):
        last_webhook = connection.last_webhook_at
        webhooks = InboundWebhook.objects.filter(connection=connection).order_by("-created_at")
        stored = webhooks.values_list("created_at", flat=True).first()
        if stored and (last_webhook is None or stored > last_webhook):
            last_webhook = stored
        calls = ApiCall.objects.filter(connection=connection)
        succeeded = calls.filter(status_code__gte=200, status_code__lt=300, error_class="").order_by("-created_at")
        last_ok = succeeded.values_list("created_at", flat=True).first()
        last_success = max((t for t in (connection.last_success_at, last_ok) if t), default=None)
        recent_failures = calls.filter(created_at__gte=since).exclude(error_class="").count()
        problem = ""
        if connection.status in (Connection.Status.CREDENTIALS_REJECTED, Connection.Status.FAILING):
            problem = connection.health_message or connection.last_error or connection.get_status_display()
        elif connection.status == Connection.Status.PAUSED:
            problem = connection.health_message or "Paused by Backhaul support."
        elif connection.last_error:
            problem = connection.last_error
        result.append(
            ConnectionHealth(
                connection=connection,
                last_webhook_at=last_webhook,
                last_success_at=last_success,
                failures=connection.consecutive_failures,
                recent_failures=recent_failures,
                problem=problem,
                sandbox=connection_sandbox_account(connection=connection) is not None,
            )
        )
    return result


def store_connection_get(*, store: Store, connection_id: int) -> Connection:
    """One of the store's connections, or 404."""
    return get_object_or_404(Connection.objects.select_related("store"), pk=connection_id, store=store)
