"""A sandbox account with credentials of its own refuses any other, in the real provider's words."""

import base64
import hashlib
import hmac
import json

import pytest
import responses
from django.test import Client

from integrations.models import Connection, Store
from integrations.sandbox.models import SandboxAccount, SandboxWebhookDelivery
from integrations.sandbox.services import (
    sandbox_account_provision,
    sandbox_base_url,
    sandbox_credentials,
    sandbox_webhook_deliver,
    sandbox_webhook_send,
)
from tests.integrations.sandbox.test_validation import (
    BASIC,
    SHIPMONK_OK,
    SHIPSTREAM_DATA,
    SHIPSTREAM_ITEMS,
    TRACKSTAR_HEADERS,
    TRACKSTAR_OK,
    _with,
    post_json,
)

pytestmark = pytest.mark.django_db


def _connection(store: Store, provider: str, role: str) -> Connection:
    return Connection.objects.create(store=store, provider=provider, role=role)


def test_provisioning_gives_the_account_credentials_and_warehouses_once(store: Store) -> None:
    connection = _connection(store, "shipmonk", "warehouse")
    account = sandbox_account_provision(connection=connection)
    credentials = sandbox_credentials(account=account)
    assert set(credentials) == {"api_key", "external_account_id"}
    assert credentials["api_key"].startswith("sbx_")
    assert credentials["external_account_id"].isdigit()
    assert [w["code"] for w in account.warehouses] == ["CA1", "NJ1"]
    again = sandbox_account_provision(connection=connection)
    assert (again.pk, sandbox_credentials(account=again)) == (account.pk, credentials)


def test_a_wrong_key_is_refused_like_shipmonk_refuses_it(client: Client, store: Store) -> None:
    account = sandbox_account_provision(connection=_connection(store, "shipmonk", "warehouse"))
    url = f"{account.base_path}v1/integrations/warehouses"
    wrong = client.get(url, headers={"Api-Key": "not-the-key"})
    assert wrong.status_code == 401
    assert wrong.json() == {"status": 401, "message": "Unauthorized", "errors": []}
    assert client.get(url, headers={"Api-Key": account.api_key}).status_code == 200


@pytest.mark.parametrize(
    ("provider", "role", "path", "headers"),
    [
        ("loop", "returns_platform", "warehouse/return/list", lambda key: {"X-Authorization": key}),
        (
            "trackstar",
            "warehouse",
            "wms/warehouses",
            lambda key: {"x-trackstar-api-key": "org", "x-trackstar-access-token": key},
        ),
    ],
)
def test_each_fake_checks_its_own_credential(
    client: Client, store: Store, provider: str, role: str, path: str, headers
) -> None:
    account = sandbox_account_provision(connection=_connection(store, provider, role))
    assert client.get(account.base_path + path, headers=headers("wrong")).status_code == 401
    assert client.get(account.base_path + path, headers=headers(account.api_key)).status_code == 200


def test_shipstream_checks_user_and_password(client: Client, store: Store) -> None:
    account = sandbox_account_provision(connection=_connection(store, "shipstream", "warehouse"))
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "call", "params": [None, "warehouse.list", []]})

    def call(user: str, password: str) -> int:
        auth = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
        url = f"{account.base_path}api/jsonrpc"
        return client.post(url, body, content_type="application/json", headers={"Authorization": auth}).status_code

    assert call(account.username, "wrong") == 401
    assert call("someone", account.api_key) == 401
    assert call(account.username, account.api_key) == 200


def test_a_redo_store_id_that_is_not_the_accounts_is_not_found(client: Client, store: Store) -> None:
    account = sandbox_account_provision(connection=_connection(store, "redo", "returns_platform"))
    auth = {"Authorization": f"Bearer {account.api_key}"}
    missing = client.get(f"{account.base_path}stores/other-store/returns", headers=auth)
    assert missing.status_code == 404
    assert missing.json()["title"] == "Store not found"
    assert client.get(f"{account.base_path}stores/{account.account_id}/returns", headers=auth).status_code == 200


@responses.activate
def test_sandbox_loop_signs_with_its_own_secret_while_it_serves_the_connection(store: Store, settings) -> None:
    settings.PUBLIC_BASE_URL = "http://127.0.0.1:9"
    connection = _connection(store, "loop", "returns_platform")
    connection.webhook_secret = "what-the-merchant-typed"
    connection.save()
    account = sandbox_account_provision(connection=connection)
    Connection.objects.filter(pk=connection.pk).update(base_url=sandbox_base_url(account=account))
    delivery = sandbox_webhook_send(account=account, event_type="return.created", payload={"topic": "return"})
    responses.add(responses.POST, delivery.url, status=200)

    sandbox_webhook_deliver(delivery_id=delivery.pk)
    body = responses.calls[0].request.body
    expected = base64.b64encode(hmac.new(account.webhook_secret.encode(), body, hashlib.sha256).digest()).decode()
    assert responses.calls[0].request.headers["X-Loop-Signature"] == expected

    # Back on the real Loop: test returns are signed with the secret the merchant entered.
    Connection.objects.filter(pk=connection.pk).update(base_url="")
    sandbox_webhook_deliver(delivery_id=delivery.pk)
    body = responses.calls[1].request.body
    typed = base64.b64encode(hmac.new(b"what-the-merchant-typed", body, hashlib.sha256).digest()).decode()
    assert responses.calls[1].request.headers["X-Loop-Signature"] == typed
    assert SandboxWebhookDelivery.objects.count() == 1


def test_an_account_without_credentials_accepts_the_linked_connections(client: Client, store: Store) -> None:
    connection = Connection.objects.create(store=store, provider="shipmonk", role="warehouse", api_key="conn-key")
    account = SandboxAccount.objects.create(provider="shipmonk", connection=connection)
    url = f"{account.base_path}v1/integrations/warehouses"
    assert client.get(url, headers={"Api-Key": "conn-key"}).status_code == 200
    assert client.get(url, headers={"Api-Key": "other"}).status_code == 401


def test_a_wms_that_knows_its_skus_refuses_an_unknown_one(client: Client, shipmonk, trackstar, shipstream) -> None:
    for account in (shipmonk, trackstar, shipstream):
        account.skus = ["100234"]
        account.save()
    refused = post_json(client, f"{shipmonk.base_path}v1/integrations/returns", SHIPMONK_OK, **{"Api-Key": "sm-key"})
    assert refused.status_code == 422
    assert "body.items[0].sku: product 'TEE-BLK-M' does not exist" in refused.json()["errors"]
    refused = post_json(client, f"{trackstar.base_path}wms/returns", TRACKSTAR_OK, **TRACKSTAR_HEADERS)
    assert refused.status_code == 422
    assert "body.line_items[0].sku: no inventory item with SKU 'TEE-BLK-M'" in refused.json()["details"]
    call = {
        "jsonrpc": "2.0",
        "id": 7,
        "method": "call",
        "params": [None, "delivery.create", ["rma", SHIPSTREAM_DATA, SHIPSTREAM_ITEMS]],
    }
    fault = post_json(client, f"{shipstream.base_path}api/jsonrpc", call, **BASIC).json()
    assert fault["error"] == {"code": -32602, "message": "Invalid SKU: TEE-BLK-M"}
    known = _with(SHIPMONK_OK, "items.0.sku", "100234")
    assert (
        post_json(client, f"{shipmonk.base_path}v1/integrations/returns", known, **{"Api-Key": "sm-key"}).status_code
        == 200
    )
