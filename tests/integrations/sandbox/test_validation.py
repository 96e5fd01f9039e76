"""The sandbox rejects what the real APIs reject and accepts what they document (providers.md)."""

import base64
import copy
import json
from typing import Any

import pytest
from django.test import Client

from integrations.sandbox.models import SandboxAccount, SandboxReturn

SHIPMONK_OK = {
    "warehouse": "CA1",
    "rma": "1042",
    "store_id": 12345,
    "return_reason": "reason_unknown",
    "order_key": "shopify-5550001112",
    "note": "TEE-BLK-M: Too small (Fit)",
    "tracking_numbers": ["9400100000000000000001"],
    "items": [{"sku": "TEE-BLK-M", "expected_quantity": 2, "desired_action": "received_back_into_inventory"}],
    "custom_data": [{"name": "loop_return_id", "value": {"loop_return_id": "880011"}}],
}


def _without(body: dict, key: str) -> dict:
    body = copy.deepcopy(body)
    body.pop(key)
    return body


def _with(body: dict, path: str, value: Any) -> dict:
    body = copy.deepcopy(body)
    target = body
    parts = path.split(".")
    for part in parts[:-1]:
        target = target[int(part)] if part.isdigit() else target[part]
    last = parts[-1]
    target[int(last) if last.isdigit() else last] = value
    return body


def post_json(client: Client, url: str, body: Any, **headers: str) -> Any:
    return client.post(url, data=json.dumps(body), content_type="application/json", headers=headers)


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (_without(SHIPMONK_OK, "warehouse"), "body.warehouse: is required"),
        (_without(SHIPMONK_OK, "store_id"), "body.store_id: is required"),
        (_with(SHIPMONK_OK, "store_id", "12345"), "body.store_id: must be integer"),
        (_with(SHIPMONK_OK, "return_reason", "too_small"), "body.return_reason: must be one of"),
        (_with(SHIPMONK_OK, "items", []), "body.items: must have at least 1 item(s)"),
        (_with(SHIPMONK_OK, "items.0.expected_quantity", 0), "body.items[0].expected_quantity: must be positive"),
        (_with(SHIPMONK_OK, "items.0.desired_action", "restock"), "body.items[0].desired_action: must be one of"),
        (_with(SHIPMONK_OK, "items.0.note", "x"), "body.items[0].note: is not a known field"),
        (_with(SHIPMONK_OK, "custom_data.0.value", "880011"), "body.custom_data[0].value: must be object"),
        (_with(SHIPMONK_OK, "carrier", "USPS"), "body.carrier: is not a known field"),
        (_with(SHIPMONK_OK, "warehouse", "TX9"), "body.warehouse: unknown warehouse"),
    ],
)
def test_shipmonk_rejects_what_the_spec_rejects(client: Client, shipmonk: SandboxAccount, body: dict, problem: str):
    response = post_json(client, f"{shipmonk.base_path}v1/integrations/returns", body, **{"Api-Key": "sm-key"})
    assert response.status_code == 422
    assert any(error.startswith(problem) for error in response.json()["errors"]), response.json()
    assert not SandboxReturn.objects.exists()


def test_shipmonk_accepts_the_documented_body_and_upserts_on_rma(client: Client, shipmonk: SandboxAccount):
    url = f"{shipmonk.base_path}v1/integrations/returns"
    first = post_json(client, url, SHIPMONK_OK, **{"Api-Key": "sm-key"})
    again = post_json(client, url, _with(SHIPMONK_OK, "items.0.expected_quantity", 3), **{"Api-Key": "sm-key"})
    assert first.status_code == 200
    assert first.json()["data"]["message"] == "Return created"
    assert again.json()["data"] == {"message": "Return updated", "id": first.json()["data"]["id"]}
    only = SandboxReturn.objects.get()
    assert only.items == [{"sku": "TEE-BLK-M", "quantity": 3, "desired_action": "received_back_into_inventory"}]


@pytest.mark.parametrize("headers", [{}, {"Api-Key": "wrong"}, {"Authorization": "Bearer sm-key"}])
def test_shipmonk_requires_its_api_key(client: Client, shipmonk: SandboxAccount, headers: dict):
    response = post_json(client, f"{shipmonk.base_path}v1/integrations/returns", SHIPMONK_OK, **headers)
    assert response.status_code == 401


