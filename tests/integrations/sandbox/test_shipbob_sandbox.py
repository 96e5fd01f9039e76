"""The simulated ShipBob refuses what ShipBob documents refusing and answers in its shapes; its webhooks are
signed as ShipBob signs them (checked with the svix package and with our own verifier)."""

import copy
import json
from typing import Any

import pytest
import responses
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from svix.webhooks import Webhook

from integrations.declarations import WebhookSecretFormat, webhook_secret_generate
from integrations.models import Connection, Store
from integrations.providers.shipbob.sandbox_objects import inventory_id
from integrations.sandbox.models import SandboxAccount, SandboxReturn, SandboxWebhookDelivery
from integrations.sandbox.services import sandbox_receive, sandbox_webhook_deliver
from integrations.services.webhooks import get_webhook_handler

pytestmark = pytest.mark.django_db
TOKEN, CHANNEL = "sb-pat-sandbox", "56232"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
WRITE = {**AUTH, "shipbob_channel_id": CHANNEL}


@pytest.fixture(autouse=True)
def _clean_cache() -> None:
    cache.clear()


@pytest.fixture
def account(settings: Any) -> SandboxAccount:
    settings.PUBLIC_BASE_URL = "http://127.0.0.1:9"
    store = Store.objects.create(name="Sandbox Tees", slug="sandbox-tees", is_sandbox=True)
    connection = Connection.objects.create(
        store=store,
        role="warehouse",
        provider="shipbob",
        status=Connection.Status.ACTIVE,
        api_key=TOKEN,
        external_account_id=CHANNEL,
        webhook_secret=webhook_secret_generate(WebhookSecretFormat.SVIX),
    )
    warehouses = [{"id": "22", "name": "Example FC (ST)"}, {"id": "6", "name": "Cicero (IL)"}]
    return SandboxAccount.objects.create(provider="shipbob", connection=connection, warehouses=warehouses)


def _url(account: SandboxAccount, path: str) -> str:
    return f"{account.base_path}2026-01/{path}"


def _ids(client: Client, account: SandboxAccount, *skus: str) -> list[int]:
    """Inventory ids as a client learns them: by searching each SKU."""
    found = []
    for sku in skus:
        response = client.get(_url(account, "inventory"), {"SearchBy": sku}, headers=AUTH)
        found += [row["inventory_id"] for row in response.json()["items"] if row["sku"] == sku]
    return found


@pytest.fixture
def body(client: Client, account: SandboxAccount) -> dict[str, Any]:
    tee, mug = _ids(client, account, "TEE-BLK-M", "MUG")
    return {
        "reference_id": "1042",
        "fulfillment_center": {"id": 22},
        "inventory": [
            {"id": tee, "quantity": 2, "requested_action": "Restock"},
            {"id": mug, "quantity": 1, "requested_action": "Dispose"},
        ],
        "tracking_number": "1Z9999W99999999999",
        "original_shipment_id": 104458283,
    }


def _post(client: Client, url: str, payload: Any, **headers: str) -> Any:
    return client.post(url, data=json.dumps(payload), content_type="application/json", headers=headers or WRITE)


