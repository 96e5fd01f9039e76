"""Provision a store through the API only, then read a processed return with its RMAs and timeline."""

import datetime as dt
from typing import Any

import pytest

from integrations.models import Connection, InboundWebhook
from returns.models import RMA, TimelineEvent
from tests.api.conftest import World, assert_error, make_store_objects
from tests.factories import (
    InboundWebhookFactory,
    ReturnFactory,
    ReturnLineFactory,
    ReturnShipmentFactory,
    RMAFactory,
    RMALineFactory,
)

SECRETS = {"api_key": "sk-loop-abc123", "webhook_secret": "loop-signing-xyz789"}


def post(client: Any, url: str, body: dict) -> dict:
    response = client.post(url, body, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def test_provision_a_store_then_read_a_processed_return(world: World) -> None:
    api = world.staff
    store = post(api, "/api/v1/stores/", {"name": "Acme Apparel", "rma_trigger": "on_label_created"})
    loop = post(api, "/api/v1/connections/", {"store": store["id"], "provider": "loop", **SECRETS})
    trackstar = post(
        api,
        "/api/v1/connections/",
        {"store": store["id"], "provider": "trackstar", "wms_name": "shipmonk", "access_token": "ts-token-1"},
    )
    east = post(
        api,
        "/api/v1/locations/",
        {
            "store": store["id"],
            "name": "East",
            "warehouse_connection": trackstar["id"],
            "trackstar_warehouse_id": "wh_east",
            "destinations": {"loop": "42"},
            "is_default": True,
        },
    )
    post(api, "/api/v1/sku-mappings/", {"store": store["id"], "platform_sku": "TEE-BLK-M", "wms_sku": "TB-M"})
    post(api, "/api/v1/disposition-rules/", {"store": store["id"], "instruction": "inspect", "match_reason": "damaged"})
    # A new store starts with the default mappings; the merchant changes one of them.
    mappings = api.get("/api/v1/status-mappings/", {"store": store["id"]}).json()["results"]
    assert {m["outcome"]: m["action"] for m in mappings}["short"] == "flag"
    short = next(m for m in mappings if m["outcome"] == "short")
    changed = api.patch(f"/api/v1/status-mappings/{short['id']}/", {"action": "ignore"}, format="json")
    assert changed.status_code == 200, changed.content

    assert loop["role"] == "returns_platform"
    assert trackstar["role"] == "warehouse"
    assert loop["api_key_set"] is True
    assert loop["webhook_url"].endswith(f"/webhooks/loop/{Connection.objects.get(pk=loop['id']).endpoint_token}/")
    assert Connection.objects.get(pk=loop["id"]).api_key == SECRETS["api_key"]

    # What the pipeline (built elsewhere) would have written for a processed return.
    webhook = InboundWebhookFactory(
        connection=Connection.objects.get(pk=loop["id"]), status=InboundWebhook.Status.PROCESSED
    )
    return_obj = ReturnFactory(
        store_id=store["id"], connection_id=loop["id"], order_name="#1001", state="closed", platform_action="process"
    )
    ReturnLineFactory(return_obj=return_obj, sku="TEE-BLK-M", quantity=2, reason="Too small")
    shipment = ReturnShipmentFactory(return_obj=return_obj)
    rma = RMAFactory(
        return_obj=return_obj,
        shipment=shipment,
        number="1001",
        warehouse_connection_id=trackstar["id"],
        location_id=east["id"],
        status=RMA.Status.RECEIVED,
        outcome="fully_received",
    )
    RMALineFactory(rma=rma, sku="TB-M", platform_sku="TEE-BLK-M", quantity=2, received_quantity=2)
    for message in ("Return created in Loop", "TrackStar RMA 1001 created", "Return processed in Loop"):
        TimelineEvent.objects.create(return_obj=return_obj, rma=rma, kind="note", message=message, webhook=webhook)

    found = api.get("/api/v1/returns/", {"order_name": "1001", "store": store["id"], "state": "closed"}).json()
    assert [row["id"] for row in found["results"]] == [return_obj.pk]

    detail = api.get(f"/api/v1/returns/{return_obj.pk}/").json()
    assert detail["order_name"] == "#1001"
    assert [line["sku"] for line in detail["lines"]] == ["TEE-BLK-M"]
    assert [s["tracking_number"] for s in detail["shipments"]] == [shipment.tracking_number]
    [rma_out] = detail["rmas"]
    assert rma_out["number"] == "1001"
    assert rma_out["location"] == east["id"]
    assert rma_out["lines"][0]["received_quantity"] == 2
    assert [event["message"] for event in detail["timeline"]] == [
        "Return created in Loop",
        "TrackStar RMA 1001 created",
        "Return processed in Loop",
    ]
    assert detail["timeline"][0]["webhook"] == webhook.pk
    assert api.get("/api/v1/rmas/", {"return_id": return_obj.pk}).json()["count"] == 1


def test_connection_secrets_are_write_only(world: World) -> None:
    response = world.staff.post(
        "/api/v1/connections/", {"store": world.store_a.pk, "provider": "loop", **SECRETS}, format="json"
    )
    connection_id = response.json()["id"]
    texts = [
        response.content,
        world.staff.get(f"/api/v1/connections/{connection_id}/").content,
        world.staff.get("/api/v1/connections/").content,
        world.staff.patch(f"/api/v1/connections/{connection_id}/", {"name": "x"}, format="json").content,
        world.staff.get("/api/schema/").content,
    ]
    for text in texts:
        for secret in SECRETS.values():
            assert secret.encode() not in text
    body = response.json()
    assert not {"api_key", "webhook_secret", "access_token", "api_password", "webhook_password"} & set(body)
    assert body["webhook_secret_set"] is True
    assert body["access_token_set"] is False


def test_connection_secret_is_kept_unless_given_and_its_change_is_recorded(world: World) -> None:
    created = post(world.staff, "/api/v1/connections/", {"store": world.store_a.pk, "provider": "loop", **SECRETS})
    connection = Connection.objects.get(pk=created["id"])
    first_change = connection.credentials_updated_at
    assert first_change is not None

    world.staff.patch(f"/api/v1/connections/{connection.pk}/", {"name": "Loop main"}, format="json")
    connection.refresh_from_db()
    assert connection.api_key == SECRETS["api_key"]
    assert connection.credentials_updated_at == first_change

    world.staff.patch(f"/api/v1/connections/{connection.pk}/", {"webhook_secret": "new-signing-secret"}, format="json")
    connection.refresh_from_db()
    assert connection.webhook_secret == "new-signing-secret"
    assert connection.previous_webhook_secret == SECRETS["webhook_secret"]
    assert connection.previous_webhook_secret_expires_at is not None
    assert connection.credentials_updated_at > first_change


def test_one_returns_platform_connection_per_provider(world: World) -> None:
    body = {"store": world.store_a.pk, "provider": "loop"}
    post(world.staff, "/api/v1/connections/", body)
    assert_error(world.staff.post("/api/v1/connections/", body, format="json"), 400, "invalid")


@pytest.mark.parametrize("url", ["https://10.0.0.1/api", "http://api.example.com", "https://localhost/x"])
def test_production_connections_may_not_point_inside_the_network(world: World, settings: Any, url: str) -> None:
    settings.ALLOW_PRIVATE_PROVIDER_URLS = False
    response = world.staff.post(
        "/api/v1/connections/", {"store": world.store_a.pk, "provider": "loop", "base_url": url}, format="json"
    )
    assert "base_url" in assert_error(response, 400, "invalid")["details"]


def test_a_new_default_location_replaces_the_old_one(world: World) -> None:
    objs = make_store_objects(world.store_a)
    new = post(world.merchant_a, "/api/v1/locations/", {"store": world.store_a.pk, "name": "West", "is_default": True})
    objs.location.refresh_from_db()
    assert new["is_default"] is True
    assert objs.location.is_default is False


def test_returns_filter_by_dates_state_and_order_name(world: World) -> None:
    old = ReturnFactory(store=world.store_a, connection=None, order_name="#2001", state="open")
    new = ReturnFactory(store=world.store_a, connection=None, order_name="#2002", state="closed")
    ReturnFactory._meta.model.objects.filter(pk=old.pk).update(created_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC))

    def ids(**params: Any) -> list[int]:
        return [row["id"] for row in world.merchant_a.get("/api/v1/returns/", params).json()["results"]]

    assert ids(created_after="2025-06-01T00:00:00Z") == [new.pk]
    assert ids(created_before="2025-06-01T00:00:00Z") == [old.pk]
    assert ids(state="open") == [old.pk]
    assert ids(order_name="#2002") == [new.pk]
    assert ids(order_name="2001") == [old.pk]
    assert_error(world.merchant_a.get("/api/v1/returns/", {"created_after": "yesterday"}), 400, "invalid")