TRACKSTAR_OK = {
    "warehouse_id": "wh_ca",
    "order_id": "ord_1042",
    "line_items": [{"sku": "TEE-BLK-M", "quantity": 2}],
    "trackstar_tags": ["source:loop", {"rma": "1042"}],
}
TRACKSTAR_HEADERS = {"x-trackstar-api-key": "org-key", "x-trackstar-access-token": "ts-token"}


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (_without(TRACKSTAR_OK, "warehouse_id"), "body.warehouse_id: is required"),
        (_without(TRACKSTAR_OK, "line_items"), "body.line_items: is required"),
        (_with(TRACKSTAR_OK, "line_items.0.quantity", "2"), "body.line_items[0].quantity: must be integer"),
        (_with(TRACKSTAR_OK, "line_items.0.quantity", -1), "body.line_items[0].quantity: must be positive"),
        (_with(TRACKSTAR_OK, "order_id", None), "body.order_id: must not be null"),
        (_with(TRACKSTAR_OK, "tracking_number", ""), "body.tracking_number: must not be empty"),
        (_with(TRACKSTAR_OK, "carrier", "none"), "body.carrier: must not be empty"),
        (_with(TRACKSTAR_OK, "trackstar_tags", [None]), "body.trackstar_tags[0]: must not be null"),
        (_with(TRACKSTAR_OK, "warehouse_id", "wh_tx"), "body.warehouse_id: unknown warehouse"),
    ],
)
def test_trackstar_rejects_nulls_and_schema_errors(client: Client, trackstar: SandboxAccount, body: dict, problem: str):
    response = post_json(client, f"{trackstar.base_path}wms/returns", body, **TRACKSTAR_HEADERS)
    assert response.status_code == 422
    payload = response.json()
    assert payload["origin"] == "trackstar"
    assert any(detail.startswith(problem) for detail in payload["details"]), payload


def test_trackstar_create_reports_unused_fields_and_replays_idempotently(client: Client, trackstar: SandboxAccount):
    url = f"{trackstar.base_path}wms/returns"
    body = {**TRACKSTAR_OK, "tracking_number": "9400100000000000000001", "gift_message": "hi"}
    headers = {**TRACKSTAR_HEADERS, "Idempotency-Key": "rma-1042"}
    first = post_json(client, url, body, **headers)
    replay = post_json(client, url, body, **headers)
    conflict = post_json(client, url, {**body, "order_id": "ord_other"}, **headers)
    assert first.status_code == 200
    assert first.json()["unused_fields"] == ["gift_message"]
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json()["id"] == first.json()["id"]
    assert conflict.status_code == 400
    assert SandboxReturn.objects.count() == 1


@pytest.mark.parametrize(
    "headers",
    [{}, {"x-trackstar-api-key": "org-key"}, {"x-trackstar-api-key": "org-key", "x-trackstar-access-token": "nope"}],
)
def test_trackstar_requires_both_keys(client: Client, trackstar: SandboxAccount, headers: dict):
    assert post_json(client, f"{trackstar.base_path}wms/returns", TRACKSTAR_OK, **headers).status_code == 401


def _rpc(method: str, args: list) -> dict:
    return {"jsonrpc": "2.0", "id": 7, "method": "call", "params": [None, method, args]}


SHIPSTREAM_DATA = {
    "warehouse_id": 1,
    "sender_name": "Jane Doe",
    "merchant_ref": "1042",
    "sender_ref_alt": "#1042",
    "tracking_numbers": ["9400100000000000000001"],
    "carrier_name": "USPS",
    "auto_commit": 2,
    "auto_close": 2,
}
SHIPSTREAM_ITEMS = [{"sku": "TEE-BLK-M", "qty": 2, "item_ref": "880011"}]
BASIC = {"Authorization": "Basic " + base64.b64encode(b"apiuser:apipass").decode()}


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        (["return", SHIPSTREAM_DATA, SHIPSTREAM_ITEMS], "type must be one of"),
        (["rma", _with(SHIPSTREAM_DATA, "warehouse_id", "1"), SHIPSTREAM_ITEMS], "data.warehouse_id: must be integer"),
        (["rma", _without(SHIPSTREAM_DATA, "merchant_ref"), SHIPSTREAM_ITEMS], "data.merchant_ref: is required"),
        (["rma", _with(SHIPSTREAM_DATA, "rma_number", "x"), SHIPSTREAM_ITEMS], "data.rma_number: is not a known"),
        (["rma", _with(SHIPSTREAM_DATA, "auto_close", 5), SHIPSTREAM_ITEMS], "data.auto_close: must be one of"),
        (["rma", SHIPSTREAM_DATA, [{"sku": "A", "qty": 0}]], "items[0].qty: must be positive"),
        (["rma", SHIPSTREAM_DATA, [{"sku": "A", "qty": 1, "item_ref": "x" * 33}]], "items[0].item_ref: must be at"),
        (["rma", _with(SHIPSTREAM_DATA, "warehouse_id", 9), SHIPSTREAM_ITEMS], "Invalid warehouse_id"),
    ],
)
def test_shipstream_rejects_bad_deliveries(client: Client, shipstream: SandboxAccount, args: list, problem: str):
    response = post_json(client, f"{shipstream.base_path}api/jsonrpc", _rpc("delivery.create", args), **BASIC)
    error = response.json()["error"]
    assert problem in error["message"], error
    assert not SandboxReturn.objects.exists()


