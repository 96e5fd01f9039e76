"""The provider-neutral event DTOs webhooks (and reconciliation) are mapped to.

Handlers (integrations/providers/<slug>/webhooks.py, on integrations/webhook_handler.py) verify against
the raw bytes and parse into the frozen dataclasses below; mappers are pure; services are the only code
that writes. Each value is fitted to its column as the DTO is built (integrations/dto_fitting.py).
"""

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

from integrations.dto_fitting import Fit, FitsColumns, fit

# --- provider-neutral DTOs ---------------------------------------------------------------
# Limits are the max_length of the column each value lands in (returns.models, warehouses.models,
# integrations.models); tests/integrations/webhooks/test_fitting.py checks they agree.


@dataclass(frozen=True)
class ReturnLineData(FitsColumns):
    line_key: str = field(metadata=fit(Fit.KEY, 200))
    sku: str = field(metadata=fit(Fit.ID, 200))
    quantity: int = field(metadata=fit(Fit.COUNT))
    title: str = field(default="", metadata=fit(Fit.TEXT, 300))
    reason: str = field(default="", metadata=fit(Fit.TEXT, 300))
    parent_reason: str = field(default="", metadata=fit(Fit.TEXT, 300))
    reason_code: str = field(default="", metadata=fit(Fit.TEXT, 100))
    customer_comment: str = field(default="", metadata=fit(Fit.TEXT, 10_000))
    outcome: str = field(default="", metadata=fit(Fit.TEXT, 50))
    external_line_ids: tuple[str, ...] = field(default=(), metadata=fit(Fit.JSON))
    destination_key: str = field(default="", metadata=fit(Fit.TEXT, 100))


@dataclass(frozen=True)
class ReturnShipmentData(FitsColumns):
    shipment_key: str = field(metadata=fit(Fit.KEY, 200))
    carrier: str = field(default="", metadata=fit(Fit.TEXT, 100))
    service: str = field(default="", metadata=fit(Fit.TEXT, 100))
    tracking_number: str = field(default="", metadata=fit(Fit.ID, 100))
    status: str = field(default="", metadata=fit(Fit.TEXT, 40))
    label_url: str = field(default="", metadata=fit(Fit.TEXT, 1000))
    # Line keys are fitted as the lines' own keys are, so they still name the same lines.
    line_keys: tuple[str, ...] = field(default=(), metadata=fit(Fit.KEY, 200))
    cancelled: bool = False
    # The platform's id of this label (Loop `shipment_id`), when it sends one: a later event about the
    # same label is matched by it even when its tracking number changed.
    platform_shipment_id: str = field(default="", metadata=fit(Fit.TEXT, 100))
    # The label's own update time (Loop `label_updated_at`, `labels[].updated_at`): an older one changes nothing.
    updated_at: dt.datetime | None = None


class ReturnMethod(StrEnum):
    """How the shopper sends the parcel back, in the platform's neutral words (each mapper says how it reads
    its payload). Routing rules match on it; "" is unknown."""

    MAIL = "mail"  # a carrier label, posted or handed to the carrier
    HAPPY_RETURNS = "happy_returns"  # a Happy Returns drop-off (box-free, consolidated shipments)
    DROP_OFF = "drop_off"  # another drop-off point (a store, a locker, a partner counter)


