"""The provider interfaces and the DTOs clients speak (never ORM objects).

Two interfaces, one per role: WarehouseClient (ShipMonk, ShipStream, TrackStar) and
ReturnsPlatformClient (Loop, Redo). The same job has the same method name in every provider
(`returns_changed_since`, `return_flag`, ...). A client that cannot do something raises
UnsupportedCapability, a permanent configuration error; what a provider can do is also declared
as data (integrations/declarations.py), so forms and the domain can ask before calling.

Every method that calls the provider logs one ApiCall per request (integrations/http.py), whose
`operation` is the method's own name, so a rerun can tell which calls already succeeded.
"""

import abc
import contextlib
import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar, Self

from integrations.exceptions import UnsupportedCapability
from integrations.inbound import InboundReturnEvent, InboundWarehouseReturnEvent, Payload

if TYPE_CHECKING:
    from integrations.circuit_breaker import BreakerGate
    from integrations.models import Connection


@dataclass(frozen=True)
class RmaLinePayload:
    """One SKU of an RMA, already mapped to the WMS SKU and summed over the return's lines."""

    sku: str
    quantity: int
    platform_sku: str = ""
    # Human-readable reasons of the units ("Too small (Fit)"), one per distinct reason.
    reasons: tuple[str, ...] = ()
    # Backhaul instruction: restock / inspect / quarantine / dispose (blank: no rule matched).
    instruction: str = ""
    instruction_note: str = ""


class ReasonCategory(StrEnum):
    """Backhaul's WMS-neutral reason for an RMA (returns/reasons.py chooses it); each WMS's payload builder turns
    it into the WMS's own reason enum where it has one."""

    EXCHANGE = "exchange"
    CHANGED_MIND = "changed_mind"
    UNDELIVERABLE = "undeliverable"
    INCORRECT_PRODUCT = "incorrect_product"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class RmaPayload:
    """Everything a WMS needs to create (or update) one RMA, provider-neutral."""

    number: str
    lines: tuple[RmaLinePayload, ...]
    # The receiving warehouse: the WMS's own code (ShipMonk "CA1", ShipStream "3") and TrackStar's id.
    warehouse_code: str = ""
    trackstar_warehouse_id: str = ""
    platform: str = ""
    platform_return_id: str = ""
    order_name: str = ""
    order_number: str = ""
    # The original outbound order in the WMS: ShipMonk order_key, TrackStar order id.
    order_key: str = ""
    external_order_id: str = ""
    # The returns platform's ids of the order (its own, then the store's Shopify id), where known.
    platform_order_ids: tuple[str, ...] = ()
    customer_name: str = ""
    outcome: str = ""
    # The WMS-neutral reason category chosen for the whole RMA (a ReasonCategory value).
    reason_category: str = ""
    tracking_numbers: tuple[str, ...] = ()
    carrier: str = ""
    service: str = ""
    # Store-level processing instructions (Store.default_instructions).
    instructions: str = ""
    account_id: str = ""


@dataclass(frozen=True)
class PushResult:
    """What the WMS answered to a create / update / lookup of an RMA."""

    external_id: str
    external_url: str = ""
    unused_fields: tuple[str, ...] = ()
    raw: Any = None
    api_call_id: int | None = None


@dataclass(frozen=True)
class OrderRef:
    """An outbound order as the WMS knows it: its id there and the warehouse that shipped it."""

    external_order_id: str
    warehouse_code: str = ""
    order_key: str = ""
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class WarehouseInfo:
    """One warehouse as the WMS lists it, and where its ids go on a ShippingLocation."""

    name: str
    # The WMS's own code (ShippingLocation.wms_warehouse_code): ShipMonk identifier, ShipStream id, TrackStar code.
    wms_code: str
    # TrackStar's own warehouse id (ShippingLocation.trackstar_warehouse_id); "" for a direct WMS.
    trackstar_id: str = ""
    # How a merchant recognises it in a list: "Ontario (CA1)".
    label: str = ""

    @property
    def key(self) -> str:
        """What identifies it in a choice list: TrackStar's id where there is one, else the WMS code."""
        return self.trackstar_id or self.wms_code