def test_lists_are_paginated(world: World) -> None:
    for _ in range(3):
        ReturnFactory(store=world.store_a, connection=None)
    page = world.staff.get("/api/v1/returns/", {"page_size": 2}).json()
    assert page["count"] == 3
    assert len(page["results"]) == 2
    assert page["next"]
    assert_error(world.staff.get("/api/v1/returns/", {"page": 99}), 404, "not_found")


def test_actions_call_their_services(world: World, fake_services: dict) -> None:
    objs = make_store_objects(world.store_a)
    api = world.merchant_a

    tested = api.post(f"/api/v1/connections/{objs.warehouse_connection.pk}/test/").json()
    assert tested == {"ok": True, "message": "Credentials accepted."}
    assert api.post(f"/api/v1/rmas/{objs.rma.pk}/retry/").json()["id"] == objs.rma.pk
    assert (
        api.post(f"/api/v1/rmas/{objs.rma.pk}/cancel/", {"reason": "Customer kept it"}, format="json").status_code
        == 200
    )
    assert api.post(f"/api/v1/webhooks/{objs.webhook.pk}/replay/").json()["id"] == objs.webhook.pk
    receipt = f"/api/v1/orphan-receipts/{objs.orphan_receipt.pk}"
    linked = api.post(f"{receipt}/link/", {"return_id": objs.return_obj.pk, "rma": objs.rma.pk}, format="json")
    assert linked.json()["id"] == objs.orphan_receipt.pk
    assert api.post(f"{receipt}/dismiss/", {"reason": "Return to sender"}, format="json").status_code == 200
    assert fake_services == {
        "connection_test": [objs.warehouse_connection.pk],
        "rma_retry": [objs.rma.pk],
        "rma_cancel": [(objs.rma.pk, "Customer kept it")],
        "webhook_replay": [objs.webhook.pk],
        "orphan_receipt_link": [(objs.orphan_receipt.pk, objs.return_obj.pk, objs.rma.pk)],
        "orphan_receipt_dismiss": [(objs.orphan_receipt.pk, "Return to sender")],
    }