@dataclass(frozen=True)
class ReturnData(FitsColumns):
    platform: str
    external_id: str = field(metadata=fit(Fit.ID, 100))
    order_name: str = field(default="", metadata=fit(Fit.ID, 100))
    order_number: str = field(default="", metadata=fit(Fit.ID, 100))
    platform_order_id: str = field(default="", metadata=fit(Fit.ID, 100))
    provider_order_id: str = field(default="", metadata=fit(Fit.ID, 100))
    customer_email: str = field(default="", metadata=fit(Fit.TEXT, 254))
    customer_name: str = field(default="", metadata=fit(Fit.TEXT, 200))
    state: str = field(default="", metadata=fit(Fit.TEXT, 30))
    currency: str = field(default="", metadata=fit(Fit.TEXT, 3))
    total: Decimal | None = field(default=None, metadata=fit(Fit.MONEY))
    outcome: str = field(default="", metadata=fit(Fit.TEXT, 30))
    destination_id: str = field(default="", metadata=fit(Fit.TEXT, 100))
    destination_address: Mapping[str, Any] = field(default_factory=dict, metadata=fit(Fit.JSON))
    # Where the shopper is (the order's shipping address, as the platform gives it): routing rules match the
    # country (ISO 3166-1 alpha-2, "" when the payload gives none), the region and the postal code.
    customer_country_code: str = field(default="", metadata=fit(Fit.TEXT, 2))
    customer_region: str = field(default="", metadata=fit(Fit.TEXT, 100))
    customer_postal_code: str = field(default="", metadata=fit(Fit.TEXT, 20))
    # The order's tags (Shopify's), when the payload carries them; empty: it says nothing (keep what we have).
    order_tags: tuple[str, ...] = field(default=(), metadata=fit(Fit.JSON))
    # A ReturnMethod value, "" when the payload does not say.
    return_method: str = field(default="", metadata=fit(Fit.TEXT, 20))
    platform_created_at: dt.datetime | None = None
    platform_updated_at: dt.datetime | None = None
    is_test: bool = False
    lines: tuple[ReturnLineData, ...] = field(default=(), metadata=fit(Fit.NESTED))
    # None: the payload says nothing about shipments (keep what we have).
    shipments: tuple[ReturnShipmentData, ...] | None = field(default=None, metadata=fit(Fit.NESTED))


@dataclass(frozen=True)
class InboundReturnEvent(FitsColumns):
    """A return was created / updated / closed / back-filled on the platform."""

    change: str  # created | updated | closed | backfill
    data: ReturnData = field(metadata=fit(Fit.NESTED))


@dataclass(frozen=True)
class InboundLabelEvent(FitsColumns):
    """A return's label was created or changed."""

    platform: str
    return_external_id: str = field(metadata=fit(Fit.ID, 100))
    change: str  # label_created | label_updated
    shipment: ReturnShipmentData = field(metadata=fit(Fit.NESTED))
    updated_at: dt.datetime | None = None
    # True: a label for a return Backhaul does not hold is dropped instead of retried (a Happy Returns
    # shipment lists every return in the bag, not only this store's).
    if_return_known: bool = False


@dataclass(frozen=True)
class InboundLabelRequestEvent(FitsColumns):
    """Loop's third-party label flow: a label was requested or the request was cancelled."""

    platform: str
    return_external_id: str = field(metadata=fit(Fit.ID, 100))
    request_id: str = field(metadata=fit(Fit.ID, 100))  # kept in the timeline entry's data, and looked up there
    change: str  # label_request_issued | label_request_cancelled
    destination_address: Mapping[str, Any] = field(default_factory=dict, metadata=fit(Fit.JSON))


@dataclass(frozen=True)
class InboundShipmentLookupEvent(FitsColumns):
    """A platform names a shipment and nothing else (Loop's Happy Returns drop-off): the platform's client fetches
    it (inbound_event_enrich) and turns it into label events."""

    reference: str = field(metadata=fit(Fit.ID, 100))  # the platform's own id for it, for support
    shipment_id: str = field(metadata=fit(Fit.ID, 100))  # what the shipment is fetched by (part of a URL)


@dataclass(frozen=True)
class FulfillmentData(FitsColumns):
    shipment_key: str = field(metadata=fit(Fit.KEY, 255))
    order_key: str = field(default="", metadata=fit(Fit.ID, 200))
    order_number: str = field(default="", metadata=fit(Fit.ID, 100))
    external_order_id: str = field(default="", metadata=fit(Fit.ID, 200))
    warehouse_code: str = field(default="", metadata=fit(Fit.TEXT, 100))
    carrier: str = field(default="", metadata=fit(Fit.TEXT, 100))
    service: str = field(default="", metadata=fit(Fit.TEXT, 100))
    tracking_numbers: tuple[str, ...] = field(default=(), metadata=fit(Fit.JSON))
    packages: tuple[Mapping[str, Any], ...] = field(default=(), metadata=fit(Fit.JSON))
    items: tuple[Mapping[str, Any], ...] = field(default=(), metadata=fit(Fit.JSON))
    ordered_at: dt.datetime | None = None
    shipped_at: dt.datetime | None = None


@dataclass(frozen=True)
class InboundFulfillmentEvent(FitsColumns):
    data: FulfillmentData = field(metadata=fit(Fit.NESTED))