@dataclass(frozen=True)
class ReturnItemDecision:
    """What the warehouse outcome means for one item of a return (per-item processing)."""

    item_id: str  # the platform's item id
    accept: bool  # received: refund / exchange it; False rejects it
    restock: bool  # back into sellable inventory


@dataclass(frozen=True)
class ItemGradeReport:
    """One platform item as the warehouse graded it, in the platform's words (the store's GradeMappings applied):
    what a grading call sends (Loop's Dispositioning API: grade, then assess)."""

    item_id: str  # the platform's item id (Loop line_item_id)
    description: str
    condition_category: str = ""
    disposition_outcome: str = ""  # back_to_stock, resale_hold, recycle, donate, missing
    note: str = ""
    images: tuple[str, ...] = ()
    inspected_at: dt.datetime | None = None
    graded: bool = True  # False: nothing to grade (a missing unit), only assessed


@dataclass(frozen=True)
class WebhookRegistration:
    """What registering Backhaul's webhook subscriptions at a provider found and did."""

    created: tuple[str, ...] = ()
    present: tuple[str, ...] = ()
    reactivated: tuple[str, ...] = ()


class ProviderClient(abc.ABC):
    """Base of every provider client; concrete clients live in integrations/providers/<slug>/client.py."""

    slug: ClassVar[str]
    # Where the requests go (a connection's own URL, a sandbox, or the provider's production URL).
    base_url: str
    # Words added after the provider's name where the mode matters to support ("Loop-compatible API").
    mode_label: ClassVar[str] = ""

    @classmethod
    @abc.abstractmethod
    def from_connection(cls, connection: "Connection") -> Self:
        """Build a client from a stored connection (credentials decrypted in memory only)."""

    def test_connection(self) -> str:
        """Make one cheap live call; return a short human message or raise ProviderError."""
        raise UnsupportedCapability(self.slug, "test_connection")

    @contextlib.contextmanager
    def log_context(self, *, rma_id: int | None = None, return_obj_id: int | None = None) -> Iterator[None]:
        """Link the calls made inside the block to this RMA / return; BaseHttpClient records them."""
        yield

    def inbound_event_enrich(self, *, event: Payload) -> Sequence[Payload]:
        """Complete a parsed webhook event with what only the provider's API knows; called before any
        database transaction opens (it may make requests). Most events are complete: returned as they are."""
        return (event,)

    def breaker_attach(self, gate: "BreakerGate") -> None:
        """Have every call of this client pass its connection's circuit breaker (integrations/circuit_breaker.py);
        the registry attaches it to each client it builds. A client made of several transports attaches each."""
        self.breaker: BreakerGate | None = gate


class WarehouseClient(ProviderClient):
    """A warehouse system that receives RMAs (ShipMonk, ShipStream, TrackStar)."""

    def warehouses_list(self) -> list[WarehouseInfo]:
        """The WMS's warehouses."""
        raise UnsupportedCapability(self.slug, "warehouses_list")

    def settings_verify(self) -> None:
        """Check what a warehouse list does not prove and only a first RMA would otherwise reveal (ShipBob's
        channel must be one the token may write returns on); raise ProviderSettingWrong naming the field.
        Called by the wizard's check after warehouses_list; nothing more to check by default."""

    def order_find(self, *, order_name: str, order_number: str = "", order_ids: Sequence[str] = ()) -> OrderRef | None:
        """Find the original outbound order in the WMS, or None, trying each of order_search_forms in turn.

        order_ids: the returns platform's ids of the order (its own, the store's), for a WMS that may
        keep one of them as the order's number."""
        raise UnsupportedCapability(self.slug, "order_find")

    def order_search_forms(
        self, *, order_name: str, order_number: str = "", order_ids: Sequence[str] = ()
    ) -> tuple[str, ...]:
        """How order_find searches for the order, in the order it tries them, in words for support
        ("order_number=#2001"): what a needs-attention reason names when the order is not found."""
        return tuple(dict.fromkeys(v for v in (order_name, order_number) if v))

    @abc.abstractmethod
    def rma_create(self, *, payload: RmaPayload, idempotency_key: str) -> PushResult:
        """Create the RMA in the WMS."""

    @abc.abstractmethod
    def rma_find(self, *, payload: RmaPayload) -> PushResult | None:
        """Look the RMA up by its number (after an ambiguous timeout); None when the WMS has none."""

    def rma_update_tracking(self, *, external_id: str, payload: RmaPayload, idempotency_key: str) -> PushResult:
        """Send new tracking numbers / carrier to an existing RMA."""
        raise UnsupportedCapability(self.slug, "rma_update_tracking")

    def rma_cancel(self, *, external_id: str, payload: RmaPayload, idempotency_key: str) -> PushResult:
        """Cancel an existing RMA in the WMS."""
        raise UnsupportedCapability(self.slug, "rma_cancel")

    def returns_changed_since(
        self, *, since: dt.datetime, until: dt.datetime, max_pages: int
    ) -> Iterator[InboundWarehouseReturnEvent]:
        """The WMS's RMAs changed since `since` (reconciliation), as the events its webhooks would have
        sent, oldest page first, reading at most max_pages pages (lazily: a page per step of iteration)."""
        raise UnsupportedCapability(self.slug, "returns_changed_since")


