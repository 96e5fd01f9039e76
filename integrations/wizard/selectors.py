"""Reads for the setup wizard: which stores a user may open, progress, health, the test return."""

from dataclasses import dataclass, field
from datetime import datetime
from http import HTTPStatus
from typing import Any

from django.db.models import Max, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone

from integrations.exceptions import ProviderError
from integrations.models import ApiCall, Connection, InboundWebhook, Store
from integrations.sandbox.models import SandboxAccount, SandboxReturn, SandboxWebhookDelivery
from returns.models import RMA, Return, TimelineEvent
from warehouses.models import ShippingLocation

STEPS: tuple[tuple[str, str], ...] = (
    ("platform", "Returns platform"),
    ("warehouse", "Warehouse system"),
    ("locations", "Shipping locations"),
    ("rules", "Rules"),
    ("test", "Test return"),
    ("live", "Go live"),
)


def stores_for_user(*, user: Any) -> QuerySet[Store]:
    """The stores the user may see (integrations.access): their memberships, every store for staff who may."""
    from integrations.access import stores_where

    return stores_where(user, "store.view").distinct()


def store_for_user(*, user: Any, slug: str) -> Store:
    """The store the user may open, or 404 (never 403: other stores' names are not revealed)."""
    return get_object_or_404(stores_for_user(user=user), slug=slug)


def store_owners(*, store: Store) -> list[Any]:
    """The store's owners' memberships (with their users), for "ask an owner"."""
    from integrations.models import StoreMembership

    return list(
        store.memberships.filter(role=StoreMembership.Role.OWNER).select_related("user").order_by("user__username")
    )


def returns_platform_connection(*, store: Store) -> Connection | None:
    """The store's returns-platform connection (the most recently changed, if it has two)."""
    return store.connections.filter(role=Connection.Role.RETURNS_PLATFORM).order_by("-updated_at", "-pk").first()


def warehouse_connection(*, store: Store) -> Connection | None:
    """The store's warehouse-system connection (the most recently changed, if it has several)."""
    return store.connections.filter(role=Connection.Role.WAREHOUSE).order_by("-updated_at", "-pk").first()


def connections_in_use(*, store: Store) -> list[Connection]:
    """The connections the store works with: its current platform and warehouse system, and any
    warehouse a location is linked to (not the ones the merchant tried and moved away from)."""
    current = [c for c in (returns_platform_connection(store=store), warehouse_connection(store=store)) if c]
    linked = store.connections.filter(shipping_locations__isnull=False).exclude(pk__in=[c.pk for c in current])
    return current + list(linked.distinct().order_by("role", "provider"))


def _went_live(connection: Connection) -> bool:
    if connection.status == Connection.Status.CREDENTIALS_REJECTED:
        return connection.status_before_rejection not in ("", Connection.Status.DRAFT)
    return connection.status != Connection.Status.DRAFT


def store_is_live(*, store: Store) -> bool:
    """Every connection the store works with went live (the wizard's last step is done); a live
    connection in trouble since (paused, breaker open, credentials rejected) does not undo it."""
    connections = connections_in_use(store=store)
    return bool(connections) and all(_went_live(c) for c in connections)


def connection_is_verified(connection: Connection | None) -> bool:
    return bool(connection and connection.last_success_at and not connection.last_error)


def locations_for_store(*, store: Store) -> list[ShippingLocation]:
    return list(store.shipping_locations.select_related("warehouse_connection").order_by("-is_default", "name"))


def location_is_linked(location: ShippingLocation) -> bool:
    return bool(location.warehouse_connection_id and (location.trackstar_warehouse_id or location.wms_warehouse_code))


def location_on_other_system(location: ShippingLocation, warehouse: Connection | None) -> bool:
    """Linked to a warehouse system the merchant moved away from in the wizard (a draft that is not the current one)."""
    linked = location.warehouse_connection
    return bool(
        warehouse is not None
        and linked is not None
        and linked.pk != warehouse.pk
        and linked.status != Connection.Status.ACTIVE
    )


