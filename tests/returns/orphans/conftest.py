"""A store with a Loop return whose RMA waits at ShipMonk, and warehouse events about parcels with no RMA of ours."""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from unittest import mock

import pytest

from integrations.inbound import InboundWarehouseReturnEvent, WarehouseLineData
from integrations.models import Connection, Store
from returns.models import RMA, Return
from tests.factories import (
    ConnectionFactory,
    ReturnFactory,
    ReturnLineFactory,
    ReturnShipmentFactory,
    RMAFactory,
    RMALineFactory,
    ShippingLocationFactory,
    StoreFactory,
)

TRACKING = "9400111000000000000001"


@dataclass
class World:
    store: Store
    loop: Connection
    wms: Connection
    ret: Return
    rma: RMA

    def another_return(
        self, *, order_name: str, tracking: str = "", email: str = "", skus: tuple[str, ...] = ("TEE-BLK-M",)
    ) -> tuple[Return, RMA]:
        ret = ReturnFactory(store=self.store, connection=self.loop, order_name=order_name, customer_email=email)
        rma = RMAFactory(return_obj=ret, warehouse_connection=self.wms, number=order_name.lstrip("#") + "R")
        for sku in skus:
            ReturnLineFactory(return_obj=ret, sku=sku, line_key=sku)
            RMALineFactory(rma=rma, sku=sku, quantity=1)
        if tracking:
            ReturnShipmentFactory(return_obj=ret, tracking_number=tracking, shipment_key=tracking)
        return ret, rma


def make_world() -> World:
    """Store "#1042": a Loop return (label 9400111000000000000001, Jane@Example.com) whose RMA 1042 waits at
    ShipMonk."""
    store = StoreFactory(processing_mode=Store.ProcessingMode.MANUAL)
    loop = ConnectionFactory(store=store, provider="loop")
    wms = ConnectionFactory(store=store, provider="shipmonk")
    location = ShippingLocationFactory(store=store, warehouse_connection=wms, wms_warehouse_code="CA1")
    ret = ReturnFactory(
        store=store, connection=loop, order_name="#1042", external_id="880011", customer_email="Jane@Example.com"
    )
    ReturnLineFactory(return_obj=ret, sku="TEE-BLK-M", quantity=2, line_key="TEE-BLK-M")
    ReturnShipmentFactory(return_obj=ret, tracking_number=TRACKING, shipment_key=TRACKING)
    rma = RMAFactory(return_obj=ret, warehouse_connection=wms, location=location, number="1042")
    RMALineFactory(rma=rma, sku="TEE-BLK-M", quantity=2)
    return World(store=store, loop=loop, wms=wms, ret=ret, rma=rma)


@pytest.fixture
def world(db: None) -> World:
    return make_world()


def parcel(
    *,
    external_id: str = "5599",
    rma_number: str = "",
    status: str = "received",
    tracking: tuple[str, ...] = (),
    orders: tuple[str, ...] = (),
    email: str = "",
    received: dict[str, int] | None = None,
    foreign_source: str = "",
    updated_at: Any = None,
) -> InboundWarehouseReturnEvent:
    """A warehouse event about a parcel with no RMA of ours: what arrived, and what it can be matched by."""
    received = {"TEE-BLK-M": 2} if received is None else received
    lines = tuple(
        WarehouseLineData(
            sku=sku,
            expected_quantity=qty,
            received_quantity=qty,
            restocked_quantity=qty,
            receiving_details=({"quantity": qty, "condition": "good", "disposition": "restocked"},),
        )
        for sku, qty in received.items()
    )
    return InboundWarehouseReturnEvent(
        rma_number=rma_number,
        external_id=external_id,
        status=status,
        warehouse_status={"received": "returned", "receiving": "arrived"}.get(status, status),
        lines=lines,
        tracking_numbers=tracking,
        order_refs=orders,
        customer_email=email,
        foreign_source=foreign_source,
        updated_at=updated_at,
    )


@pytest.fixture
def published() -> Iterator[mock.MagicMock]:
    """The platform action's publish (after commit): counted instead of sent."""
    with mock.patch("returns.services.outcomes._publish") as publish:
        yield publish
