"""A store for the routing pages' browser walks: three warehouses and five returns already sent to the default."""

from unittest import mock

from integrations.models import Store
from returns.models import Return, ReturnLine
from returns.services.planning import rmas_plan
from tests.factories import ConnectionFactory, ShippingLocationFactory

# The shoppers' regions of returns #1040-#1044: three of them in Nevada (spelled two ways).
REGIONS = ["NV", "Nevada", "NJ", "TX", "NV"]


def shop_with_returns() -> Store:
    """Acme Tees: Ontario (CA1, the default), Reno (NV1), Newark (NJ1), and five returns of a tee and a cap,
    planned (their RMAs at Ontario) without publishing their pushes: these walks have no worker."""
    store = Store.objects.create(name="Acme Tees", slug="acme-tees")
    wms = ConnectionFactory(store=store, provider="shipmonk", base_url="http://127.0.0.1:9/")
    ShippingLocationFactory(
        store=store, warehouse_connection=wms, name="Ontario", wms_warehouse_code="CA1", is_default=True
    )
    ShippingLocationFactory(store=store, warehouse_connection=wms, name="Reno", wms_warehouse_code="NV1")
    ShippingLocationFactory(store=store, warehouse_connection=wms, name="Newark", wms_warehouse_code="NJ1")
    for number, region in enumerate(REGIONS, start=1040):
        ret = Return.objects.create(
            store=store, platform="loop", external_id=f"88{number}", order_name=f"#{number}", customer_region=region
        )
        ReturnLine.objects.create(return_obj=ret, line_key="tee", sku="TEE-BLK-M", quantity=1)
        ReturnLine.objects.create(return_obj=ret, line_key="cap", sku="CAP-RED", quantity=1)
        with mock.patch("returns.services.rmas.publishing.rma_task_publish"):
            rmas_plan(return_obj=ret)
    return store