def rma_created_event(events: list[TimelineEvent]) -> TimelineEvent | None:
    """The timeline entry saying the WMS created the RMA ("<WMS> RMA <number> created")."""
    for event in events:
        if event.kind in ("rma_created", "rma_submitted", "rma_test_planned"):
            return event
        if event.rma_id and event.level == TimelineEvent.Level.SUCCESS and "created" in event.message.lower():
            return event
    return None


def test_return_done(*, store: Store) -> bool:
    return TimelineEvent.objects.filter(
        Q(kind__in=("rma_created", "rma_submitted", "rma_test_planned"))
        | Q(rma__isnull=False, level=TimelineEvent.Level.SUCCESS),
        return_obj__store=store,
        return_obj__is_test=True,
    ).exists()


@dataclass(frozen=True)
class StepState:
    slug: str
    title: str
    number: int
    done: bool
    current: bool
    # Why a step that was done lost its tick (a connection that worked and then failed).
    problem: str = ""


def connection_problem(connection: Connection | None) -> str:
    """What went wrong since the connection last worked ("" when nothing did, or it never worked)."""
    if connection is None or not connection.last_success_at or not connection.last_error:
        return ""
    if connection.status == Connection.Status.CREDENTIALS_REJECTED and connection.health_message:
        return connection.health_message
    return connection.last_error


def wizard_progress(*, store: Store, current: str = "") -> list[StepState]:
    """Each step, done or not, derived from what is saved (nothing wizard-specific is stored)."""
    platform, warehouse = returns_platform_connection(store=store), warehouse_connection(store=store)
    locations = locations_for_store(store=store)
    linked_default = any(loc.is_default and location_is_linked(loc) for loc in locations)
    done = {
        "platform": connection_is_verified(platform) and bool(platform and platform.webhook_secret),
        "warehouse": connection_is_verified(warehouse),
        "locations": linked_default
        and all(location_is_linked(loc) and not location_on_other_system(loc, warehouse) for loc in locations),
        # Rules always have valid defaults: the step is done once there is something to apply them to.
        "rules": linked_default,
        "test": test_return_done(store=store),
        "live": store_is_live(store=store),
    }
    problems = {"platform": connection_problem(platform), "warehouse": connection_problem(warehouse)}
    return [
        StepState(
            slug=slug,
            title=title,
            number=index,
            done=done[slug],
            current=slug == current,
            problem=problems.get(slug, ""),
        )
        for index, (slug, title) in enumerate(STEPS, start=1)
    ]


def wizard_resume_step(*, store: Store) -> str:
    """The first step not done yet (the last one when everything is)."""
    for step in wizard_progress(store=store):
        if not step.done:
            return step.slug
    return STEPS[-1][0]


# ----------------------------------------------------------------------------- test return


def _delivery_external_id(delivery: SandboxWebhookDelivery) -> str:
    from integrations.sandbox.services import sandbox_delivery_return_id

    return sandbox_delivery_return_id(delivery=delivery)


@dataclass(frozen=True)
class Check:
    label: str
    ok: bool
    detail: str


@dataclass(frozen=True)
class WarehouseProblem:
    """Why the test RMA did not reach the warehouse (yet): the warehouse's own answer and what to do."""

    title: str
    answer: str
    fix: str
    link: str = ""
    link_label: str = ""
    # Backhaul retries by itself (a 5xx, a timeout): the page keeps watching.
    retrying: bool = False