def _with(payload: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(payload)
    target: Any = changed
    *parents, last = path.split(".")
    for part in parents:
        target = target[int(part)] if part.isdigit() else target[part]
    if value is KeyError:
        del target[int(last) if last.isdigit() else last]
    else:
        target[int(last) if last.isdigit() else last] = value
    return changed


# -- create ---------------------------------------------------------------------------------------


def test_a_documented_create_is_201_with_the_return(client: Client, account: SandboxAccount, body: dict) -> None:
    response = _post(client, _url(account, "return"), body)
    assert response.status_code == 201, response.content
    created = response.json()
    assert (created["reference_id"], created["status"], created["fulfillment_center"]) == (
        "1042",
        "AwaitingArrival",
        {"id": 22, "name": "Example FC (ST)"},
    )
    assert [(i["id"], i["quantity"], i["action_requested"]["action"]) for i in created["inventory"]] == [
        (body["inventory"][0]["id"], 2, "Restock"),
        (body["inventory"][1]["id"], 1, "Dispose"),
    ]
    assert "sku" not in created["inventory"][0]  # the V1 answer has no SKUs
    held = SandboxReturn.objects.get()
    assert (held.external_id, held.warehouse, held.order_ref) == (str(created["id"]), "22", "104458283")
    assert [(i["sku"], i["quantity"]) for i in held.items] == [("TEE-BLK-M", 2), ("MUG", 1)]
    assert held.tracking_numbers == ["1Z9999W99999999999"]
    assert SandboxWebhookDelivery.objects.get().event_type == "return.created"


@pytest.mark.parametrize(
    ("path", "value", "problem"),
    [
        ("reference_id", KeyError, "body.reference_id: is required"),
        ("reference_id", "", "body.reference_id: must be 1 to 50 characters"),
        ("reference_id", "R" * 51, "body.reference_id: must be at most 50 characters"),
        ("reference_id", 1042, "body.reference_id: must be string"),
        ("fulfillment_center", KeyError, "body.fulfillment_center: is required"),
        ("fulfillment_center.id", "22", "body.fulfillment_center.id: must be integer"),
        ("inventory", [], "body.inventory: must have at least 1 item(s)"),
        ("inventory.0.id", "9557855", "body.inventory[0].id: must be integer"),
        ("inventory.0.quantity", 0, "body.inventory[0].quantity: must be positive"),
        ("inventory.0.requested_action", KeyError, "body.inventory[0].requested_action: is required"),
        ("inventory.0.requested_action", 0, "body.inventory[0].requested_action: must be string"),
        ("inventory.0.requested_action", "Refund", "body.inventory[0].requested_action: must be one of"),
        ("inventory.0.sku", "TEE-BLK-M", "body.inventory[0].sku: is not a known field"),
        ("original_shipment_id", "104458283", "body.original_shipment_id: must be integer"),
        ("tracking_number", "1" * 501, "body.tracking_number: must be at most 500 characters"),
        ("referenceId", "1042", "body.referenceId: is not a known field"),
    ],
)
def test_a_malformed_create_is_a_400_validation_problem(
    client: Client, account: SandboxAccount, body: dict, path: str, value: Any, problem: str
) -> None:
    response = _post(client, _url(account, "return"), _with(body, path, value))
    assert response.status_code == 400
    answer = response.json()
    assert (answer["title"], answer["status"]) == ("One or more validation errors occurred.", 400)
    assert problem in answer["detail"]
    assert problem.partition(": ")[0] in answer["errors"]
    assert not SandboxReturn.objects.exists()


def test_a_body_that_is_not_json_is_a_400(client: Client, account: SandboxAccount) -> None:
    response = client.post(_url(account, "return"), data="{", content_type="application/json", headers=WRITE)
    assert (response.status_code, response.json()["detail"]) == (400, "body is not valid JSON")


@pytest.mark.parametrize(
    ("change", "error"),
    [
        (lambda b, ids: _with(b, "fulfillment_center.id", 99), "Fulfillment center 99 does not exist."),
        (
            lambda b, ids: _with(b, "inventory.1.id", b["inventory"][0]["id"]),
            "is listed more than once.",
        ),
        (lambda b, ids: _with(b, "inventory.0.id", 123), "Inventory id 123 does not exist."),
        (lambda b, ids: _with(b, "inventory.0.id", ids[0]), "is a bundle or digital item, which cannot be returned."),
        (lambda b, ids: _with(b, "inventory.0.id", ids[1]), "is a bundle or digital item, which cannot be returned."),
    ],
)
def test_what_shipbob_refuses_in_a_wellformed_create_is_a_422_api_error(
    client: Client, account: SandboxAccount, body: dict, change: Any, error: str
) -> None:
    ids = _ids(client, account, "BUNDLE-GIFT-SET", "DIGITAL-GIFT-CARD")
    response = _post(client, _url(account, "return"), change(body, ids))
    assert response.status_code == 422
    answer = response.json()
    assert set(answer) == {"message", "errors", "details", "stackTrace"}
    assert any(error in line for line in answer["errors"]), answer


def test_a_reference_id_is_unique(client: Client, account: SandboxAccount, body: dict) -> None:
    assert _post(client, _url(account, "return"), body).status_code == 201
    again = _post(client, _url(account, "return"), body)
    assert again.status_code == 422
    assert again.json()["errors"] == ["A return with reference_id 1042 already exists."]


@pytest.mark.parametrize(
    ("headers", "status", "detail"),
    [
        ({**AUTH}, 400, "The shipbob_channel_id header is required."),
        ({**AUTH, "shipbob_channel_id": "PAT"}, 400, "must be one channel id (an integer)"),
        ({**AUTH, "shipbob-channel-id": "1"}, 403, "Channel 1 has no returns_write access for this token."),
        ({"Authorization": "Bearer wrong", "shipbob_channel_id": CHANNEL}, 401, ""),
        ({"Authorization": f"Basic {TOKEN}", "shipbob_channel_id": CHANNEL}, 401, ""),
    ],
)
def test_the_token_and_the_channel_are_checked(
    client: Client, account: SandboxAccount, body: dict, headers: dict[str, str], status: int, detail: str
) -> None:
    response = _post(client, _url(account, "return"), body, **headers)
    assert response.status_code == status
    assert response.json()["status"] == status
    assert detail in (response.json()["detail"] or "")
    assert not SandboxReturn.objects.exists()


def test_either_spelling_of_the_channel_header_is_read(client: Client, account: SandboxAccount, body: dict) -> None:
    assert _post(client, _url(account, "return"), body, **AUTH, **{"shipbob-channel-id": CHANNEL}).status_code == 201


# -- reading, modifying, cancelling ---------------------------------------------------------------


def _created(client: Client, account: SandboxAccount, body: dict) -> dict[str, Any]:
    response = _post(client, _url(account, "return"), body)
    assert response.status_code == 201, response.content
    return response.json()


def test_a_return_is_read_with_its_skus(client: Client, account: SandboxAccount, body: dict) -> None:
    created = _created(client, account, body)
    got = client.get(_url(account, f"return/{created['id']}"), headers=AUTH).json()
    assert [(i["sku"], i["quantity"], i["action_taken"]) for i in got["inventory"]] == [
        ("TEE-BLK-M", 2, []),
        ("MUG", 1, []),
    ]
    assert got["status_history"] == [{"status": "AwaitingArrival", "timestamp": got["insert_date"]}]
    missing = client.get(_url(account, "return/999"), headers=AUTH)
    assert (missing.status_code, missing.json()["detail"]) == (404, "Return 999 was not found.")


def test_returns_are_searched_by_reference_status_and_date(client: Client, account: SandboxAccount, body: dict) -> None:
    created = _created(client, account, body)
    _created(client, account, _with(body, "reference_id", "1043"))
    url = _url(account, "return")
    assert [r["id"] for r in client.get(url, {"ReferenceIds": "1042"}, headers=AUTH).json()["items"]] == [created["id"]]
    assert len(client.get(url, {"Status": "AwaitingArrival,Arrived"}, headers=AUTH).json()["items"]) == 2
    assert client.get(url, {"Status": "Completed"}, headers=AUTH).json()["items"] == []
    later = (timezone.now() + timezone.timedelta(minutes=5)).isoformat()
    assert client.get(url, {"StartDate": later}, headers=AUTH).json()["items"] == []
    assert client.get(url, {"StartDate": "not a date"}, headers=AUTH).status_code == 400
    first = client.get(url, {"Limit": 1, "SortOrder": "Asc"}, headers=AUTH)
    page = first.json()
    assert [r["reference_id"] for r in page["items"]] == ["1042"]
    assert page["next"].startswith("http://testserver/")
    assert "Cursor=2" in page["next"]
    assert (first["Total-Count"], first["Total-Pages"]) == ("2", "2")
    second = client.get(url, {"Limit": 1, "SortOrder": "Asc", "Cursor": 2}, headers=AUTH).json()
    assert ([r["reference_id"] for r in second["items"]], second["next"]) == (["1043"], None)


def test_a_return_awaiting_arrival_is_modified_whole(client: Client, account: SandboxAccount, body: dict) -> None:
    created = _created(client, account, body)
    url = _url(account, f"return/{created['id']}")
    changed = _with(_with(body, "tracking_number", "9400111"), "fulfillment_center.id", 6)
    response = client.put(url, data=json.dumps(changed), content_type="application/json", headers=AUTH)
    assert response.status_code == 200, response.content
    held = SandboxReturn.objects.get()
    assert (held.tracking_numbers, held.warehouse, held.update_count) == (["9400111"], "6", 1)
    renamed = client.put(
        url, data=json.dumps(_with(body, "reference_id", "X")), content_type="application/json", headers=AUTH
    )
    assert renamed.json()["errors"] == ["reference_id cannot change (it is 1042)."]


def test_only_a_return_awaiting_arrival_is_modified_or_cancelled(
    client: Client, account: SandboxAccount, body: dict
) -> None:
    created = _created(client, account, body)
    sandbox_receive(sandbox_return=SandboxReturn.objects.get(), mode="fully_received")
    url = _url(account, f"return/{created['id']}")
    put = client.put(url, data=json.dumps(body), content_type="application/json", headers=AUTH)
    assert (put.status_code, put.json()["errors"]) == (
        422,
        [f"Return {created['id']} is Completed, not AwaitingArrival."],
    )
    cancel = client.post(f"{url}:cancel", headers=WRITE)
    assert cancel.status_code == 400
    assert cancel.json()["detail"] == f"Return {created['id']} is Completed: only AwaitingArrival can be cancelled."


def test_cancel_is_200_with_an_empty_body_and_tells_the_store(
    client: Client, account: SandboxAccount, body: dict
) -> None:
    created = _created(client, account, body)
    response = client.post(_url(account, f"return/{created['id']}:cancel"), headers=WRITE)
    assert (response.status_code, response.content) == (200, b"")
    assert SandboxReturn.objects.get().status == "cancelled"
    got = client.get(_url(account, f"return/{created['id']}"), headers=AUTH).json()
    assert (got["status"], got["cancelled_date"] is not None) == ("Cancelled", True)
    updated = SandboxWebhookDelivery.objects.get(event_type="return.updated")
    assert json.loads(updated.body)["status"] == "Cancelled"
    assert client.post(_url(account, "return/999:cancel"), headers=WRITE).status_code == 404


# -- the other endpoints --------------------------------------------------------------------------


def test_fulfillment_centers_are_a_bare_array(client: Client, account: SandboxAccount) -> None:
    centers = client.get(_url(account, "fulfillment-center"), headers=AUTH).json()
    assert [(c["id"], c["name"]) for c in centers] == [(22, "Example FC (ST)"), (6, "Cicero (IL)")]
    assert client.post(_url(account, "fulfillment-center"), headers=AUTH).status_code == 405


def test_inventory_ids_are_stable_and_listed_skus_partially_matched(client: Client, account: SandboxAccount) -> None:
    first = _ids(client, account, "TEE-BLK-M")
    cache.clear()  # the ids do not depend on what the fake remembers
    assert _ids(client, account, "TEE-BLK-M") == first
    account.skus = ["TEE-BLK-M", "TEE-BLK-M-2PK", "MUG"]
    account.save()
    found = client.get(_url(account, "inventory"), {"SearchBy": "tee-blk"}, headers=AUTH).json()["items"]
    assert [row["sku"] for row in found] == ["TEE-BLK-M", "TEE-BLK-M-2PK"]
    listed_id = inventory_id(account, "TEE-BLK-M")
    by_id = client.get(_url(account, "inventory"), {"SearchBy": str(listed_id)}, headers=AUTH).json()["items"]
    assert [row["sku"] for row in by_id] == ["TEE-BLK-M"]
    assert client.get(_url(account, "inventory"), {"SearchBy": "HOODIE"}, headers=AUTH).json()["items"] == []


def test_orders_and_the_channel(client: Client, account: SandboxAccount) -> None:
    orders = client.get(_url(account, "order"), {"ReferenceIds": "5550001112,#1042"}, headers=AUTH).json()
    assert [o["reference_id"] for o in orders] == ["5550001112", "#1042"]
    assert orders[0]["shipments"][0]["location"] == {"id": 22, "name": "Example FC (ST)"}
    channels = client.get(_url(account, "channel"), headers=AUTH).json()["items"]
    assert [(c["id"], "returns_write" in c["scopes"]) for c in channels] == [(int(CHANNEL), True)]


# -- receiving and webhooks -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "taken"),
    [
        ("fully_received", [("Restock", 2), ("Restock", 1)]),
        ("short", [("Restock", 1), ("Restock", 1)]),
        ("damaged", [("Quarantine", 2), ("Restock", 1)]),
    ],
)
def test_receiving_completes_the_return_with_the_actions_taken(
    client: Client, account: SandboxAccount, body: dict, mode: str, taken: list
) -> None:
    created = _created(client, account, body)
    answer = client.post(
        f"{account.base_path}_control/receive",
        data=json.dumps({"rma": "1042", "mode": mode}),
        content_type="application/json",
    )
    assert answer.json() == {"rma": "1042", "status": "completed"}
    got = client.get(_url(account, f"return/{created['id']}"), headers=AUTH).json()
    assert got["status"] == "Completed"
    assert [(t["action"], t["quantity_processed"]) for i in got["inventory"] for t in i["action_taken"]] == taken
    completed = SandboxWebhookDelivery.objects.get(event_type="return.completed")
    assert json.loads(completed.body)["status"] == "Completed"


