"""Every wizard step survives a retry: wrong then right credentials, saving twice, changing provider."""

from typing import Any

import pytest
import responses
from django.test import Client
from django.urls import reverse

from integrations.models import Connection, Store
from warehouses.models import ShippingLocation

pytestmark = pytest.mark.django_db

LOOP = "https://api.loopreturns.com/api/v1"
SHIPMONK = "https://api.shipmonk.com"
TRACKSTAR = "https://production.trackstarhq.com"
WAREHOUSES = {"data": [{"id": 1, "identifier": "CA1", "name": "Ontario"}]}


def url(store: Store, name: str, **kwargs: Any) -> str:
    return reverse(f"setup:{name}", kwargs={"slug": store.slug, **kwargs})


@responses.activate
def test_a_wrong_shipmonk_key_can_be_corrected(merchant_client: Client, store: Store) -> None:
    responses.get(f"{SHIPMONK}/v1/integrations/warehouses", status=401, json={"message": "Invalid API key"})
    wrong = merchant_client.post(
        url(store, "warehouse"),
        {"kind": "shipmonk", "shipmonk_api_key": "wrong-key", "shipmonk_external_account_id": "12345"},
    )
    assert (wrong.status_code, wrong["Location"]) == (302, url(store, "warehouse"))
    assert "Invalid API key" in merchant_client.get(wrong["Location"]).content.decode()

    responses.replace(responses.GET, f"{SHIPMONK}/v1/integrations/warehouses", json=WAREHOUSES)
    right = merchant_client.post(
        url(store, "warehouse"),
        {"kind": "shipmonk", "shipmonk_api_key": "right-key", "shipmonk_external_account_id": "12345"},
    )
    assert right.status_code == 302
    connection = store.connections.get()
    assert (connection.api_key, connection.external_account_id) == ("right-key", "12345")
    assert responses.calls[-1].request.headers["Api-Key"] == "right-key"


@responses.activate
def test_saving_step_2_twice_keeps_the_stored_key(merchant_client: Client, store: Store) -> None:
    responses.get(f"{SHIPMONK}/v1/integrations/warehouses", json=WAREHOUSES)
    data = {"kind": "shipmonk", "shipmonk_api_key": "sm-key", "shipmonk_external_account_id": "12345"}
    assert merchant_client.post(url(store, "warehouse"), data).status_code == 302
    again = merchant_client.post(url(store, "warehouse"), {**data, "shipmonk_api_key": ""})
    assert again.status_code == 302
    assert store.connections.get().api_key == "sm-key"


@responses.activate
def test_changing_provider_and_back_keeps_each_providers_saved_key(merchant_client: Client, store: Store) -> None:
    responses.get(f"{SHIPMONK}/v1/integrations/warehouses", json=WAREHOUSES)
    responses.get(f"{TRACKSTAR}/wms/warehouses", json={"data": [{"id": "wh_1", "name": "Reno", "code": "RN1"}]})
    responses.post(
        "https://acme.shipstream.example/api/jsonrpc",
        json={"jsonrpc": "2.0", "id": 1, "result": [{"warehouse_id": 3, "name": "Reno"}]},
    )
    shipmonk = {"kind": "shipmonk", "shipmonk_api_key": "sm-key", "shipmonk_external_account_id": "12345"}
    assert merchant_client.post(url(store, "warehouse"), shipmonk).status_code == 302
    trackstar = {"kind": "shipmonk_trackstar", "trackstar_access_token": "ts-token"}
    assert merchant_client.post(url(store, "warehouse"), trackstar).status_code == 302
    shipstream = {
        "kind": "shipstream",
        # The hidden WMS name field still carries the TrackStar choice's value: it must not count here.
        "wms_name": "shipmonk",
        "shipstream_api_username": "api",
        "shipstream_api_password": "pw",
        "shipstream_base_url": "https://acme.shipstream.example/",
    }
    # The first ShipStream save stays on the page: it shows the signing key Backhaul made, once.
    first = merchant_client.post(url(store, "warehouse"), shipstream)
    assert first.status_code == 200
    assert first.context["new_webhook_secret"] == store.connections.get(provider="shipstream").webhook_secret
    assert store.connections.get(provider="shipstream").wms_name == ""
    page = merchant_client.get(url(store, "warehouse"))
    assert page.context["form"]["kind"].value() == "shipstream"
    assert page.context["form"]["shipstream_base_url"].value() == "https://acme.shipstream.example"

    # Back to ShipMonk with every field blank: its saved key and store ID are used again.
    back = merchant_client.post(url(store, "warehouse"), {"kind": "shipmonk"})
    assert back.status_code == 302
    assert responses.calls[-1].request.headers["Api-Key"] == "sm-key"
    current = store.connections.filter(role="warehouse").order_by("-updated_at").first()
    assert (current.provider, current.api_key, current.external_account_id) == ("shipmonk", "sm-key", "12345")
    # A blank field of a provider never saved is still asked for.
    blank = merchant_client.post(url(store, "warehouse"), {"kind": "trackstar", "wms_name": "extensiv"})
    assert blank.status_code == 422
    assert "Enter the TrackStar access token." in blank.content.decode()


@responses.activate
def test_go_live_twice_and_saving_a_location_twice(merchant_client: Client, store: Store) -> None:
    from django.utils import timezone

    now = timezone.now()
    Connection.objects.create(
        store=store, role="returns_platform", provider="loop", api_key="k", webhook_secret="s", last_success_at=now
    )
    wms = Connection.objects.create(
        store=store, role="warehouse", provider="shipmonk", api_key="k", external_account_id="1", last_success_at=now
    )
    responses.get(f"{SHIPMONK}/v1/integrations/warehouses", json=WAREHOUSES)
    first = merchant_client.post(url(store, "locations"), {"name": "West", "warehouse": "CA1"})
    second = merchant_client.post(url(store, "locations"), {"name": "West", "warehouse": "CA1"})
    assert (first.status_code, second.status_code) == (302, 422)
    assert "You already have a location with this name." in second.content.decode()
    assert ShippingLocation.objects.filter(store=store).count() == 1

    live = merchant_client.post(url(store, "live"), follow=True)
    assert "Loop and ShipMonk are now live." in live.content.decode()
    again = merchant_client.post(url(store, "live"), follow=True)
    assert again.status_code == 200
    assert "Everything was already live." in again.content.decode()
    assert set(store.connections.values_list("status", flat=True)) == {"active"}
    assert wms.rmas.count() == 0
