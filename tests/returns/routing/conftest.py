"""A store with three warehouses of one WMS (CA1 the default, NJ1, NV1) and helpers to write rules."""

from typing import Any
from unittest import mock

import pytest
from django.core.cache import cache

from integrations.models import Store
from returns.models import RoutingRule
from returns.routing_provisioning import routing_rule_create
from tests.factories import ConnectionFactory, ShippingLocationFactory, StoreFactory

RMA_TASK_PUBLISH = "returns.services.rmas.publishing.rma_task_publish"


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Order look-ups are cached per store id and order: a previous test's must not answer for this one."""
    cache.clear()


@pytest.fixture(autouse=True)
def no_publish() -> Any:
    """Routing tests check rows, not pushes: record what would be published."""
    with mock.patch(RMA_TASK_PUBLISH) as publish:
        yield publish


class World:
    def __init__(self) -> None:
        self.store: Store = StoreFactory(name="Acme Tees", slug="acme-tees")
        self.wms = ConnectionFactory(store=self.store, provider="shipmonk", base_url="http://127.0.0.1:9/")
        self.ca1 = ShippingLocationFactory(
            store=self.store, warehouse_connection=self.wms, name="Ontario", wms_warehouse_code="CA1", is_default=True
        )
        self.nj1 = ShippingLocationFactory(
            store=self.store,
            warehouse_connection=self.wms,
            name="Newark",
            wms_warehouse_code="NJ1",
            destinations={"loop": "dest-nj"},
        )
        self.nv1 = ShippingLocationFactory(
            store=self.store, warehouse_connection=self.wms, name="Reno", wms_warehouse_code="NV1"
        )

    def rule(self, name: str, location: Any, position: int | None = None, **conditions: Any) -> RoutingRule:
        return routing_rule_create(
            store=self.store, data={"name": name, "location": location.pk, **conditions}, position=position
        )


@pytest.fixture
def world(db: None) -> World:
    return World()