@dataclass
class TestRun:
    delivery: SandboxWebhookDelivery
    external_id: str
    return_obj: Return | None = None
    events: list[TimelineEvent] = field(default_factory=list)
    rma_event: TimelineEvent | None = None
    rmas: list[RMA] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    # Where the checks' figures come from: the warehouse's own copy, or what Backhaul sent.
    checks_source: str = ""
    problem: WarehouseProblem | None = None

    @property
    def finished(self) -> bool:
        return self.rma_event is not None

    @property
    def waiting_for_live(self) -> list[RMA]:
        """Planned RMAs held back because their warehouse connection is not live yet (pushes wait for step 6)."""
        return [r for r in self.rmas if r.status == RMA.Status.PENDING and r.last_error.startswith(WAITING)]

    @property
    def undelivered(self) -> str:
        """Why the test webhook has not reached the store's endpoint, when a try failed (PUBLIC_BASE_URL wrong?)."""
        if self.delivery.status_code is None and self.delivery.attempts and self.delivery.response_body:
            return self.delivery.response_body
        return ""

    @property
    def idle_seconds(self) -> int:
        """How long nothing has moved although something should have: a worker not running shows here."""
        if self.finished or self.problem is not None or self.waiting_for_live:
            return 0
        untried_rmas = bool(self.rmas) and all(r.status == RMA.Status.PENDING and not r.attempts for r in self.rmas)
        if self.delivery.attempts and not untried_rmas:
            return 0
        since = max([self.delivery.created_at, *(r.created_at for r in self.rmas)])
        return max(0, int((timezone.now() - since).total_seconds()))

    @property
    def stuck(self) -> bool:
        """Nothing more will happen without someone acting: delivery refused or the RMA needs attention."""
        refused = self.delivery.status_code is not None and 400 <= self.delivery.status_code < 500
        failed = any(r.status in (RMA.Status.NEEDS_ATTENTION, RMA.Status.FAILED) for r in self.rmas)
        unrouted = any(e.kind == "rma_unrouted" for e in self.events)
        blocked = self.problem is not None and not self.problem.retrying
        return refused or failed or unrouted or blocked or bool(self.waiting_for_live)


# The note rma_push leaves on an RMA whose connection does not take pushes now ("Waiting: support paused the
# connection to ShipMonk. ..."); any other last_error on a pending RMA is the warehouse's answer to a try that
# will be retried.
WAITING = "Waiting"


def test_delivery_get(*, store: Store, delivery_id: int) -> SandboxWebhookDelivery:
    """A test webhook sent for this store, or 404."""
    return get_object_or_404(
        SandboxWebhookDelivery.objects.select_related("account__connection"),
        pk=delivery_id,
        account__connection__store=store,
    )


def _sandbox_return_for(rma: RMA) -> SandboxReturn | None:
    return (
        SandboxReturn.objects.filter(account__connection_id=rma.warehouse_connection_id, rma_number=rma.number)
        .order_by("-pk")
        .first()
    )


def _received(rmas: list[RMA]) -> tuple[dict[str, int], set[str], set[str], str]:
    """Per WMS SKU the quantity, the tracking numbers and order references the warehouse holds, from
    its own copy where it can be read (a sandbox WMS), else what Backhaul sent; and which it was."""
    quantities: dict[str, int] = {}
    tracking: set[str] = set()
    orders: set[str] = set()
    from_warehouse = True
    for rma in rmas:
        copy = _sandbox_return_for(rma)
        if copy is not None:
            for item in copy.items:
                quantities[str(item["sku"])] = quantities.get(str(item["sku"]), 0) + int(item["quantity"])
            tracking.update(str(t) for t in copy.tracking_numbers or [])
            if copy.order_ref:
                orders.add(copy.order_ref)
            continue
        from_warehouse = False
        for rma_line in rma.lines.all():
            quantities[rma_line.sku] = quantities.get(rma_line.sku, 0) + rma_line.quantity
        tracking.update(rma.pushed_tracking_numbers or [])
    source = "as the warehouse received them" if from_warehouse else "as Backhaul sent them"
    return quantities, tracking, orders, source


