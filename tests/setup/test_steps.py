"""Steps 1–4 and 6 with the Django test client; provider HTTP is mocked with `responses`."""

import html
import re
import socket
from typing import Any

import pytest
import requests
import responses
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection as db
from django.test import Client
from django.urls import reverse

from integrations import url_safety
from integrations.models import Connection, Store
from warehouses.models import ShippingLocation, SkuMapping

pytestmark = pytest.mark.django_db

LOOP = "https://api.loopreturns.com/api/v1"
REDO = "https://api.getredo.com/v2.2"
SHIPMONK = "https://api.shipmonk.com"
TRACKSTAR = "https://production.trackstarhq.com"


def url(store: Store, name: str, **kwargs: Any) -> str:
    return reverse(f"setup:{name}", kwargs={"slug": store.slug, **kwargs})


def stored_column(connection: Connection, column: str) -> str:
    with db.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM integrations_connection WHERE id = %s", [connection.pk])  # noqa: S608
        return cursor.fetchone()[0]


# ----------------------------------------------------------------------------- step 1


@responses.activate
def test_loop_credentials_are_saved_encrypted_and_checked_live(merchant_client: Client, store: Store) -> None:
    check = responses.get(f"{LOOP}/warehouse/return/list", json={"returns": []})
    response = merchant_client.post(
        url(store, "platform"), {"provider": "loop", "loop_api_key": "loop-key-123", "loop_webhook_secret": "whs-456"}
    )
    assert response.status_code == 302
    assert check.calls[0].request.headers["X-Authorization"] == "loop-key-123"
    connection = store.connections.get()
    assert (connection.provider, connection.role, connection.status) == ("loop", "returns_platform", "draft")
    assert connection.api_key == "loop-key-123"
    assert "loop-key-123" not in stored_column(connection, "api_key")
    assert "whs-456" not in stored_column(connection, "webhook_secret")
    assert connection.last_success_at is not None
    assert not any("loop-key-123" in str(v) for v in merchant_client.session.values())

    page = merchant_client.get(response["Location"]).content.decode()
    assert "loop-key-123" not in page
    assert "whs-456" not in page
    assert f"http://127.0.0.1:8000/webhooks/loop/{connection.endpoint_token}/" in page
    for trigger in ("return.created", "return.updated", "return.closed", "label.created", "label.updated"):
        assert trigger in page
    assert "Automatic webhook registration" in page


@responses.activate
def test_a_blank_secret_keeps_the_stored_one(merchant_client: Client, store: Store) -> None:
    responses.get(f"{LOOP}/warehouse/return/list", json={"returns": []})
    merchant_client.post(
        url(store, "platform"), {"provider": "loop", "loop_api_key": "first-key", "loop_webhook_secret": "s1"}
    )
    response = merchant_client.post(
        url(store, "platform"), {"provider": "loop", "loop_api_key": "", "loop_webhook_secret": ""}
    )
    assert response.status_code == 302
    connection = store.connections.get()
    assert (connection.api_key, connection.webhook_secret) == ("first-key", "s1")


