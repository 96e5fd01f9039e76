"""API test fixtures: support staff (all permissions, and view-only), store A's owner and member, store B's
member, and clients with their tokens (knox: named, hashed, expiring)."""

from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from integrations.models import Store, StoreMembership
from tests.factories import StoreFactory


class TokenClient(APIClient):
    credentials_header = ""


def token_client(user: Any) -> TokenClient:
    import datetime as dt

    from config.models import ApiToken

    client = TokenClient()
    _token, key = ApiToken.objects.create(user=user, expiry=dt.timedelta(days=1), name="tests")
    client.credentials_header = f"Token {key}"
    client.credentials(HTTP_AUTHORIZATION=client.credentials_header)
    return client


@dataclass
class World:
    store_a: Store
    store_b: Store
    staff: TokenClient  # support with every model permission
    viewer: TokenClient  # support with the view permissions only
    superuser: TokenClient
    merchant_a: TokenClient  # store A's owner
    member_a: TokenClient  # store A's member
    merchant_b: TokenClient  # store B's member
    anonymous: APIClient


@pytest.fixture
def world(db: None) -> World:
    from tests.roles import staff_user

    user_model = get_user_model()
    staff = staff_user("staff")
    viewer = staff_user("viewer", view_only=True)
    superuser = user_model.objects.create_superuser("root", "root@example.com", "x")
    member_a = user_model.objects.create_user("member-a", password="x")
    merchant_a = user_model.objects.create_user("merchant-a", password="x")
    merchant_b = user_model.objects.create_user("merchant-b", password="x")
    store_a = StoreFactory(name="Store A", slug="store-a")
    store_b = StoreFactory(name="Store B", slug="store-b")
    StoreMembership.objects.create(store=store_a, user=merchant_a, role=StoreMembership.Role.OWNER)
    StoreMembership.objects.create(store=store_a, user=member_a, role=StoreMembership.Role.MEMBER)
    StoreMembership.objects.create(store=store_b, user=merchant_b)
    return World(
        store_a=store_a,
        store_b=store_b,
        staff=token_client(staff),
        viewer=token_client(viewer),
        superuser=token_client(superuser),
        merchant_a=token_client(merchant_a),
        member_a=token_client(member_a),
        merchant_b=token_client(merchant_b),
        anonymous=APIClient(),
    )


def assert_error(response: Any, status: int, code: str | None = None) -> dict:
    """The response is an error in the one shape, with this status (and code)."""
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "details"}, body
    if code is not None:
        assert body["error"]["code"] == code, body
    return body["error"]


@dataclass
class StoreObjects:
    """One of everything the API exposes, in one store."""

    returns_connection: Any
    warehouse_connection: Any
    location: Any
    sku_mapping: Any
    disposition_rule: Any
    status_mapping: Any
    grade_mapping: Any
    return_obj: Any
    rma: Any
    webhook: Any
    orphan_receipt: Any
    routing_rule: Any


def make_store_objects(store: Store) -> StoreObjects:
    from integrations.models import InboundWebhook
    from returns.models import DispositionRule, GradeMapping, Instruction, OrphanReceipt, RoutingRule, StatusMapping
    from tests.factories import (
        ConnectionFactory,
        InboundWebhookFactory,
        ReturnFactory,
        ReturnLineFactory,
        RMAFactory,
        RMALineFactory,
        ShippingLocationFactory,
    )
    from warehouses.models import SkuMapping

    returns_connection = ConnectionFactory(store=store, provider="loop")
    warehouse_connection = ConnectionFactory(store=store, provider="shipmonk")
    location = ShippingLocationFactory(store=store, warehouse_connection=warehouse_connection, is_default=True)
    reno = ShippingLocationFactory(store=store, warehouse_connection=warehouse_connection, wms_warehouse_code="NV1")
    return_obj = ReturnFactory(store=store, connection=returns_connection, state="closed")
    ReturnLineFactory(return_obj=return_obj)
    rma = RMAFactory(return_obj=return_obj, warehouse_connection=warehouse_connection, location=location)
    RMALineFactory(rma=rma)
    return StoreObjects(
        returns_connection=returns_connection,
        warehouse_connection=warehouse_connection,
        location=location,
        sku_mapping=SkuMapping.objects.create(store=store, platform_sku="TEE", wms_sku="WMS-TEE"),
        disposition_rule=DispositionRule.objects.create(store=store, instruction=Instruction.RESTOCK),
        status_mapping=StatusMapping.objects.create(store=store, outcome="short", action="flag"),
        grade_mapping=GradeMapping.objects.create(
            store=store, warehouse="shipmonk", kind="disposition", word="dispose", disposition_outcome="recycle"
        ),
        return_obj=return_obj,
        rma=rma,
        webhook=InboundWebhookFactory(connection=returns_connection, status=InboundWebhook.Status.FAILED),
        orphan_receipt=OrphanReceipt.objects.create(
            store=store,
            warehouse_connection=warehouse_connection,
            wms_key="id:5599",
            external_id="5599",
            status="received",
            tracking_numbers=["9400111"],
            lines=[{"sku": "TEE", "expected": 1, "received": 1, "restocked": 1}],
        ),
        routing_rule=RoutingRule.objects.create(store=store, position=1, name="West", location=reno, regions=["NV"]),
    )


@dataclass
class FakeResult:
    ok: bool
    message: str


@pytest.fixture
def fake_services(monkeypatch: pytest.MonkeyPatch) -> dict[str, list]:
    """Stand-ins for the action services (built by other engineers): they record their calls.

    Where the real module does not exist yet, a stand-in module is put in sys.modules.
    """
    import importlib
    import sys
    import types

    calls: dict[str, list] = {
        "connection_test": [],
        "rma_retry": [],
        "rma_cancel": [],
        "webhook_replay": [],
        "orphan_receipt_link": [],
        "orphan_receipt_dismiss": [],
    }

    def connection_test(*, connection: Any) -> FakeResult:
        calls["connection_test"].append(connection.pk)
        return FakeResult(ok=True, message="Credentials accepted.")

    # `by` has no default: the API must say who asked (the timeline records it).
    def rma_retry(*, rma_id: int, by: str) -> None:
        assert by
        calls["rma_retry"].append(rma_id)

    def rma_cancel(*, rma_id: int, reason: str, by: str) -> None:
        assert by
        calls["rma_cancel"].append((rma_id, reason))

    def webhook_replay(*, webhook_id: int) -> None:
        calls["webhook_replay"].append(webhook_id)

    def orphan_receipt_link(*, orphan_id: int, return_id: int, rma_id: int | None, by: str) -> None:
        assert by
        calls["orphan_receipt_link"].append((orphan_id, return_id, rma_id))

    def orphan_receipt_dismiss(*, orphan_id: int, reason: str, by: str) -> None:
        assert by
        calls["orphan_receipt_dismiss"].append((orphan_id, reason))

    fakes = {
        "integrations.services.connections": {"connection_test": connection_test},
        "returns.services.rmas.support": {"rma_retry": rma_retry, "rma_cancel": rma_cancel},
        "integrations.services.webhooks": {"webhook_replay": webhook_replay},
        "returns.services.orphans.link": {
            "orphan_receipt_link": orphan_receipt_link,
            "orphan_receipt_dismiss": orphan_receipt_dismiss,
        },
    }
    for module_name, functions in fakes.items():
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            module = types.ModuleType(module_name)
            monkeypatch.setitem(sys.modules, module_name, module)
        for name, function in functions.items():
            monkeypatch.setattr(module, name, function, raising=False)
    return calls
