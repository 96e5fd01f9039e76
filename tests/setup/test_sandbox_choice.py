"""The sandbox is a choice in the wizard: it creates the accounts, points the connections at them,
refuses a wrong key like the real API, and lets the merchant switch to the real account later."""

import html
import re
from typing import Any

import pytest
import responses
from django.test import Client
from django.urls import reverse

from integrations.models import Connection, Store
from integrations.sandbox.models import SandboxAccount

pytestmark = pytest.mark.django_db(transaction=True)

LOOP = "https://api.loopreturns.com/api/v1"


def url(store: Store, name: str) -> str:
    return reverse(f"setup:{name}", kwargs={"slug": store.slug})


@pytest.fixture
def on_live_server(live_server: Any, settings: Any) -> str:
    settings.PUBLIC_BASE_URL = live_server.url
    return live_server.url


def test_choosing_the_sandbox_creates_the_account_and_points_the_connection_at_it(
    merchant_client: Client, store: Store, on_live_server: str
) -> None:
    response = merchant_client.post(url(store, "platform"), {"provider": "loop", "use_sandbox": "on"})
    assert response.status_code == 302
    connection = store.connections.get()
    account = SandboxAccount.objects.get(connection=connection)
    assert connection.base_url == f"{on_live_server}/sandbox/loop/{account.key}"
    assert (connection.api_key, connection.webhook_secret) == (account.api_key, account.webhook_secret)
    assert connection.last_success_at is not None
    assert not connection.last_error

    page = html.unescape(merchant_client.get(url(store, "platform")).content.decode())
    assert "Your connection uses the sandbox Loop" in page
    assert account.api_key in page  # a sandbox key is made up and handed out, like a real account's
    assert re.search(r'<input type="checkbox" name="use_sandbox"[^>]*checked', page)


def test_a_wrong_key_at_the_sandbox_is_refused_then_corrected(
    merchant_client: Client, store: Store, on_live_server: str
) -> None:
    wrong = merchant_client.post(
        url(store, "platform"), {"provider": "loop", "use_sandbox": "on", "loop_api_key": "typo-key"}
    )
    assert wrong.status_code == 302
    page = html.unescape(merchant_client.get(wrong["Location"]).content.decode())
    assert "The sandbox Loop answered 401 Unauthorized." in page
    assert re.findall(r'id="id_loop_api_key_error">(.*?)<', page) == [
        "Refused by the sandbox Loop (401). Enter it again, copied in full."
    ]
    assert store.connections.get().api_key == "typo-key"

    right = merchant_client.post(url(store, "platform"), {"provider": "loop", "use_sandbox": "on"})
    assert right.status_code == 302
    connection = store.connections.get()
    assert connection.api_key == SandboxAccount.objects.get().api_key
    assert not connection.last_error


def test_the_merchant_switches_from_the_sandbox_to_the_real_account(
    merchant_client: Client, store: Store, on_live_server: str
) -> None:
    assert merchant_client.post(url(store, "platform"), {"provider": "loop", "use_sandbox": "on"}).status_code == 302
    # The sandbox's credentials are no credentials for the real Loop: they must be entered.
    blank = merchant_client.post(url(store, "platform"), {"provider": "loop"})
    assert blank.status_code == 422
    assert "Enter the Loop API key." in blank.content.decode()

    with responses.RequestsMock() as mocked:
        mocked.add_passthru(on_live_server)
        check = mocked.get(f"{LOOP}/warehouse/return/list", json={"returns": []})
        real = merchant_client.post(
            url(store, "platform"), {"provider": "loop", "loop_api_key": "real-key", "loop_webhook_secret": "real-s"}
        )
    assert real.status_code == 302
    assert check.calls[0].request.headers["X-Authorization"] == "real-key"
    connection = store.connections.get()
    assert (connection.base_url, connection.api_key, connection.webhook_secret) == ("", "real-key", "real-s")
    assert "Your connection uses the sandbox" not in merchant_client.get(url(store, "platform")).content.decode()


def test_a_sandbox_warehouse_system_lists_its_warehouses(
    merchant_client: Client, store: Store, on_live_server: str
) -> None:
    response = merchant_client.post(url(store, "warehouse"), {"kind": "shipstream", "use_sandbox": "on"})
    assert response.status_code == 302
    assert response["Location"] == url(store, "locations")
    connection = store.connections.get()
    account = SandboxAccount.objects.get(connection=connection)
    assert connection.base_url == f"{on_live_server}/sandbox/shipstream/{account.key}"
    assert (connection.api_username, connection.api_password) == (account.username, account.api_key)
    assert connection.webhook_secret  # so the sandbox's delivery webhooks verify at the store's endpoint
    locations = merchant_client.get(response["Location"]).content.decode()
    assert "Ontario, CA (#1)" in locations
    assert "Carteret, NJ (#2)" in locations


def test_sandbox_trackstar_needs_no_organisation_key(
    merchant_client: Client, store: Store, on_live_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRACKSTAR_API_KEY", "")
    response = merchant_client.post(url(store, "warehouse"), {"kind": "shipmonk_trackstar", "use_sandbox": "on"})
    assert response.status_code == 302
    connection = store.connections.get()
    assert connection.wms_name == "shipmonk"
    assert connection.webhook_secret.startswith("whsec_")
    assert Connection.objects.filter(pk=connection.pk, last_error="").exists()


def test_redo_and_trackstar_on_the_sandbox_and_a_wrong_store_id(
    merchant_client: Client, store: Store, on_live_server: str
) -> None:
    wrong = merchant_client.post(
        url(store, "platform"), {"provider": "redo", "use_sandbox": "on", "redo_external_account_id": "st_typo"}
    )
    # Redo's bearer token is generated and shown once on this answer; the failed check too.
    assert wrong.status_code == 422
    page = html.unescape(wrong.content.decode())
    assert "The sandbox Redo answered 404 Not Found: “no store st_typo for this API secret”." in page
    assert "Check the Redo store ID." in page
    assert re.findall(r'id="id_redo_external_account_id_error">(.*?)<', page) == [
        "The sandbox Redo refused the request with this value (404)."
    ]

    right = merchant_client.post(
        url(store, "platform"), {"provider": "redo", "use_sandbox": "on", "redo_external_account_id": ""}
    )
    assert right.status_code == 302
    redo = store.connections.get(provider="redo")
    assert redo.external_account_id == SandboxAccount.objects.get(connection=redo).account_id
    assert not redo.last_error

    warehouse = merchant_client.post(
        url(store, "warehouse"), {"kind": "trackstar", "wms_name": "extensiv", "use_sandbox": "on"}
    )
    assert warehouse.status_code == 302
    assert store.connections.get(provider="trackstar").wms_name == "extensiv"


def test_the_sandbox_takes_its_own_organisation_key_not_the_one_support_typed(
    merchant_client: Client, store: Store, on_live_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Support typed the operator's TrackStar key on this connection; a merchant pointing it at the sandbox must
    not carry that key along (reliability.md rule 15): the sandbox account's own key replaces it."""
    monkeypatch.setenv("TRACKSTAR_API_KEY", "")
    Connection.objects.create(
        store=store,
        provider="trackstar",
        role=Connection.Role.WAREHOUSE,
        wms_name="shipmonk",
        api_key="typed-by-support-0042",
        access_token="tok",
    )
    response = merchant_client.post(url(store, "warehouse"), {"kind": "shipmonk_trackstar", "use_sandbox": "on"})
    assert response.status_code == 302
    connection = store.connections.get()
    assert connection.api_key == "sbx_organisation_key"
    assert Connection.objects.filter(pk=connection.pk, last_error="").exists()