def _checks(return_obj: Return, rmas: list[RMA]) -> tuple[list[Check], str]:
    """The guides' checks: order linkage, products, quantities, tracking, read from what the
    warehouse received (the SKUs after SKU mapping), against the return."""
    returned: dict[str, int] = {}
    for line in return_obj.lines.all():
        returned[line.sku] = returned.get(line.sku, 0) + line.quantity
    mapped: dict[str, str] = {}  # your SKU -> the SKU sent to the warehouse
    for rma in rmas:
        for rma_line in rma.lines.all():
            mapped[rma_line.platform_sku or rma_line.sku] = rma_line.sku
    received, tracking, order_refs, source = _received(rmas)
    expected = {mapped.get(sku, sku): qty for sku, qty in returned.items()}
    label_tracking = {s.tracking_number for s in return_obj.shipments.all() if s.tracking_number}
    numbers = ", ".join(r.number for r in rmas) or "—"
    orders = {rma.order_name for rma in rmas}
    linked = ", ".join(sorted(order_refs)) if order_refs else ""

    def named(sku: str) -> str:
        yours = [mine for mine, sent in mapped.items() if sent == sku and mine != sku]
        return f"{sku} (your {', '.join(yours)})" if yours else sku

    checks = [
        Check(
            "Order linkage",
            bool(rmas) and orders == {return_obj.order_name} and bool(return_obj.order_name),
            f"RMA {numbers} for order {', '.join(sorted(orders)) or '—'} (the return's order: "
            f"{return_obj.order_name or '—'})" + (f"; the warehouse links it to {linked}" if linked else ""),
        ),
        Check(
            "Products",
            bool(received) and set(received) == set(expected),
            f"SKUs at the warehouse: {', '.join(named(s) for s in sorted(received)) or '—'}"
            + (f"; missing {', '.join(sorted(missing))}" if (missing := set(expected) - set(received)) else ""),
        ),
        Check(
            "Quantities",
            bool(received) and received == expected,
            ", ".join(f"{sku}: {received.get(sku, 0)} of {qty}" for sku, qty in sorted(expected.items())) or "—",
        ),
        Check(
            "Tracking",
            bool(label_tracking) and label_tracking <= tracking,
            f"Label {', '.join(sorted(label_tracking)) or '—'}; at the warehouse: {', '.join(sorted(tracking)) or '—'}",
        ),
    ]
    return checks, source


def _failed_call(rma: RMA) -> ApiCall | None:
    return ApiCall.objects.filter(rma=rma).exclude(error_class="").order_by("-id").first()


def _answer(call: ApiCall | None, fallback: str) -> str:
    """ "ShipMonk answered 503 Service Unavailable: “...”" from the logged call."""
    if call is None:
        return fallback
    from integrations.wizard.explain import provider_words

    name = call.connection.display_name if call.connection else call.provider
    if call.status_code is None:
        return f"No answer from {name}: {call.error_message}"
    try:
        phrase = f" {HTTPStatus(call.status_code).phrase}"
    except ValueError:
        phrase = ""
    words = provider_words(ProviderError(call.error_message)).rstrip(". ")
    said = f": “{words[:300]}”" if words and words.lower() != phrase.strip().lower() else ""
    return f"{name} answered {call.status_code}{phrase}{said}."


def _problem(store: Store, rmas: list[RMA]) -> WarehouseProblem | None:
    """Why the test RMA is not at the warehouse, from its status, its last call and its connection."""
    for rma in rmas:
        connection = rma.warehouse_connection
        name = connection.display_name
        step = reverse("setup:warehouse", kwargs={"slug": store.slug})
        if rma.status == RMA.Status.PENDING and connection.status == Connection.Status.CREDENTIALS_REJECTED:
            return WarehouseProblem(
                title=f"{name} rejected the credentials",
                answer=_answer(_failed_call(rma), connection.health_message),
                fix=f"Enter the right credentials at step 2: RMA {rma.number} is sent as soon as {name} accepts them.",
                link=step,
                link_label="Step 2: warehouse system",
            )
        if rma.status == RMA.Status.PENDING and connection.status == Connection.Status.FAILING:
            return WarehouseProblem(
                title=f"Pushes to {name} are paused after repeated failures",
                answer=connection.health_message,
                fix=f"Once {name} answers again, Backhaul support resumes the connection.",
            )
        if rma.status in (RMA.Status.NEEDS_ATTENTION, RMA.Status.FAILED):
            answer = _answer(_failed_call(rma), rma.last_error.splitlines()[0] if rma.last_error else "")
            if "sku" in rma.last_error.lower():
                fix = (
                    f"{name} does not know a SKU it was sent. Map your SKU to {name}'s at step 4 "
                    f"(or create it in {name}), then create another test return."
                )
                link, label = reverse("setup:rules", kwargs={"slug": store.slug}), "Step 4: SKU mapping"
            else:
                fix = "Correct what the answer names, then create another test return."
                link, label = step, "Step 2: warehouse system"
            verb = "refused" if rma.status == RMA.Status.NEEDS_ATTENTION else "did not take"
            return WarehouseProblem(f"{name} {verb} RMA {rma.number}", answer, fix, link, label)
        if rma.status == RMA.Status.PENDING and rma.last_error and not rma.last_error.startswith(WAITING):
            return WarehouseProblem(
                title=f"{name} did not take RMA {rma.number} yet",
                answer=_answer(_failed_call(rma), rma.last_error),
                fix=f"Nothing to do now: Backhaul has tried {rma.attempts} time{'s' if rma.attempts != 1 else ''} "
                f"and tries again by itself. If it keeps failing, {name} may be down.",
                retrying=True,
            )
    return None