def test_shipstream_creates_and_refuses_a_duplicate_merchant_ref(client: Client, shipstream: SandboxAccount):
    url = f"{shipstream.base_path}api/jsonrpc"
    created = post_json(client, url, _rpc("delivery.create", ["rma", SHIPSTREAM_DATA, SHIPSTREAM_ITEMS]), **BASIC)
    duplicate = post_json(client, url, _rpc("delivery.create", ["rma", SHIPSTREAM_DATA, SHIPSTREAM_ITEMS]), **BASIC)
    found = post_json(client, url, _rpc("delivery.search", [{"merchant_ref": "1042"}, {}]), **BASIC)
    assert created.json()["result"] == SandboxReturn.objects.get().external_id
    assert "already exists" in duplicate.json()["error"]["message"]
    (delivery,) = found.json()["result"]["results"]
    assert delivery["merchant_ref"] == "1042"
    assert delivery["items"][0]["qty_expected"] == 2


def test_shipstream_requires_basic_auth(client: Client, shipstream: SandboxAccount):
    wrong = {"Authorization": "Basic " + base64.b64encode(b"apiuser:nope").decode()}
    url = f"{shipstream.base_path}api/jsonrpc"
    assert post_json(client, url, _rpc("warehouse.list", []), **wrong).status_code == 401
    assert post_json(client, url, _rpc("warehouse.list", [])).status_code == 401


def test_loop_note_must_be_under_255_characters(client: Client, loop: SandboxAccount):
    url = f"{loop.base_path}warehouse/return/880011/note"
    headers = {"X-Authorization": "loop-key"}
    too_long = post_json(client, url, {"content": "x" * 255}, **headers)
    fine = post_json(client, url, {"content": "Received short: 1 of 2 TEE-BLK-M"}, **headers)
    assert too_long.status_code == 422
    assert fine.status_code == 200
    assert list(loop.calls.values_list("action", flat=True)) == ["note"]


def test_loop_actions_answer_true_and_are_recorded(client: Client, loop: SandboxAccount):
    response = client.post(f"{loop.base_path}warehouse/return/880011/process", headers={"X-Authorization": "loop-key"})
    unauthorised = client.post(f"{loop.base_path}warehouse/return/880011/process")
    assert response.content == b"true"
    assert unauthorised.status_code == 401
    assert unauthorised.json()["error"]["http_code"] == "GEN-UNAUTHORIZED"
    assert loop.calls.get().action == "process"