@dataclass(frozen=True)
class ItemGrade(FitsColumns):
    """What the warehouse found (condition) and did (disposition) for some units of one SKU, in the WMS's own
    words, with its description, note, photos and inspection time: provider-neutral. A store's GradeMappings turn
    the words into the returns platform's (returns/grading.py); the rest is passed on as it is."""

    quantity: int = field(metadata=fit(Fit.COUNT))
    condition: str = field(default="", metadata=fit(Fit.TEXT, 100))  # "good", "damaged", "noted"
    disposition: str = field(default="", metadata=fit(Fit.TEXT, 100))  # "restocked", "scrapped", "dispose"
    description: str = field(default="", metadata=fit(Fit.TEXT, 255))  # Loop: required, at most 255
    note: str = field(default="", metadata=fit(Fit.TEXT, 1000))
    images: tuple[str, ...] = field(default=(), metadata=fit(Fit.TEXT, 1000))  # photo / evidence URLs
    inspected_at: dt.datetime | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "quantity": self.quantity,
            "condition": self.condition,
            "disposition": self.disposition,
            "description": self.description,
            "note": self.note,
            "images": list(self.images),
            "inspected_at": self.inspected_at.isoformat() if self.inspected_at else None,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "ItemGrade":
        when = data.get("inspected_at")
        return cls(
            quantity=int(data.get("quantity") or 0),
            condition=str(data.get("condition") or ""),
            disposition=str(data.get("disposition") or ""),
            description=str(data.get("description") or ""),
            note=str(data.get("note") or ""),
            images=tuple(str(i) for i in data.get("images") or () if i),
            inspected_at=dt.datetime.fromisoformat(when) if isinstance(when, str) and when else None,
        )


@dataclass(frozen=True)
class WarehouseLineData(FitsColumns):
    sku: str = field(metadata=fit(Fit.ID, 200))  # matched against our RMA lines' SKUs, which are at most this long
    expected_quantity: int | None = field(default=None, metadata=fit(Fit.COUNT))
    received_quantity: int | None = field(default=None, metadata=fit(Fit.COUNT))
    restocked_quantity: int | None = field(default=None, metadata=fit(Fit.COUNT))
    # Per unit group: {"quantity": 1, "condition": "good", "disposition": "restocked"}.
    receiving_details: tuple[Mapping[str, Any], ...] = field(default=(), metadata=fit(Fit.JSON))
    # What the warehouse reported per unit group (its grading), where it reports any: sent on to the platform.
    grades: tuple[ItemGrade, ...] = field(default=(), metadata=fit(Fit.NESTED))


@dataclass(frozen=True)
class InboundWarehouseReturnEvent(FitsColumns):
    """The WMS changed an RMA: status, received / restocked quantities, condition per unit."""

    rma_number: str = field(default="", metadata=fit(Fit.ID, 100))  # ShipMonk `rma`, ShipStream `merchant_ref`
    external_id: str = field(default="", metadata=fit(Fit.ID, 200))  # TrackStar return id, ShipMonk return id
    status: str = ""  # an RMA.Status value, "" when the raw status maps to none
    warehouse_status: str = field(default="", metadata=fit(Fit.TEXT, 60))  # the WMS's own word, kept for support
    warehouse_code: str = field(default="", metadata=fit(Fit.TEXT, 100))
    updated_at: dt.datetime | None = None
    received_at: dt.datetime | None = None
    lines: tuple[WarehouseLineData, ...] | None = field(default=None, metadata=fit(Fit.NESTED))
    changed_fields: tuple[str, ...] = field(default=(), metadata=fit(Fit.JSON))
    # What the parcel is known by besides our RMA number, where the WMS says: matched against our returns when
    # the event is about none of our RMAs (an orphan receipt, returns/services/orphans/).
    tracking_numbers: tuple[str, ...] = field(default=(), metadata=fit(Fit.TEXT, 100))
    # The original order as the WMS names it: its number ("#1042"), its key or its own id for the order.
    order_refs: tuple[str, ...] = field(default=(), metadata=fit(Fit.TEXT, 100))
    customer_email: str = field(default="", metadata=fit(Fit.TEXT, 254))
    # The integration that made this return at the WMS, when the WMS names one that is not Backhaul's kind of
    # API client (ShipMonk `source: loop`): its returns are that integration's to report, never an orphan of ours.
    foreign_source: str = field(default="", metadata=fit(Fit.TEXT, 60))