@pytest.mark.parametrize(
    ("answer", "said", "fix", "field_error"),
    [
        (
            {"status": 401, "json": {"error": {"message": "Token revoked."}}},
            "Loop answered 401 Unauthorized: “Token revoked”.",
            "Check the Loop API key: copy it again from Loop, in full.",
            "Refused by Loop (401). Enter it again, copied in full.",
        ),
        (
            {"body": requests.ConnectTimeout("slow")},
            "No answer from Loop: could not connect to loop in time (ConnectTimeout).",
            "Nothing to change on your side: Loop may be busy or down.",
            None,
        ),
        (
            {"status": 503, "body": "down for maintenance"},
            "Loop answered 503 Service Unavailable: “down for maintenance”.",
            "Nothing to change on your side",
            None,
        ),
        (
            {"status": 429, "body": "slow down"},
            "Loop answered 429 Too Many Requests: “slow down”.",
            "Nothing to change: wait a minute, then try again.",
            None,
        ),
        (
            {"status": 422, "json": {"message": "bad shop"}},
            "Loop answered 422 Unprocessable Entity: “bad shop”.",
            "Check your account settings at Loop.",
            None,
        ),
    ],
)
@responses.activate
def test_each_provider_error_says_what_was_tried_what_came_back_and_what_to_change(
    merchant_client: Client, store: Store, answer: dict[str, Any], said: str, fix: str, field_error: str | None
) -> None:
    responses.get(f"{LOOP}/warehouse/return/list", **answer)
    response = merchant_client.post(
        url(store, "platform"), {"provider": "loop", "loop_api_key": "wrong", "loop_webhook_secret": "s"}
    )
    # Shown after a redirect, so the browser's back button never lands on the form POST.
    assert (response.status_code, response["Location"]) == (302, url(store, "platform"))
    page = html.unescape(merchant_client.get(response["Location"]).content.decode())
    assert "Backhaul asked Loop for your returns (GET https://api.loopreturns.com/api/v1/warehouse/return/list" in page
    assert said in page
    assert fix in page
    assert "Check the URL" not in page  # Loop has no URL field
    field_errors = re.findall(r'id="id_loop_api_key_error">(.*?)<', page)
    assert field_errors == ([field_error] if field_error else [])
    connection = store.connections.get()
    assert connection.last_success_at is None
    assert connection.api_key == "wrong"  # saved (encrypted) from the first POST, just not verified


def test_missing_fields_are_reported_next_to_the_field(merchant_client: Client, store: Store) -> None:
    response = merchant_client.post(url(store, "platform"), {"provider": "redo"})
    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="id_redo_api_key_error"' in html
    assert re.search(r'aria-describedby="[^"]*id_redo_external_account_id_error', html)
    assert 'aria-invalid="true"' in html
    assert store.connections.count() == 0


@responses.activate
def test_redo_gets_a_generated_bearer_token_shown_once(merchant_client: Client, store: Store) -> None:
    responses.get(f"{REDO}/stores/st_1/returns", json={"returns": []})
    response = merchant_client.post(
        url(store, "platform"), {"provider": "redo", "redo_api_key": "redo-secret", "redo_external_account_id": "st_1"}
    )
    assert response.status_code == 200
    connection = store.connections.get()
    assert len(connection.webhook_secret) >= 40
    assert connection.webhook_secret in response.content.decode()
    assert "shown only this once" in response.content.decode()
    assert connection.webhook_secret not in merchant_client.get(url(store, "platform")).content.decode()

    again = merchant_client.post(url(store, "platform"), {"action": "regenerate"})
    connection.refresh_from_db()
    assert connection.webhook_secret in again.content.decode()
    assert connection.previous_webhook_secret  # the old token keeps verifying during the rotation window


# ----------------------------------------------------------------------------- step 2


@responses.activate
def test_shipmonk_direct_is_checked_by_listing_warehouses(merchant_client: Client, store: Store) -> None:
    listing = responses.get(
        f"{SHIPMONK}/v1/integrations/warehouses",
        json={
            "data": [{"id": 1, "identifier": "CA1", "name": "Ontario"}, {"id": 2, "identifier": "NJ1", "name": "NJ"}]
        },
    )
    response = merchant_client.post(
        url(store, "warehouse"),
        {"kind": "shipmonk", "shipmonk_api_key": "sm-key", "shipmonk_external_account_id": "12345"},
    )
    assert response.status_code == 302
    assert response["Location"] == url(store, "locations")
    assert listing.calls[0].request.headers["Api-Key"] == "sm-key"
    connection = store.connections.get()
    assert (connection.provider, connection.external_account_id) == ("shipmonk", "12345")
    page = merchant_client.get(response["Location"]).content.decode()
    assert "Ontario (CA1)" in page
    assert "sm-key" not in page


