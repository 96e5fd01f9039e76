"""The outbound provider interface and the DTOs clients speak (never ORM objects).

Capabilities are optional so returns platforms and warehouse systems share one type: a client
that cannot do something raises UnsupportedCapability, which is a permanent configuration error.
"""

import abc
import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Self

from integrations.exceptions import UnsupportedCapability

if TYPE_CHECKING:
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
    customer_name: str = ""
    outcome: str = ""
    # The WMS-neutral reason category chosen for the whole RMA (see payload builders for the enums).
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


class ProviderClient(abc.ABC):
    """Base of every provider client; concrete clients live in integrations/providers/<slug>/client.py."""

    slug: ClassVar[str]

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


class WarehouseClient(ProviderClient):
    """A warehouse system that receives RMAs (ShipMonk, ShipStream, TrackStar)."""

    # TrackStar refuses a return without its own order id; the others link the order by reference.
    needs_external_order_id: ClassVar[bool] = False
    # ShipMonk has no cancel endpoint: support cancels in its app.
    supports_cancel: ClassVar[bool] = True

    def warehouses_list(self) -> list[dict[str, Any]]:
        """The WMS's warehouses as it returns them."""
        raise UnsupportedCapability(self.slug, "warehouses_list")

    def order_find(self, *, order_name: str, order_number: str = "") -> OrderRef | None:
        """Find the original outbound order in the WMS, or None."""
        raise UnsupportedCapability(self.slug, "order_find")

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