def test_run_get(*, store: Store, delivery_id: int) -> TestRun:
    """Where a test return is in the pipeline: delivered? return created? timeline, RMAs, checks, what went wrong."""
    delivery = test_delivery_get(store=store, delivery_id=delivery_id)
    run = TestRun(delivery=delivery, external_id=_delivery_external_id(delivery))
    run.return_obj = (
        Return.objects.filter(store=store, platform=delivery.account.provider, external_id=run.external_id)
        .prefetch_related("lines", "shipments")
        .first()
    )
    if run.return_obj is None:
        return run
    run.events = list(run.return_obj.timeline.select_related("rma").order_by("created_at", "id"))
    rmas = run.return_obj.rmas.select_related("shipment", "warehouse_connection", "location")
    run.rmas = list(rmas.prefetch_related("lines").order_by("id"))
    run.rma_event = rma_created_event(run.events)
    if run.rma_event is not None:
        run.checks, run.checks_source = _checks(run.return_obj, run.rmas)
    else:
        run.problem = _problem(store, run.rmas)
    return run


def sandbox_account_for(*, connection: Connection) -> SandboxAccount | None:
    return SandboxAccount.objects.filter(provider=connection.provider, connection=connection).order_by("pk").first()


# ----------------------------------------------------------------------------- health


@dataclass(frozen=True)
class StoreHealth:
    last_webhook_at: datetime | None
    last_rma_pushed_at: datetime | None
    failing_connections: list[Connection]
    rmas_needing_attention: int
    rmas_failed: int
    webhooks_failed: int

    @property
    def attention(self) -> bool:
        return bool(self.failing_connections or self.rmas_needing_attention or self.rmas_failed or self.webhooks_failed)


def store_health(*, store: Store) -> StoreHealth:
    """Last webhook, last RMA pushed and anything needing attention, for the go-live page."""
    connections = list(store.connections.all())
    last_webhook = max((c.last_webhook_at for c in connections if c.last_webhook_at), default=None)
    stored = InboundWebhook.objects.filter(store=store).aggregate(last=Max("created_at"))["last"]
    if stored and (last_webhook is None or stored > last_webhook):
        last_webhook = stored
    rmas = RMA.objects.filter(store=store)
    return StoreHealth(
        last_webhook_at=last_webhook,
        last_rma_pushed_at=rmas.aggregate(last=Max("submitted_at"))["last"],
        failing_connections=[
            c for c in connections if c.status == Connection.Status.FAILING or c.consecutive_failures or c.last_error
        ],
        rmas_needing_attention=rmas.filter(status=RMA.Status.NEEDS_ATTENTION).count(),
        rmas_failed=rmas.filter(status=RMA.Status.FAILED).count(),
        webhooks_failed=InboundWebhook.objects.filter(store=store, status=InboundWebhook.Status.FAILED).count(),
    )