@responses.activate
def test_trackstar_auth_failure_is_explained(merchant_client: Client, store: Store) -> None:
    responses.get(f"{TRACKSTAR}/wms/warehouses", status=401, json={"error": "bad token"})
    response = merchant_client.post(
        url(store, "warehouse"), {"kind": "shipmonk_trackstar", "trackstar_access_token": "tok"}
    )
    assert (response.status_code, response["Location"]) == (302, url(store, "warehouse"))
    page = html.unescape(merchant_client.get(response["Location"]).content.decode())
    assert (
        "Backhaul asked TrackStar for your list of warehouses (GET https://production.trackstarhq.com/wms/warehouses)"
        in page
    )
    assert "ShipMonk through TrackStar answered 401 Unauthorized: “bad token”." in page
    assert "Check the TrackStar access token: copy it again from TrackStar, in full." in page
    assert re.findall(r'id="id_trackstar_access_token_error">(.*?)<', page) == [
        "Refused by ShipMonk through TrackStar (401). Enter it again, copied in full."
    ]
    assert store.connections.get().wms_name == "shipmonk"


def test_shipstream_url_must_be_public_https_in_production(
    merchant_client: Client, store: Store, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.ALLOW_PRIVATE_PROVIDER_URLS = False
    monkeypatch.setattr(
        url_safety.socket,
        "getaddrinfo",
        lambda *a, **k: [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.7", 443))],
    )
    data = {
        "kind": "shipstream",
        "shipstream_api_username": "u",
        "shipstream_api_password": "p",
        "shipstream_base_url": "https://wms.internal.example",
    }
    response = merchant_client.post(url(store, "warehouse"), data)
    assert response.status_code == 422
    assert "private or local network address" in response.content.decode()
    data["shipstream_base_url"] = "http://wms.example.com"
    assert "Use an https:// URL" in merchant_client.post(url(store, "warehouse"), data).content.decode()
    assert store.connections.count() == 0


# ----------------------------------------------------------------------------- step 3


@pytest.fixture
def shipmonk_connected(store: Store) -> Connection:
    connection = Connection.objects.create(
        store=store, role="warehouse", provider="shipmonk", api_key="sm", external_account_id="1"
    )
    responses.get(
        f"{SHIPMONK}/v1/integrations/warehouses",
        json={
            "data": [{"id": 1, "identifier": "CA1", "name": "Ontario"}, {"id": 2, "identifier": "NJ1", "name": "NJ"}]
        },
    )
    return connection


@responses.activate
def test_locations_link_to_live_warehouses_and_move_the_default(
    merchant_client: Client, store: Store, shipmonk_connected: Connection
) -> None:
    first = merchant_client.post(url(store, "locations"), {"name": "West", "warehouse": "CA1", "make_default": ""})
    assert first.status_code == 302
    west = ShippingLocation.objects.get(name="West")
    assert (west.wms_warehouse_code, west.is_default, west.warehouse_connection_id) == (
        "CA1",
        True,
        shipmonk_connected.pk,
    )

    merchant_client.post(url(store, "locations"), {"name": "East", "warehouse": "NJ1", "make_default": "on"})
    assert set(ShippingLocation.objects.filter(is_default=True).values_list("name", flat=True)) == {"East"}

    edit = merchant_client.post(
        url(store, "location_edit", pk=west.pk), {"name": "West coast", "warehouse": "NJ1", "make_default": "on"}
    )
    assert edit.status_code == 302
    west.refresh_from_db()
    assert (west.name, west.wms_warehouse_code, west.is_default) == ("West coast", "NJ1", True)
    assert ShippingLocation.objects.filter(is_default=True).count() == 1


@responses.activate
def test_a_warehouse_not_in_the_live_list_is_refused(
    merchant_client: Client, store: Store, shipmonk_connected: Connection
) -> None:
    merchant_client.post(url(store, "locations"), {"name": "West", "warehouse": "CA1"})
    response = merchant_client.post(url(store, "locations"), {"name": "west", "warehouse": "ZZ9"})
    assert response.status_code == 422
    html = response.content.decode()
    assert "You already have a location with this name." in html
    assert "Select a valid choice" in html or "Choose a warehouse" in html


# ----------------------------------------------------------------------------- step 4


def test_rules_are_saved(merchant_client: Client, store: Store) -> None:
    response = merchant_client.post(
        url(store, "rules"),
        {"processing_mode": "automatic", "rma_trigger": "on_label_created", "default_instructions": "Inspect"},
    )
    assert response.status_code == 302
    store.refresh_from_db()
    assert (store.processing_mode, store.rma_trigger, store.default_instructions) == (
        "automatic",
        "on_label_created",
        "Inspect",
    )
    assert "Manual is recommended" in merchant_client.get(url(store, "rules")).content.decode()


def _upload(client: Client, store: Store, content: bytes) -> Any:
    upload = SimpleUploadedFile("skus.csv", content, content_type="text/csv")
    return client.post(url(store, "rules"), {"action": "skus", "file": upload})


def test_sku_csv_saves_valid_rows_updates_duplicates_and_reports_bad_rows(
    merchant_client: Client, store: Store
) -> None:
    SkuMapping.objects.create(store=store, platform_sku="TEE-M", wms_sku="OLD")
    content = (
        b"\xef\xbb\xbfplatform_sku,wms_sku\n"
        b"TEE-M,100234\n"  # row 2: updates the existing mapping
        b"TEE-L,100235\n"  # row 3: new
        b",100236\n"  # row 4: no platform SKU
        b"CAP,\n"  # row 5: no WMS SKU
        b"\n"  # row 6: blank, skipped silently
        b"TEE-L,999\n" + b"X" * 201 + b",1\n"  # row 7: repeated in the file  # row 8: too long
    )
    response = _upload(merchant_client, store, content)
    assert response.status_code == 200
    assert dict(SkuMapping.objects.filter(store=store).values_list("platform_sku", "wms_sku")) == {
        "TEE-M": "100234",
        "TEE-L": "100235",
    }
    imported = response.context["imported"]
    assert (imported.created, imported.updated) == (1, 1)
    assert [(e.row, e.reason) for e in imported.errors] == [
        (4, "platform_sku is empty"),
        (5, "wms_sku is empty for CAP"),
        (7, "TEE-L is already in row 3; this row is ignored"),
        (8, "a SKU is longer than 200 characters"),
    ]
    html = response.content.decode()
    assert "<td>4</td><td>platform_sku is empty</td>" in html
    assert "1 added, 1 updated, 0 unchanged, 4 rows skipped" in html


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"sku,target\nA,B\n", "The first row must be the header platform_sku,wms_sku."),
        (b"platform_sku,wms_sku\n\xff\xfe,1\n", "not UTF-8"),
    ],
)
def test_a_bad_sku_file_is_refused_whole(merchant_client: Client, store: Store, content: bytes, message: str) -> None:
    response = _upload(merchant_client, store, content)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not SkuMapping.objects.filter(store=store).exists()


