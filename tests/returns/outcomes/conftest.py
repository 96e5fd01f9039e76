"""Helpers for outcome tests: a manual-mode store with a returns platform and a WMS on local HTTP fakes."""

from typing import Any

import pytest
from django.core.cache import cache
from pytest_httpserver import HTTPServer

from integrations import ratelimit
from integrations.inbound import InboundWarehouseReturnEvent, WarehouseLineData
from integrations.models import Connection, Store
from returns.models import RMA
from tests.factories import ConnectionFactory, RMAFactory, RMALineFactory
from tests.returns.rmas.conftest import make_location, make_return, make_store, make_warehouse


@pytest.fixture(autouse=True)
def _fast_settings(settings: Any) -> None:
    """Short backoffs and leases; a fresh cache (leases, rate limits)."""
    settings.RMA_PUSH_BACKOFF_SECONDS = 0.02
    settings.RMA_PUSH_MAX_RETRIES = 4
    settings.PROVIDER_CONNECT_TIMEOUT = 2.0
    settings.PROVIDER_READ_TIMEOUT = 2.0
    cache.clear()
    ratelimit._limiter().storage.reset()


def make_platform(store: Store, httpserver: HTTPServer, *, provider: str = "loop", **kwargs: Any) -> Connection:
    return ConnectionFactory(
        store=store,
        provider=provider,
        base_url=httpserver.url_for("/").rstrip("/"),
        api_key="platform-secret-key-4321",
        external_account_id="store-77" if provider == "redo" else "",
        **kwargs,
    )


def make_world(
    httpserver: HTTPServer,
    *,
    platform: str = "loop",
    mode: str = Store.ProcessingMode.MANUAL,
    rmas: tuple[tuple[str, dict[str, int]], ...] = (("1042", {"TEE-BLK-M": 2}),),
    platform_options: dict[str, Any] | None = None,
) -> tuple[Any, list[RMA]]:
    """A return whose RMAs (number → {sku: quantity}) are submitted to ShipMonk."""
    store = make_store(processing_mode=mode)
    platform_conn = make_platform(store, httpserver, provider=platform, options=platform_options or {})
    wms = make_warehouse(store, httpserver)
    location = make_location(store, wms, name="Ontario", wms_warehouse_code="CA1")
    lines = [
        {"sku": sku, "quantity": qty, "line_key": f"item-{sku}", "external_line_ids": [f"item-{sku}"]}
        for _, skus in rmas
        for sku, qty in skus.items()
    ]
    ret = make_return(store, lines=lines, connection=platform_conn, platform=platform, external_id="880011")
    made = []
    for number, skus in rmas:
        rma = RMAFactory(return_obj=ret, warehouse_connection=wms, location=location, number=number)
        for sku, qty in skus.items():
            RMALineFactory(rma=rma, sku=sku, quantity=qty)
        made.append(rma)
    return ret, made


def received_event(number: str, received: dict[str, int], *, damaged: bool = False) -> InboundWarehouseReturnEvent:
    """ShipMonk `returned` with the given received quantities per SKU."""
    lines = tuple(
        WarehouseLineData(
            sku=sku,
            received_quantity=qty,
            restocked_quantity=0 if damaged else qty,
            receiving_details=(
                {
                    "quantity": qty,
                    "condition": "damaged" if damaged else "good",
                    "disposition": "dispose" if damaged else "restocked",
                },
            )
            if qty
            else (),
        )
        for sku, qty in received.items()
    )
    return InboundWarehouseReturnEvent(rma_number=number, status="received", warehouse_status="returned", lines=lines)


def cancelled_event(number: str) -> InboundWarehouseReturnEvent:
    return InboundWarehouseReturnEvent(rma_number=number, status="cancelled", warehouse_status="cancelled")