def test_a_service_refusal_is_a_400_in_the_error_shape(
    world: World, fake_services: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    import returns.services.rmas.support
    from config.exceptions import ApplicationError

    def refuse(*, rma_id: int, by: str) -> None:
        raise ApplicationError("This RMA was already received.", extra={"status": "received"})

    monkeypatch.setattr(returns.services.rmas.support, "rma_retry", refuse, raising=False)
    objs = make_store_objects(world.store_a)
    error = assert_error(world.staff.post(f"/api/v1/rmas/{objs.rma.pk}/retry/"), 400, "application_error")
    assert error == {
        "code": "application_error",
        "message": "This RMA was already received.",
        "details": {"status": "received"},
    }


def test_webhook_output_redacts_secret_headers_and_body_keys(world: World) -> None:
    objs = make_store_objects(world.store_a)
    InboundWebhook.objects.filter(pk=objs.webhook.pk).update(
        headers={"X-Loop-Signature": "sig-value-123", "Content-Type": "application/json"},
        body=b'{"id": 7, "api_key": "leaked-key-456"}',
    )
    response = world.staff.get(f"/api/v1/webhooks/{objs.webhook.pk}/")
    assert b"sig-value-123" not in response.content
    assert b"leaked-key-456" not in response.content
    assert response.json()["headers"]["Content-Type"] == "application/json"


def test_null_characters_are_a_400_not_a_database_error(world: World) -> None:
    # PostgreSQL refuses NUL in text and jsonb; the API must refuse it first (found by schemathesis).
    body = {"store": world.store_a.pk, "provider": "loop", "options": {"a": "x\u0000y"}}
    assert "options" in assert_error(world.staff.post("/api/v1/connections/", body, format="json"), 400)["details"]
    body = {"store": world.store_a.pk, "provider": "loop", "options": {"k\u0000": 1}}
    assert_error(world.staff.post("/api/v1/connections/", body, format="json"), 400)
    assert_error(world.staff.get("/api/v1/returns/", {"state": "x\u0000y"}), 400)


def test_unexpected_failures_and_unknown_urls_use_the_error_shape(
    world: World, fake_services: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    import integrations.services.connections

    def crash(*, connection: Any) -> None:
        raise RuntimeError("secret-ish internal detail")

    monkeypatch.setattr(integrations.services.connections, "connection_test", crash, raising=False)
    objs = make_store_objects(world.store_a)
    world.staff.raise_request_exception = False
    response = world.staff.post(f"/api/v1/connections/{objs.warehouse_connection.pk}/test/")
    assert_error(response, 500, "server_error")
    assert b"internal detail" not in response.content
    assert_error(world.staff.get("/api/v1/no-such-thing/"), 404, "not_found")
    assert_error(world.staff.put(f"/api/v1/rmas/{objs.rma.pk}/", {}, format="json"), 405, "method_not_allowed")


def test_grade_mappings_are_changed_and_a_returns_grades_read_through_the_api(world: World) -> None:
    api = world.staff
    made = api.post(
        "/api/v1/grade-mappings/",
        {
            "store": world.store_a.pk,
            "warehouse": "trackstar",
            "kind": "condition",
            "word": " Like New ",
            "condition_category": "grade_a",
            "disposition_outcome": "back_to_stock",
        },
        format="json",
    )
    assert made.status_code == 201, made.content
    assert (made.json()["word"], made.json()["disposition_outcome"]) == ("like new", "back_to_stock")
    refused = api.patch(
        f"/api/v1/grade-mappings/{made.json()['id']}/", {"disposition_outcome": "restock"}, format="json"
    )
    assert_error(refused, 400)
    unknown = api.post(
        "/api/v1/grade-mappings/",
        {"store": world.store_a.pk, "warehouse": "acme-wms", "kind": "condition", "word": "good"},
        format="json",
    )
    assert_error(unknown, 400)

    return_obj = ReturnFactory(store=world.store_a)
    unit = {
        "item_id": "7001",
        "condition": "damaged",
        "disposition": "scrapped",
        "condition_category": "grade_c",
        "disposition_outcome": "recycle",
        "description": "Graded at TrackStar",
        "note": "Torn",
        "images": ["https://cdn.example.com/1.jpg"],
        "inspected_at": "2026-12-07T10:00:00+00:00",
        "warehouse": "trackstar",
        "rma": "1042",
        "platform": {"graded": 5, "assessed": 6},
    }
    ReturnLineFactory(return_obj=return_obj, sku="TEE-BLK-M", quantity=1, grades=[unit])
    (line,) = api.get(f"/api/v1/returns/{return_obj.pk}/").json()["lines"]
    assert line["grades"] == [unit]