# ----------------------------------------------------------------------------- step 6


def test_go_live_is_refused_until_the_setup_is_complete(merchant_client: Client, store: Store) -> None:
    Connection.objects.create(store=store, role="returns_platform", provider="loop", api_key="k")
    page = merchant_client.get(url(store, "live")).content.decode()
    assert "Connect and check your returns platform (step 1)." in page
    response = merchant_client.post(url(store, "live"), follow=True)
    assert "Link a default shipping location" in response.content.decode()
    assert store.connections.get().status == Connection.Status.DRAFT


def test_go_live_activates_draft_connections_and_shows_health(merchant_client: Client, store: Store) -> None:
    from django.utils import timezone

    from tests.factories import InboundWebhookFactory, RMAFactory

    now = timezone.now()
    loop = Connection.objects.create(
        store=store, role="returns_platform", provider="loop", api_key="k", webhook_secret="s", last_success_at=now
    )
    wms = Connection.objects.create(
        store=store, role="warehouse", provider="shipmonk", api_key="k", last_success_at=now
    )
    ShippingLocation.objects.create(
        store=store, name="West", warehouse_connection=wms, wms_warehouse_code="CA1", is_default=True
    )
    RMAFactory(return_obj__store=store, return_obj__connection=loop, warehouse_connection=wms, status="needs_attention")
    InboundWebhookFactory(connection=loop, status="failed")

    page = merchant_client.get(url(store, "live")).content.decode()
    assert "1 RMA needs attention" in page
    assert "1 webhook failed" in page
    response = merchant_client.post(url(store, "live"))
    assert response.status_code == 302
    assert set(store.connections.values_list("status", flat=True)) == {"active"}
    progress = merchant_client.get(url(store, "live")).context["progress"]
    assert [s.done for s in progress if s.slug == "live"] == [True]