class ReturnsPlatformClient(ProviderClient):
    """A returns platform that sends returns and is told what the warehouse received (Loop, Redo).

    Each action method returns the id of the ApiCall that did it (None only without a log)."""

    @property
    def actions_base_url(self) -> str:
        """Where process / flag / note requests go (the test-data guard checks it before acting)."""
        return self.base_url

    @abc.abstractmethod
    def return_process(self, *, return_id: str) -> int | None:
        """Process the whole return: the platform issues refunds, exchanges or store credit."""

    def return_items_process(self, *, return_id: str, items: Sequence[ReturnItemDecision]) -> int | None:
        """Process item by item: accept (and maybe restock) or reject each one."""
        raise UnsupportedCapability(self.slug, "processing a return item by item")

    @abc.abstractmethod
    def return_flag(self, *, return_id: str) -> int | None:
        """Stop automatic processing until a person at the merchant reviews the return."""

    @abc.abstractmethod
    def return_note_create(self, *, return_id: str, content: str) -> int | None:
        """Leave a note on the return for the merchant's team (what arrived, why it was flagged)."""

    def return_items_grade(self, *, items: Sequence[ItemGradeReport], batch: int = 1) -> int | None:
        """Grade items (condition category, description, note, photos, inspection time), at most the declaration's
        grading_batch_size a call; the ApiCall's operation is `return_items_grade:<batch>`, so a rerun can tell
        which batches were sent."""
        raise UnsupportedCapability(self.slug, "grading return items")

    def return_items_assess(self, *, items: Sequence[ItemGradeReport], batch: int = 1) -> int | None:
        """Give graded items their disposition outcome (operation `return_items_assess:<batch>`)."""
        raise UnsupportedCapability(self.slug, "assessing return items")

    def return_grades_note_create(self, *, return_id: str, content: str) -> int | None:
        """Leave the warehouse's grades in a note on the return, for a platform without a grading API (an operation
        of its own, `return_grades_note`, so a rerun tells it from the flag's note)."""
        raise UnsupportedCapability(self.slug, "a note with the warehouse's grades")

    def return_status_update(self, *, return_id: str, status: str) -> int | None:
        """Set the return's status to one of the platform's own words."""
        raise UnsupportedCapability(self.slug, "setting a return's status")

    def returns_changed_since(
        self, *, since: dt.datetime, until: dt.datetime, max_pages: int
    ) -> Iterator[InboundReturnEvent]:
        """Returns changed since `since` (reconciliation), as the events its webhooks would have sent,
        reading at most max_pages pages (lazily: a page per step of iteration)."""
        raise UnsupportedCapability(self.slug, "returns_changed_since")

    def webhooks_register(self, *, url: str, secret: str, external_id: str) -> WebhookRegistration:
        """Create, or re-check and re-activate, Backhaul's subscriptions (its declaration's topics) at `url`.

        secret: the token the provider should send back, where Backhaul chooses it (Redo's bearer).
        external_id: a stable name for the subscription, so a re-run updates instead of duplicating."""
        raise UnsupportedCapability(self.slug, "registering webhooks through its API")
