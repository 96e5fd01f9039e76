"""The warehouse step says how the warehouse system's webhooks reach Backhaul, by who sets them up (its declaration):
the merchant (ShipStream, ShipBob: the URL, each topic, the secret), the provider's support (ShipMonk) or the
operator (TrackStar). A signing key Backhaul makes (ShipStream's) is shown once, on the response that made it, and
signs deliveries the endpoint accepts."""

import html
import re
from typing import Any

import pytest
import responses
from django.test import Client
from django.urls import reverse

from integrations.models import Connection, Store
from integrations.registry import get_declaration
from tests.conftest import load_fixture
from tests.factories import ConnectionFactory
from tests.integrations.webhooks.signing import signed_headers

pytestmark = pytest.mark.django_db

SHIPSTREAM_RPC = "https://acme.shipstream.example/api/jsonrpc"
SHIPSTREAM = {
    "kind": "shipstream",
    "shipstream_api_username": "api",
    "shipstream_api_password": "pw",
    "shipstream_base_url": "https://acme.shipstream.example/",
}


def step(store: Store) -> str:
    return reverse("setup:warehouse", kwargs={"slug": store.slug})


def shown_secret(page: str) -> str:
    found = re.findall(r'value="([^"]*)"[^>]*id="bearer-token"', page)
    assert len(found) == 1, "no secret shown"
    return html.unescape(found[0])


def delivery_status(client: Client, connection: Connection, secret: str) -> int:
    body = load_fixture("shipstream", "delivery_status_changed")
    headers = signed_headers(connection, body, secret=secret)
    return client.generic(
        "POST", connection.webhook_path, data=body, content_type="application/json", headers=headers
    ).status_code


@responses.activate
def test_shipstreams_signing_key_is_shown_once_with_the_url_and_topics_and_verifies_deliveries(
    merchant_client: Client, store: Store
) -> None:
    responses.post(SHIPSTREAM_RPC, json={"jsonrpc": "2.0", "id": 1, "result": [{"warehouse_id": 3, "name": "Reno"}]})
    saved = merchant_client.post(step(store), SHIPSTREAM)
    assert saved.status_code == 200
    page = saved.content.decode()
    connection = store.connections.get(provider="shipstream")
    secret = shown_secret(page)
    assert secret == connection.webhook_secret
    assert "shown only this once" in page
    assert connection.webhook_path in page
    for topic in get_declaration("shipstream").webhooks.topics:
        assert f"<code>{topic.name}</code>" in page
    assert reverse("setup:locations", kwargs={"slug": store.slug}) in page  # the way on, once copied

    # The key shown is the one the endpoint checks; another is refused.
    anonymous = Client()
    assert delivery_status(anonymous, connection, secret) == 202
    assert delivery_status(anonymous, connection, "not-the-key") == 401

    # Never again: not on the next visit, not when the step is saved again.
    again = merchant_client.get(step(store)).content.decode()
    assert secret not in again
    assert "A webhook secret key is set" in again
    resaved = merchant_client.post(step(store), SHIPSTREAM)
    assert resaved.status_code == 302
    connection.refresh_from_db()
    assert connection.webhook_secret == secret


def test_a_new_signing_key_is_shown_once_and_replaces_the_old(merchant_client: Client, store: Store) -> None:
    connection = ConnectionFactory(store=store, provider="shipstream", base_url="https://acme.shipstream.example")
    old = connection.webhook_secret
    response = merchant_client.post(step(store), {"action": "regenerate"})
    assert response.status_code == 200
    new = shown_secret(response.content.decode())
    connection.refresh_from_db()
    assert new == connection.webhook_secret != old
    assert delivery_status(Client(), connection, new) == 202
    assert new not in merchant_client.get(step(store)).content.decode()


@pytest.mark.parametrize(
    ("provider", "says", "absent"),
    [
        # ShipMonk's support sets them up: nothing to generate or enter in the wizard.
        ("shipmonk", "support team sets these webhooks up", "Generate a new"),
        # ShipBob signs with its own secret: the merchant copies it into the form.
        ("shipbob", "signs each webhook with the secret it shows there", "Generate a new"),
        # TrackStar's are the operator's: no URL for the merchant to paste anywhere.
        ("trackstar", "There is nothing for you to set up", 'id="webhook-url"'),
    ],
)
def test_each_warehouse_system_says_who_sets_its_webhooks_up(
    merchant_client: Client, store: Store, provider: str, says: str, absent: str
) -> None:
    extra: dict[str, Any] = {"wms_name": "shipmonk"} if provider == "trackstar" else {}
    connection = ConnectionFactory(store=store, provider=provider, **extra)
    page = html.unescape(merchant_client.get(step(store)).content.decode())
    assert f"Send {connection.display_name} webhooks to Backhaul" in page
    assert says in page
    assert absent not in page
    if provider != "trackstar":
        assert connection.webhook_path in page
        for topic in get_declaration(provider).webhooks.topics:
            assert topic.name in page


def test_a_warehouse_that_makes_its_own_secret_cannot_have_one_generated(merchant_client: Client, store: Store) -> None:
    connection = ConnectionFactory(store=store, provider="shipbob")
    before = connection.webhook_secret
    response = merchant_client.post(step(store), {"action": "regenerate"}, follow=True)
    assert response.status_code == 200
    assert "signs its webhooks with its own secret" in html.unescape(response.content.decode())
    connection.refresh_from_db()
    assert connection.webhook_secret == before
