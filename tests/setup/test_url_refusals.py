"""A URL refused after the form let it through (inside the wizard's services, or by the provider's redirect)
is told to the merchant next to the field to change, never as a 500."""

import html
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from pytest_httpserver import HTTPServer

from integrations.models import Store
from integrations.sandbox.models import SandboxAccount
from integrations.wizard import services as wizard
from tests.integrations import conftest as outbound
from tests.integrations.conftest import PUBLIC, Resolver

pytestmark = pytest.mark.django_db

# The outbound-safety fixtures (controlled DNS, a public address that reaches a local server).
dns = outbound.dns
public_is_local = outbound.public_is_local

SHIPSTREAM = {"kind": "shipstream", "shipstream_api_username": "u", "shipstream_api_password": "p"}


def _step(store: Store, name: str) -> str:
    return reverse(f"setup:{name}", kwargs={"slug": store.slug})


def _field_error(page: str, name: str) -> list[str]:
    return re.findall(rf'id="id_{name}_error">(.*?)<', page)


def _rebinding(addresses: list[str]) -> Callable[[str], list[str]]:
    """A name whose answers change between lookups (the form's check, then the service's)."""
    answers = iter(addresses)

    def resolve(host: str) -> list[str]:
        return [next(answers, addresses[-1])]

    return resolve


def test_a_url_the_services_check_refuses_is_a_field_error(
    merchant_client: Client, store: Store, settings: Any, dns: dict[str, Resolver]
) -> None:
    settings.ALLOW_PRIVATE_PROVIDER_URLS = False
    dns["wms.example.com"] = _rebinding([PUBLIC, "10.0.0.7"])
    data = {**SHIPSTREAM, "shipstream_base_url": "https://wms.example.com"}
    response = merchant_client.post(_step(store, "warehouse"), data)
    assert response.status_code == 422
    page = html.unescape(response.content.decode())
    assert _field_error(page, "shipstream_base_url") == [
        "wms.example.com points to a private or local network address (10.0.0.7, private); "
        "use the public URL of the service."
    ]
    # Announced like an error the form found itself: the input is invalid and points at its help and error.
    field = re.search(r'<input[^>]*name="shipstream_base_url"[^>]*>', page)
    assert field is not None
    assert 'aria-invalid="true"' in field.group()
    assert 'aria-describedby="id_shipstream_base_url_helptext id_shipstream_base_url_error"' in field.group()
    assert store.connections.count() == 0


def test_a_url_too_long_to_store_is_a_field_error(merchant_client: Client, store: Store) -> None:
    data = {**SHIPSTREAM, "shipstream_base_url": "https://wms.example.com/" + "a" * 250}
    response = merchant_client.post(_step(store, "warehouse"), data)
    assert response.status_code == 422
    errors = _field_error(html.unescape(response.content.decode()), "shipstream_base_url")
    assert len(errors) == 1
    assert "at most 200 characters" in errors[0]
    assert store.connections.count() == 0


def test_a_sandbox_this_deployment_may_not_call_is_a_form_error(
    merchant_client: Client, store: Store, settings: Any
) -> None:
    """The sandbox's URL is no field of the form: the error is the form's own, and says what to do."""
    settings.ALLOW_PRIVATE_PROVIDER_URLS = False
    settings.PUBLIC_BASE_URL = "https://127.0.0.1:8443"
    response = merchant_client.post(_step(store, "platform"), {"provider": "loop", "use_sandbox": "on"})
    assert response.status_code == 422
    page = html.unescape(response.content.decode())
    assert "The sandbox's address (https://127.0.0.1:8443) is refused on this server" in page
    assert "127.0.0.1 is a private or local network address (loopback)" in page
    # Refused before anything was written: no half-made connection, no sandbox account.
    assert store.connections.count() == 0
    assert not SandboxAccount.objects.exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("sandbox", [False, True], ids=["typed URL", "sandbox"])
def test_the_wizard_resolves_a_url_with_no_transaction_open(
    settings: Any, dns: dict[str, Resolver], sandbox: bool
) -> None:
    """A URL check is a DNS lookup: a network call, so never inside a transaction (locks held meanwhile)."""
    settings.ALLOW_PRIVATE_PROVIDER_URLS = False
    settings.PUBLIC_BASE_URL = "https://backhaul.example.com"
    in_transaction: list[bool] = []

    def resolve(host: str) -> list[str]:
        in_transaction.append(transaction.get_connection().in_atomic_block)
        return [PUBLIC]

    dns["wms.example.com"] = dns["backhaul.example.com"] = resolve
    store = Store.objects.create(name="Acme Tees", slug="acme-tees")
    credentials = {} if sandbox else {"api_username": "u", "api_password": "p", "base_url": "https://wms.example.com"}
    saved = wizard.warehouse_system_save(store=store, kind="shipstream", credentials=credentials, sandbox=sandbox)
    connection = saved.connection
    assert connection.base_url.startswith("https://backhaul.example.com" if sandbox else "https://wms.example.com")
    assert in_transaction
    assert not any(in_transaction)


@pytest.mark.usefixtures("public_is_local")
def test_a_redirecting_instance_url_says_what_was_tried_that_redirects_are_refused_and_what_to_change(
    merchant_client: Client,
    store: Store,
    settings: Any,
    dns: dict[str, Resolver],
    httpserver: HTTPServer,
) -> None:
    # Private addresses allowed (the test server is plain http on loopback): the redirect is what is tested.
    settings.ALLOW_PRIVATE_PROVIDER_URLS = True
    dns["acme.shipstream.test"] = lambda host: [PUBLIC]
    httpserver.expect_request(re.compile(".*")).respond_with_data(
        "", status=301, headers={"Location": "https://acme.shipstream.app/api/jsonrpc"}
    )
    base_url = f"http://acme.shipstream.test:{httpserver.port}"
    response = merchant_client.post(_step(store, "warehouse"), {**SHIPSTREAM, "shipstream_base_url": base_url})
    # The first save shows the signing key Backhaul made (once), so the failed check is on this same page.
    assert response.status_code == 422
    page = html.unescape(response.content.decode())
    assert f"Backhaul asked ShipStream for your list of warehouses (POST {base_url}/api/jsonrpc)." in page
    assert (
        "ShipStream answered 301 Moved Permanently, sending Backhaul on to acme.shipstream.app. "
        "Backhaul does not follow redirects, so your credentials are only ever sent to the address you entered."
    ) in page
    assert "Change the ShipStream instance URL to the address that answers directly." in page
    assert "the connection's URL" not in page  # the HTTP base's words for support, not the merchant's
    assert _field_error(page, "shipstream_base_url") == [
        "This address redirects elsewhere; Backhaul does not send your credentials on to another address."
    ]
