"""A provider that answers with a redirect to an internal address gets our credentials nowhere, from
every place a person can make us call it under production settings: the API's test action, the
admin's "Test connection" action and the wizard's connection check."""

import re
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client, override_settings
from django.urls import reverse
from pytest_httpserver import HTTPServer

from integrations.models import ApiCall, Connection, Store, StoreMembership
from tests.api.conftest import World
from tests.factories import ConnectionFactory
from tests.integrations.conftest import PUBLIC, Resolver

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("public_is_local")]

API_KEY = "loop-secret-api-key-0001"


@pytest.fixture
def redirecting_loop(
    httpserver: HTTPServer, other_server: HTTPServer, dns: dict[str, Resolver]
) -> tuple[str, HTTPServer]:
    """A Loop API at a public name whose every answer is a 302 to internal.test (127.0.0.1)."""
    dns["loop.provider.test"] = lambda host: [PUBLIC]
    dns["internal.test"] = lambda host: ["127.0.0.1"]
    other_server.expect_request("/steal").respond_with_json({})
    target = f"http://internal.test:{other_server.port}/steal"
    httpserver.expect_request(re.compile(".*")).respond_with_data("", status=302, headers={"Location": target})
    # Stored as a migration or an older release might have left it: the redirect is what is tested here.
    return f"http://loop.provider.test:{httpserver.port}", other_server


def _loop(store: Store, base_url: str) -> Connection:
    return ConnectionFactory(store=store, provider="loop", api_key=API_KEY, base_url=base_url)


def _nothing_reached(other_server: HTTPServer, connection: Connection) -> None:
    assert other_server.log == []
    call = ApiCall.objects.get(connection=connection)
    assert call.error_class == "ProviderDestinationRefused"
    assert "redirecting to internal.test" in call.error_message
    connection.refresh_from_db()
    assert "internal.test" in connection.last_error  # the wizard records its own words for the merchant


@override_settings(ALLOW_PRIVATE_PROVIDER_URLS=False)
def test_api_test_action(world: World, redirecting_loop: tuple[str, HTTPServer]) -> None:
    base_url, other_server = redirecting_loop
    connection = _loop(world.store_a, base_url)
    response = world.merchant_a.post(f"/api/v1/connections/{connection.pk}/test/")
    assert response.status_code == 200
    assert response.json()["ok"] is False
    assert "redirecting to internal.test" in response.json()["message"]
    _nothing_reached(other_server, connection)


@override_settings(ALLOW_PRIVATE_PROVIDER_URLS=False)
def test_admin_test_connection_action(redirecting_loop: tuple[str, HTTPServer]) -> None:
    base_url, other_server = redirecting_loop
    connection = _loop(Store.objects.create(name="Acme", slug="acme"), base_url)
    client = Client()
    client.force_login(get_user_model().objects.create_superuser("root", "root@example.com", "pw"))
    response = client.post(
        reverse("admin:integrations_connection_changelist"),
        {"action": "test_connection", "_selected_action": [connection.pk], "post": "yes"},
        follow=True,
    )
    assert "redirecting to internal.test" in response.content.decode()
    _nothing_reached(other_server, connection)


@override_settings(ALLOW_PRIVATE_PROVIDER_URLS=False)
def test_wizard_connection_check(redirecting_loop: tuple[str, HTTPServer]) -> None:
    base_url, other_server = redirecting_loop
    store = Store.objects.create(name="Acme", slug="acme")
    connection = _loop(store, base_url)
    user = get_user_model().objects.create_user("mia", password="x")
    StoreMembership.objects.create(store=store, user=user, role=StoreMembership.Role.OWNER)
    client = Client()
    client.force_login(user)
    data: dict[str, Any] = {"provider": "loop", "loop_api_key": "", "loop_webhook_secret": ""}
    response = client.post(reverse("setup:platform", kwargs={"slug": store.slug}), data, follow=True)
    assert response.redirect_chain[-1][1] == 302  # the failed check is shown after a redirect
    assert "sending Backhaul on to internal.test" in response.content.decode()
    assert "Backhaul does not follow redirects" in response.content.decode()
    assert "The address Backhaul uses for Loop must change: contact Backhaul support." in response.content.decode()
    _nothing_reached(other_server, connection)