def test_a_damaged_unit_asked_to_be_disposed_is_disposed(client: Client, account: SandboxAccount, body: dict) -> None:
    swapped = _with(_with(body, "inventory.0.requested_action", "Dispose"), "inventory.1.requested_action", "Restock")
    created = _created(client, account, swapped)
    sandbox_receive(sandbox_return=SandboxReturn.objects.get(), mode="damaged")
    got = client.get(_url(account, f"return/{created['id']}"), headers=AUTH).json()
    assert got["inventory"][0]["action_taken"][0]["action"] == "Dispose"


@responses.activate
def test_webhooks_are_signed_as_standard_webhooks_with_the_topic(
    client: Client, account: SandboxAccount, body: dict
) -> None:
    _created(client, account, body)
    sandbox_receive(sandbox_return=SandboxReturn.objects.get(), mode="fully_received")
    connection = account.connection
    assert connection is not None
    handler = get_webhook_handler("shipbob")
    for delivery in SandboxWebhookDelivery.objects.order_by("id"):
        responses.add(responses.POST, delivery.url, status=202)
        sandbox_webhook_deliver(delivery_id=delivery.pk)
        sent = responses.calls[-1].request
        headers = dict(sent.headers)
        assert headers["x-webhook-topic"] == delivery.event_type
        Webhook(connection.webhook_secret).verify(sent.body, headers)  # svix accepts it (raises otherwise)
        assert handler.verify(connection=connection, headers=headers, body=sent.body, now=timezone.now()).ok
    assert [d.event_type for d in SandboxWebhookDelivery.objects.order_by("id")] == [
        "return.created",
        "return.completed",
    ]
    # The id is the message's: the same body (a retry of it) keeps it.
    again = SandboxWebhookDelivery.objects.order_by("id").last()
    assert again is not None
    responses.add(responses.POST, again.url, status=202)
    sandbox_webhook_deliver(delivery_id=again.pk)
    assert responses.calls[-1].request.headers["webhook-id"] == responses.calls[-2].request.headers["webhook-id"]


def test_an_account_linked_to_no_store_sends_no_webhook(client: Client, account: SandboxAccount, body: dict) -> None:
    account.connection = None
    account.api_key = TOKEN
    account.account_id = CHANNEL
    account.save()
    assert _post(client, _url(account, "return"), body).status_code == 201
    assert not SandboxWebhookDelivery.objects.exists()


def test_inventory_ids_find_their_sku_again_without_memory(account: SandboxAccount) -> None:
    """Any SKU: the id carries the SKU (nothing to lose when caches are cleared); listed SKUs: int32, as ShipBob."""
    from integrations.providers.shipbob.sandbox_objects import sku_of

    for sku in ("TEE-BLK-M", "T", "Tシャツ-黒", "X" * 200):
        assert sku_of(account, inventory_id(account, sku)) == sku
    assert [sku_of(account, n) for n in (0, 1, 255, 123, 2**40)] == ["", "", "", "", ""]
    account.skus = ["TEE-BLK-M", "MUG"]
    listed = inventory_id(account, "MUG")
    assert 0 < listed < 2**31
    assert (sku_of(account, listed), sku_of(account, listed + 1)) == ("MUG", "")