def warehouse_event_to_json(event: InboundWarehouseReturnEvent) -> dict[str, Any]:
    """The event as JSON (kept on an orphan receipt, applied once a person links it): the inverse of
    warehouse_event_from_json."""

    def when(value: dt.datetime | None) -> str | None:
        return value.isoformat() if value else None

    return {
        "rma_number": event.rma_number,
        "external_id": event.external_id,
        "status": event.status,
        "warehouse_status": event.warehouse_status,
        "warehouse_code": event.warehouse_code,
        "updated_at": when(event.updated_at),
        "received_at": when(event.received_at),
        "lines": None
        if event.lines is None
        else [
            {
                "sku": line.sku,
                "expected_quantity": line.expected_quantity,
                "received_quantity": line.received_quantity,
                "restocked_quantity": line.restocked_quantity,
                "receiving_details": [dict(d) for d in line.receiving_details],
                "grades": [g.to_json() for g in line.grades],
            }
            for line in event.lines
        ],
        "changed_fields": list(event.changed_fields),
        "tracking_numbers": list(event.tracking_numbers),
        "order_refs": list(event.order_refs),
        "customer_email": event.customer_email,
        "foreign_source": event.foreign_source,
    }


def warehouse_event_from_json(data: Mapping[str, Any]) -> InboundWarehouseReturnEvent:
    """An event stored by warehouse_event_to_json, as it was."""

    def when(value: Any) -> dt.datetime | None:
        return dt.datetime.fromisoformat(value) if isinstance(value, str) and value else None

    lines = data.get("lines")
    return InboundWarehouseReturnEvent(
        rma_number=str(data.get("rma_number") or ""),
        external_id=str(data.get("external_id") or ""),
        status=str(data.get("status") or ""),
        warehouse_status=str(data.get("warehouse_status") or ""),
        warehouse_code=str(data.get("warehouse_code") or ""),
        updated_at=when(data.get("updated_at")),
        received_at=when(data.get("received_at")),
        lines=None
        if lines is None
        else tuple(
            WarehouseLineData(
                sku=str(line.get("sku") or ""),
                expected_quantity=line.get("expected_quantity"),
                received_quantity=line.get("received_quantity"),
                restocked_quantity=line.get("restocked_quantity"),
                receiving_details=tuple(line.get("receiving_details") or ()),
                grades=tuple(ItemGrade.from_json(g) for g in line.get("grades") or () if isinstance(g, Mapping)),
            )
            for line in lines
        ),
        changed_fields=tuple(data.get("changed_fields") or ()),
        tracking_numbers=tuple(data.get("tracking_numbers") or ()),
        order_refs=tuple(data.get("order_refs") or ()),
        customer_email=str(data.get("customer_email") or ""),
        foreign_source=str(data.get("foreign_source") or ""),
    )


@dataclass(frozen=True)
class InboundConnectionHealthEvent(FitsColumns):
    """TrackStar connection-error.*: the connection's health as the provider sees it."""

    healthy: bool
    message: str = field(default="", metadata=fit(Fit.TEXT, 2000))


@dataclass(frozen=True)
class IgnoredEvent(FitsColumns):
    """A verified event we do not handle: kept, marked ignored, answered 2xx."""

    reason: str = field(default="", metadata=fit(Fit.TEXT, 500))


Payload = (
    InboundReturnEvent
    | InboundLabelEvent
    | InboundLabelRequestEvent
    | InboundShipmentLookupEvent
    | InboundFulfillmentEvent
    | InboundWarehouseReturnEvent
    | InboundConnectionHealthEvent
    | IgnoredEvent
)


@dataclass(frozen=True)
class InboundEvent(FitsColumns):
    """One event parsed from a webhook body."""

    event_type: str = field(metadata=fit(Fit.TEXT, 120))
    dedupe_key: str = field(metadata=fit(Fit.KEY, 255))
    payload: Payload = field(metadata=fit(Fit.NESTED))
    external_event_id: str = field(default="", metadata=fit(Fit.TEXT, 255))

    @property
    def ignored(self) -> bool:
        return isinstance(self.payload, IgnoredEvent)
