"""Every client's real requests pass the sandbox's strict validation (issue: sandbox providers).

The sandbox validates what providers.md documents, independently of the clients; these tests
run the real push / tracking / cancel / platform-action code against it over HTTP.
"""

from typing import Any

import pytest

from integrations.base import ReturnItemDecision
from integrations.models import Connection, Store
from integrations.registry import get_returns_platform_client
from integrations.sandbox.models import SandboxAccount, SandboxPlatformCall, SandboxReturn
from returns.models import RMA, Return, ReturnLine, ReturnShipment
from returns.services.rmas.later_changes import rma_cancel_push, rma_tracking_push
from returns.services.rmas.push import rma_push
from returns.services.rmas.support import rma_cancel
from returns.services.rmas.triggers import rmas_on_return_changed
from warehouses.models import ShippingLocation

WAREHOUSES = [{"id": "wh_ca", "code": "CA1", "name": "Ontario CA"}]
WMS = {
    "shipmonk": ({"api_key": "sm-key", "external_account_id": "12345"}, {"wms_warehouse_code": "CA1"}, WAREHOUSES),
    "trackstar": (
        # A sandbox account's own organisation key, as the wizard sets it: Backhaul's own goes only to TrackStar.
        {"access_token": "ts-token", "wms_name": "shipmonk", "api_key": "sbx_organisation_key"},
        {"trackstar_warehouse_id": "wh_ca", "wms_warehouse_code": "CA1"},
        WAREHOUSES,
    ),
    "shipstream": ({"api_username": "apiuser", "api_password": "apipass"}, {"wms_warehouse_code": "1"}, [{"id": 1}]),
}


def _sandboxed(store: Store, live_url: str, provider: str, role: str, warehouses: list, **fields: Any) -> Connection:
    account = SandboxAccount.objects.create(provider=provider, warehouses=warehouses)
    connection = Connection.objects.create(
        store=store,
        provider=provider,
        role=role,
        status=Connection.Status.ACTIVE,
        base_url=f"{live_url}{account.base_path}".rstrip("/"),
        **fields,
    )
    account.connection = connection
    account.save(update_fields=["connection", "updated_at"])
    return connection


def _return(store: Store) -> Return:
    return_obj = Return.objects.create(
        store=store, platform="loop", external_id="880011", order_name="#1042", order_number="1042", state="open"
    )
    ReturnLine.objects.create(
        return_obj=return_obj, line_key="a", sku="TEE-BLK-M", quantity=2, reason="Too small", parent_reason="Fit"
    )
    ReturnLine.objects.create(return_obj=return_obj, line_key="b", sku="HOODIE-GRY-L", quantity=1, reason="Damaged")
    return return_obj


@pytest.mark.parametrize("provider", sorted(WMS))
def test_warehouse_client_creates_updates_and_cancels_at_the_sandbox(
    provider: str, live_server: Any, transactional_db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRACKSTAR_API_KEY", "org-key")
    credentials, location_fields, warehouses = WMS[provider]
    store = Store.objects.create(name="Acme", slug="acme")
    connection = _sandboxed(store, live_server.url, provider, "warehouse", warehouses, **credentials)
    ShippingLocation.objects.create(
        store=store, name="Main", warehouse_connection=connection, is_default=True, **location_fields
    )
    return_obj = _return(store)
    rmas_on_return_changed(return_obj=return_obj, change="created")
    rma = RMA.objects.get(return_obj=return_obj)

    assert rma_push(rma_id=rma.pk).action == "done"
    rma.refresh_from_db()
    assert rma.status == RMA.Status.SUBMITTED, rma.last_error
    held = SandboxReturn.objects.get(account__connection=connection)
    assert sorted((i["sku"], i["quantity"]) for i in held.items) == [("HOODIE-GRY-L", 1), ("TEE-BLK-M", 2)]

    # A label arrives after submission: the tracking is pushed to the existing RMA.
    ReturnShipment.objects.create(
        return_obj=return_obj, shipment_key="9400111", carrier="USPS", tracking_number="9400111"
    )
    rma_tracking_push(rma_id=rma.pk)
    rma.refresh_from_db()
    assert rma.pushed_tracking_numbers == ["9400111"], rma.last_error
    held.refresh_from_db()
    assert held.tracking_numbers == ["9400111"]

    rma_cancel(rma_id=rma.pk, reason="customer cancelled")
    rma_cancel_push(rma_id=rma.pk)
    rma.refresh_from_db()
    held.refresh_from_db()
    if provider == "shipmonk":  # no cancel endpoint: support cancels by hand
        assert (rma.status, held.status) == (RMA.Status.NEEDS_ATTENTION, "open")
    else:
        assert (rma.status, held.status) == (RMA.Status.CANCELLED, "cancelled")


def test_loop_and_redo_clients_pass_the_sandbox(live_server: Any, transactional_db: None) -> None:
    store = Store.objects.create(name="Acme", slug="acme")
    loop = get_returns_platform_client(
        connection=_sandboxed(store, live_server.url, "loop", "returns_platform", [], api_key="loop-key")
    )
    redo = get_returns_platform_client(
        connection=_sandboxed(
            store, live_server.url, "redo", "returns_platform", [], api_key="redo-secret", external_account_id="s1"
        )
    )
    loop.test_connection()
    loop.return_process(return_id="880011")
    loop.return_flag(return_id="880012")
    loop.return_note_create(return_id="880012", content="Backhaul: short receipt, 1 of 2 × TEE-BLK-M " * 10)
    redo.test_connection()
    redo.return_flag(return_id="r1")
    redo.return_note_create(return_id="r1", content="Backhaul: short receipt")
    redo.return_items_process(
        return_id="r2",
        items=[
            ReturnItemDecision(item_id="item-1", accept=True, restock=False),
            ReturnItemDecision(item_id="item-2", accept=False, restock=True),
        ],
    )
    redo.return_process(return_id="r3")
    calls = sorted(SandboxPlatformCall.objects.values_list("account__provider", "return_id", "action"))
    assert calls == [
        ("loop", "880011", "process"),
        ("loop", "880012", "flag"),
        ("loop", "880012", "note"),
        ("redo", "r1", "comment"),
        ("redo", "r1", "status:flagged"),
        ("redo", "r2", "process"),
        ("redo", "r3", "status:complete"),
    ]
