"""Every client's real requests pass the sandbox's strict validation (issue: sandbox providers).

The sandbox validates what providers.md documents, independently of the clients; these tests
run the real push / tracking / cancel / platform-action code against it over HTTP.
"""

from typing import Any

import pytest

from integrations.base import ReturnItemDecision
from integrations.declarations import Role
from integrations.models import Connection, Store
from integrations.registry import declarations, get_declaration, get_returns_platform_client
from integrations.sandbox.models import SandboxAccount, SandboxPlatformCall, SandboxReturn
from integrations.wizard import services as wizard
from integrations.wizard.credentials import warehouse_kinds
from returns.models import RMA, Return, ReturnLine, ReturnShipment
from returns.services.rmas.later_changes import rma_cancel_push, rma_tracking_push
from returns.services.rmas.push import rma_push
from returns.services.rmas.support import rma_cancel
from returns.services.rmas.triggers import rmas_on_return_changed


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


def _warehouse_kind(slug: str) -> str:
    """The wizard's first choice that connects through this provider (a front takes a WMS name it fixes)."""
    return next(kind for kind, (provider, _wms, _label) in warehouse_kinds().items() if provider == slug)


@pytest.mark.parametrize("provider", [d.slug for d in declarations(role=Role.WAREHOUSE)])
def test_warehouse_client_creates_updates_and_cancels_at_the_sandbox(
    provider: str, live_server: Any, transactional_db: None, settings: Any
) -> None:
    """Every warehouse system in the registry, connected as a merchant does (the wizard's sandbox choice), takes an
    RMA, then its tracking, then its cancel, through the real push code against its strict sandbox fake."""
    settings.PUBLIC_BASE_URL = live_server.url
    store = Store.objects.create(name="Acme", slug="acme")
    saved = wizard.warehouse_system_save(store=store, kind=_warehouse_kind(provider), credentials={}, sandbox=True)
    connection = saved.connection
    fetched = wizard.warehouses_fetch(connection=connection, refresh=True)
    assert fetched.ok, fetched.message
    wizard.location_save(
        store=store,
        location=None,
        data={"name": "Main"},
        warehouse=fetched.warehouses[0],
        connection=connection,
        is_default=True,
    )
    Connection.objects.filter(pk=connection.pk).update(status=Connection.Status.ACTIVE)  # gone live
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
    if get_declaration(provider).supports_cancel:
        assert (rma.status, held.status) == (RMA.Status.CANCELLED, "cancelled")
    else:  # no cancel endpoint: support cancels by hand
        assert (rma.status, held.status) == (RMA.Status.NEEDS_ATTENTION, "open")


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
