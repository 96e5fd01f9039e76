"""The API of issue 24's parts 3 and 4, with the real services: orphan receipts listed, read, linked (once) and
dismissed (with a reason); returns filtered by `aging`; a store's N and M days; all of it in the OpenAPI schema."""

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from integrations.inbound import InboundWarehouseReturnEvent, WarehouseLineData
from returns.models import Return
from returns.services.warehouse_events import rma_apply_warehouse_event
from tests.api.conftest import StoreObjects, World, assert_error, make_store_objects

DAY = dt.timedelta(days=1)


@pytest.fixture
def objs(world: World) -> StoreObjects:
    return make_store_objects(world.store_a)


def _receipt(objs: StoreObjects, *, external_id: str = "7001") -> int:
    """A parcel ShipMonk received with nothing to match it by: an open orphan receipt."""
    lines = (WarehouseLineData(sku="TEE", expected_quantity=1, received_quantity=1, restocked_quantity=1),)
    event = InboundWarehouseReturnEvent(external_id=external_id, status="received", lines=lines)
    assert rma_apply_warehouse_event(connection=objs.warehouse_connection, event=event, webhook_id=None) == ""
    from returns.models import OrphanReceipt

    return OrphanReceipt.objects.get(external_id=external_id).pk


def test_list_detail_link_once_and_refusals(world: World, objs: StoreObjects) -> None:
    pk = _receipt(objs)
    api = world.member_a
    listed = api.get("/api/v1/orphan-receipts/", {"state": "open", "store": world.store_a.pk}).json()["results"]
    assert {row["id"] for row in listed} == {pk, objs.orphan_receipt.pk}
    detail = api.get(f"/api/v1/orphan-receipts/{pk}/").json()
    assert (detail["state"], detail["external_id"], detail["lines"][0]["sku"]) == ("open", "7001", "TEE")
    assert detail["note"].startswith("It carries no tracking number, order or customer to match")

    url = f"/api/v1/orphan-receipts/{pk}/link/"
    assert_error(api.post(url, {}, format="json"), 400, "invalid")
    assert_error(api.post(url, {"return_id": 2**64}, format="json"), 400, "invalid")
    refused = assert_error(api.post(url, {"return_id": 999_999}, format="json"), 400, "application_error")
    assert refused["message"] == "No such return in this store."
    linked = api.post(url, {"return_id": objs.return_obj.pk}, format="json")
    assert linked.status_code == 200, linked.content
    body = linked.json()
    assert (body["state"], body["matched_by"], body["return_id"], body["rma"]) == (
        "linked",
        "person",
        objs.return_obj.pk,
        objs.rma.pk,
    )
    again = api.post(url, {"return_id": objs.return_obj.pk}, format="json")
    assert (again.status_code, again.json()["linked_at"]) == (200, body["linked_at"])
    assert objs.return_obj.timeline.filter(kind="orphan_receipt_linked").count() == 1
    dismissed = assert_error(
        world.merchant_a.post(f"/api/v1/orphan-receipts/{pk}/dismiss/", {"reason": "x"}, format="json"),
        400,
        "application_error",
    )
    assert "cannot be dismissed" in dismissed["message"]
    assert api.get("/api/v1/orphan-receipts/", {"state": "bogus"}).status_code == 400


def test_dismiss_needs_a_reason(world: World, objs: StoreObjects) -> None:
    url = f"/api/v1/orphan-receipts/{objs.orphan_receipt.pk}/dismiss/"
    error = assert_error(world.merchant_a.post(url, {"reason": ""}, format="json"), 400, "invalid")
    assert "reason" in error["details"]
    error = assert_error(world.merchant_a.post(url, {"reason": "   "}, format="json"), 400)
    dismissed = world.merchant_a.post(url, {"reason": "Return to sender of #2001"}, format="json").json()
    assert (dismissed["state"], dismissed["dismiss_reason"], dismissed["dismissed_by"]) == (
        "dismissed",
        "Return to sender of #2001",
        "merchant-a",
    )


def test_returns_are_filtered_by_aging(world: World, objs: StoreObjects) -> None:
    now = timezone.now()
    stages = {"label": now - DAY, "delivered": now - DAY, "received": now - DAY}
    made = {}
    for stage, due in stages.items():
        ret = Return.objects.create(store=world.store_a, platform="loop", external_id=f"A-{stage}", order_name="#9")
        Return.objects.filter(pk=ret.pk).update(aging_stage=stage, aging_since=now - 20 * DAY, aging_due_at=due)
        made[stage] = ret.pk
    later = Return.objects.create(store=world.store_a, platform="loop", external_id="A-later")
    Return.objects.filter(pk=later.pk).update(aging_stage="label", aging_since=now, aging_due_at=now + DAY)

    def ids(value: str) -> set[int]:
        response = world.member_a.get("/api/v1/returns/", {"aging": value})
        assert response.status_code == 200, response.content
        return {row["id"] for row in response.json()["results"]}

    assert ids("overdue") == set(made.values())
    assert ids("arrival") == {made["label"], made["delivered"]}
    assert ids("close") == {made["received"]}
    row = world.member_a.get(f"/api/v1/returns/{made['delivered']}/").json()
    assert (row["aging_stage"], row["overdue"]) == ("delivered", True)
    error = assert_error(world.member_a.get("/api/v1/returns/", {"aging": "soon"}), 400, "invalid")
    assert "aging" in error["details"]


def test_a_stores_days_are_read_and_changed_by_its_owners(world: World, objs: StoreObjects) -> None:
    url = f"/api/v1/stores/{world.store_a.pk}/"
    assert world.member_a.get(url).json()["aging_arrival_days"] == 14
    assert_error(world.member_a.patch(url, {"aging_close_days": 3}, format="json"), 403, "permission_denied")
    error = assert_error(world.merchant_a.patch(url, {"aging_arrival_days": 0}, format="json"), 400, "invalid")
    assert "aging_arrival_days" in error["details"]
    changed = world.merchant_a.patch(url, {"aging_arrival_days": 21, "aging_close_days": 3}, format="json").json()
    assert (changed["aging_arrival_days"], changed["aging_close_days"]) == (21, 3)


def test_the_schema_documents_them(world: World) -> None:
    schema: Any = world.staff.get("/api/schema/", {"format": "json"}).json()
    paths = schema["paths"]
    for path in (
        "/api/v1/orphan-receipts/",
        "/api/v1/orphan-receipts/{id}/",
        "/api/v1/orphan-receipts/{id}/link/",
        "/api/v1/orphan-receipts/{id}/dismiss/",
    ):
        assert path in paths, path
    aging = next(p for p in paths["/api/v1/returns/"]["get"]["parameters"] if p["name"] == "aging")
    assert aging["schema"]["enum"] == ["arrival", "close", "overdue"]
    link_body = paths["/api/v1/orphan-receipts/{id}/link/"]["post"]["requestBody"]
    assert "OrphanReceiptLinkInput" in str(link_body)