@pytest.mark.parametrize(
    ("body", "ok"),
    [
        ({"products": [{"_id": "i1", "processInput": {"restock": True}}]}, True),
        ({"products": [{"_id": "i1", "reject": True}], "customerNotes": "Damaged"}, True),
        ({"products": [{"_id": "i1", "reject": True, "processInput": {"restock": True}}]}, False),
        ({"products": [{"_id": "i1"}]}, False),
        ({"products": []}, False),
    ],
)
def test_redo_process_needs_exactly_one_of_process_input_or_reject(
    client: Client, redo: SandboxAccount, body: dict, ok: bool
):
    response = post_json(client, f"{redo.base_path}returns/r1/process", body, Authorization="Bearer redo-secret")
    assert (response.status_code == 200) is ok, response.content
    if not ok:
        assert response["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize(("status", "code"), [("complete", 204), ("flagged", 204), ("processed", 400)])
def test_redo_status_enum(client: Client, redo: SandboxAccount, status: str, code: int):
    response = client.put(
        f"{redo.base_path}returns/r1/status",
        data=json.dumps({"status": status}),
        content_type="application/json",
        headers={"Authorization": "Bearer redo-secret"},
    )
    assert response.status_code == code


def test_platform_lists_serve_what_the_sandbox_sent(client: Client, loop: SandboxAccount, redo: SandboxAccount):
    from integrations.providers.loop.sandbox import return_payload as loop_return_payload
    from integrations.providers.redo.sandbox import return_payload as redo_return_payload
    from integrations.sandbox.models import SandboxWebhookDelivery

    lines = [{"sku": "TEE-BLK-M", "quantity": 1}]
    SandboxWebhookDelivery.objects.create(
        account=loop,
        url="http://127.0.0.1:9/x/",
        event_type="return.created",
        body=json.dumps(loop_return_payload(return_id="880011", order_name="#1042", lines=lines)),
    )
    SandboxWebhookDelivery.objects.create(
        account=redo,
        url="http://127.0.0.1:9/x/",
        event_type="created",
        body=json.dumps(redo_return_payload(return_id="r1", order_name="#1042", lines=lines)),
    )
    loop_list = client.get(f"{loop.base_path}warehouse/return/list", headers={"X-Authorization": "loop-key"})
    redo_list = client.get(f"{redo.base_path}stores/store1/returns", headers={"Authorization": "Bearer redo-secret"})
    assert [r["id"] for r in loop_list.json()["returns"]] == ["880011"]
    assert [r["id"] for r in redo_list.json()["returns"]] == ["r1"]
    assert client.get(f"{loop.base_path}warehouse/return/list").status_code == 401


GRADE_OK = {
    "items": [
        {
            "line_item_id": 7001,
            "description": "Graded at TrackStar: condition damaged, disposition scrapped",
            "condition_category": "grade_c",
            "note": "Torn seam",
            "images": ["https://cdn.example.com/7001.jpg"],
            "inspected_at": "2026-12-07 10:00:00",
        }
    ]
}
ASSESS_OK = {"items": [{"line_item_id": 7001, "disposition_outcome": "recycle", "inspected_at": "2026-12-07 10:00:00"}]}


@pytest.mark.parametrize(
    ("step", "body", "problem"),
    [
        ("assess", _with(ASSESS_OK, "items.0.disposition_outcome", "restock"), "disposition_outcome: must be one of"),
        ("assess", {"items": [ASSESS_OK["items"][0]] * 31}, "body.items: must have at most 30 items"),
        ("grade", {"items": [GRADE_OK["items"][0]] * 31}, "body.items: must have at most 30 items"),
        ("assess", {"items": [_without(ASSESS_OK["items"][0], "line_item_id")]}, "line_item_id: is required"),
        ("grade", {"items": [_without(GRADE_OK["items"][0], "line_item_id")]}, "line_item_id: is required"),
        ("grade", _with(GRADE_OK, "items.0.line_item_id", "7001"), "line_item_id: must be integer"),
        ("grade", {"items": [_without(GRADE_OK["items"][0], "description")]}, "description: is required"),
        ("grade", _with(GRADE_OK, "items.0.description", "x" * 256), "description: must be at most 255 characters"),
        ("grade", _with(GRADE_OK, "items.0.inspected_at", "2026-12-07T10:00:00Z"), "must be YYYY-MM-DD HH:MM:SS"),
        ("grade", _with(GRADE_OK, "items.0.grade", "A"), "items[0].grade: is not a known field"),
        ("assess", {"items": []}, "body.items: must have at least 1 item(s)"),
    ],
)
def test_loop_dispositioning_refuses_what_its_api_refuses(
    client: Client, loop: SandboxAccount, step: str, body: dict, problem: str
) -> None:
    response = post_json(client, f"{loop.base_path}dispositioning/{step}", body, **{"X-Authorization": "loop-key"})
    assert response.status_code == 422, response.content
    assert any(problem in detail for detail in response.json()["errors"]["details"]), response.json()
    assert not loop.calls.exists()


def test_loop_dispositioning_takes_30_items_and_records_them(client: Client, loop: SandboxAccount) -> None:
    headers = {"X-Authorization": "loop-key"}
    thirty = {"items": [{**GRADE_OK["items"][0], "line_item_id": 7001 + i} for i in range(30)]}
    graded = post_json(client, f"{loop.base_path}dispositioning/grade", thirty, **headers)
    assessed = post_json(client, f"{loop.base_path}dispositioning/assess", ASSESS_OK, **headers)
    assert (graded.status_code, assessed.status_code) == (200, 200)
    assert len(graded.json()["items"]) == 30
    assert sorted(loop.calls.values_list("action", flat=True)) == ["assess", "grade"]
    assert post_json(client, f"{loop.base_path}dispositioning/assess", ASSESS_OK).status_code == 401
