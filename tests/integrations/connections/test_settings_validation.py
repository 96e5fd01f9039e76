"""Every URL-bearing connection setting passes one check, and options follow the provider's schema:
through the REST API, the setup wizard and the admin's connection form.

Under production settings (ALLOW_PRIVATE_PROVIDER_URLS false) each URL below is refused with a
one-line reason wherever it is typed; where the deployment allows private addresses (local, test)
the sandbox and local servers keep working. Rotation state is no option: a merchant cannot move it.
"""

import datetime as dt
import importlib
import json
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from integrations.models import Connection, Store, StoreMembership
from tests.api.conftest import World, assert_error
from tests.factories import ConnectionFactory

pytestmark = pytest.mark.django_db

UNSAFE_URLS = [
    "https://169.254.169.254/latest/meta-data/",
    "gopher://127.0.0.1:6390/_INFO",
    "http://127.0.0.1:6390",
    "https://127.0.0.1:6390/",
    "http://[::ffff:127.0.0.1]/",
    "https://[::ffff:127.0.0.1]/",
    "https://[::1]/",
    "https://10.0.0.1/api",
    "https://100.64.0.1/",
    "https://0.0.0.0/",
]


@pytest.fixture
def production(settings: Any) -> None:
    settings.ALLOW_PRIVATE_PROVIDER_URLS = False


def _one_line(text: str) -> None:
    assert text.strip()
    assert "\n" not in text.strip()


# -- REST API ---------------------------------------------------------------------------------------


@pytest.mark.usefixtures("production")
@pytest.mark.parametrize("url", UNSAFE_URLS)
def test_api_refuses_unsafe_base_urls_on_create_and_change(world: World, url: str) -> None:
    connection = ConnectionFactory(store=world.store_a, provider="shipstream", base_url="")
    body = {"store": world.store_a.pk, "provider": "shipmonk", "base_url": url}
    created = assert_error(world.merchant_a.post("/api/v1/connections/", body, format="json"), 400, "invalid")
    changed = assert_error(
        world.merchant_a.patch(f"/api/v1/connections/{connection.pk}/", {"base_url": url}, format="json"), 400
    )
    for details in (created["details"], changed["details"]):
        [reason] = details["base_url"]
        _one_line(reason)
    connection.refresh_from_db()
    assert connection.base_url == ""


@pytest.mark.usefixtures("production")
@pytest.mark.parametrize("url", UNSAFE_URLS)
def test_api_refuses_an_unsafe_redo_loop_compatible_base_url(world: World, url: str) -> None:
    redo = ConnectionFactory(store=world.store_a, provider="redo", options={"loop_compatible": True})
    options = {"loop_compatible": True, "loop_compatible_base_url": url}
    response = world.merchant_a.patch(f"/api/v1/connections/{redo.pk}/", {"options": options}, format="json")
    [reason] = assert_error(response, 400, "invalid")["details"]["options"]
    assert reason.startswith("loop_compatible_base_url: ")
    _one_line(reason)
    redo.refresh_from_db()
    assert redo.options == {"loop_compatible": True}

    body = {"store": world.store_b.pk, "provider": "redo", "options": options}
    assert "options" in assert_error(world.staff.post("/api/v1/connections/", body, format="json"), 400)["details"]
    assert not Connection.objects.filter(store=world.store_b).exists()


@pytest.mark.parametrize(
    ("provider", "options", "reason"),
    [
        ("loop", {"colour": "blue"}, "colour: Unknown option (allowed: rate_limit)."),
        ("loop", {"loop_compatible": True}, "loop_compatible: Unknown option"),
        ("redo", {"loop_compatible": "maybe"}, "loop_compatible: Must be a valid boolean."),
        ("shipmonk", {"rate_limit": "fast"}, 'rate_limit: Use a rate such as "10/second"'),
        ("trackstar", {"rate_limit": 5}, "rate_limit: Use a rate such as"),
        ("shipmonk", {"previous_webhook_password_expires_at": "2099-01-01T00:00:00Z"}, "Unknown option"),
    ],
)
def test_api_options_follow_the_provider_schema(world: World, provider: str, options: dict, reason: str) -> None:
    body = {"store": world.store_a.pk, "provider": provider, "options": options}
    [message] = assert_error(world.merchant_a.post("/api/v1/connections/", body, format="json"), 400)["details"][
        "options"
    ]
    assert reason in message
    _one_line(message)


def test_api_accepts_declared_options_and_local_urls_where_private_addresses_are_allowed(world: World) -> None:
    body = {
        "store": world.store_a.pk,
        "provider": "redo",
        "base_url": "http://127.0.0.1:8000/sandbox/redo/key",
        "options": {"loop_compatible": "true", "loop_compatible_base_url": "http://127.0.0.1:9001/compat"},
    }
    response = world.merchant_a.post("/api/v1/connections/", body, format="json")
    assert response.status_code == 201, response.content
    redo = Connection.objects.get(pk=response.json()["id"])
    assert redo.options == {"loop_compatible": True, "loop_compatible_base_url": "http://127.0.0.1:9001/compat"}
    assert redo.base_url == "http://127.0.0.1:8000/sandbox/redo/key"
    patched = world.merchant_a.patch(
        f"/api/v1/connections/{redo.pk}/", {"options": {"rate_limit": "5/second"}}, format="json"
    )
    assert patched.json()["options"] == {"rate_limit": "5/second"}


# -- security state is not merchant-writable ----------------------------------------------------


def test_a_merchant_cannot_revive_an_old_shipmonk_password_through_options(world: World) -> None:
    from integrations.registry import get_webhook_handler
    from integrations.services.rotation import connection_rotate_webhook_password
    from tests.integrations.webhooks.signing import signed_headers

    connection = ConnectionFactory(store=world.store_a, provider="shipmonk", webhook_secret="")
    old = connection.webhook_password
    new = connection_rotate_webhook_password(connection=connection)
    window_end = connection.previous_webhook_password_expires_at
    assert window_end is not None

    far = {"previous_webhook_password_expires_at": "2099-01-01T00:00:00+00:00"}
    assert_error(world.merchant_a.patch(f"/api/v1/connections/{connection.pk}/", {"options": far}, format="json"), 400)
    connection.refresh_from_db()
    assert connection.previous_webhook_password_expires_at == window_end
    assert connection.options == {}

    handler = get_webhook_handler("shipmonk")

    def verifies(password: str, at: dt.datetime) -> bool:
        headers = signed_headers(connection, b"{}", password=password)
        return handler.verify(connection=connection, headers=headers, body=b"{}", now=at).ok

    now = timezone.now()
    assert verifies(new, now)
    assert verifies(old, now)
    after = window_end + dt.timedelta(seconds=1)
    assert verifies(new, after)
    assert not verifies(old, after)


def test_a_password_changed_through_the_api_keeps_the_old_one_for_the_rotation_window(world: World) -> None:
    connection = ConnectionFactory(store=world.store_a, provider="shipmonk")
    before = timezone.now()
    response = world.merchant_a.patch(
        f"/api/v1/connections/{connection.pk}/", {"webhook_password": "a-new-basic-password"}, format="json"
    )
    assert response.status_code == 200, response.content
    connection.refresh_from_db()
    assert connection.previous_webhook_password == "test-basic-password"
    assert connection.previous_webhook_password_expires_at is not None
    assert connection.previous_webhook_password_expires_at >= before + dt.timedelta(hours=71)
    assert "previous_webhook_password_expires_at" not in response.json()["options"]


def test_the_migration_moves_the_window_out_of_options_and_caps_a_planted_one(settings: Any) -> None:
    from django.apps import apps

    migration = importlib.import_module("integrations.migrations.0004_connection_previous_webhook_password_expires_at")
    soon = timezone.now() + dt.timedelta(hours=5)
    rotated = ConnectionFactory(
        provider="shipmonk",
        options={"previous_webhook_password_expires_at": soon.isoformat(), "rate_limit": "5/second"},
    )
    planted = ConnectionFactory(
        provider="shipmonk",
        store=rotated.store,
        wms_name="other",
        options={"previous_webhook_password_expires_at": "2099-01-01T00:00:00Z"},
    )
    untouched = ConnectionFactory(provider="loop", store=rotated.store, options={"rate_limit": "1/second"})

    migration.options_to_field(apps, None)

    for connection in (rotated, planted, untouched):
        connection.refresh_from_db()
    assert rotated.previous_webhook_password_expires_at == soon
    assert rotated.options == {"rate_limit": "5/second"}
    window = dt.timedelta(hours=settings.WEBHOOK_SECRET_ROTATION_WINDOW_HOURS)
    assert planted.previous_webhook_password_expires_at <= timezone.now() + window
    assert planted.options == {}
    assert untouched.previous_webhook_password_expires_at is None
    assert untouched.options == {"rate_limit": "1/second"}


# -- setup wizard -----------------------------------------------------------------------------------


@pytest.fixture
def merchant_client(db: None) -> tuple[Client, Store]:
    user = get_user_model().objects.create_user("wizard-merchant", password="x")
    store = Store.objects.create(name="Acme Tees", slug="acme-tees")
    StoreMembership.objects.create(store=store, user=user, role=StoreMembership.Role.OWNER)
    client = Client()
    client.force_login(user)
    return client, store


@pytest.mark.usefixtures("production")
@pytest.mark.parametrize("url", UNSAFE_URLS)
def test_wizard_refuses_unsafe_shipstream_urls(merchant_client: tuple[Client, Store], url: str) -> None:
    client, store = merchant_client
    data = {
        "kind": "shipstream",
        "shipstream_api_username": "u",
        "shipstream_api_password": "p",
        "shipstream_base_url": url,
    }
    response = client.post(reverse("setup:warehouse", kwargs={"slug": store.slug}), data)
    assert response.status_code == 422
    assert 'id="id_shipstream_base_url_error"' in response.content.decode()
    assert store.connections.count() == 0


# -- admin connection form --------------------------------------------------------------------------


@pytest.fixture
def staff_client(db: None) -> Client:
    client = Client()
    client.force_login(get_user_model().objects.create_superuser("root", "root@example.com", "pw"))
    return client


def _change(client: Client, connection: Connection, **overrides: Any) -> Any:
    data = {
        "store": connection.store_id,
        "role": connection.role,
        "provider": connection.provider,
        "wms_name": connection.wms_name,
        "name": connection.name,
        "status": connection.status,
        "base_url": connection.base_url,
        "options": json.dumps(connection.options),
        "external_account_id": connection.external_account_id,
        "api_username": connection.api_username,
        "webhook_username": connection.webhook_username,
        "previous_webhook_secret_expires_at_0": "",
        "previous_webhook_secret_expires_at_1": "",
        **overrides,
    }
    url = reverse("admin:integrations_connection_change", args=[connection.pk])
    return client.post(url, data)


def _field_errors(response: Any, field: str) -> str:
    form = response.context["adminform"].form
    return " ".join(form.errors.get(field, []))


@pytest.mark.usefixtures("production")
@pytest.mark.parametrize("url", UNSAFE_URLS)
def test_admin_refuses_unsafe_urls_in_base_url_and_options(staff_client: Client, url: str) -> None:
    shipstream = ConnectionFactory(provider="shipstream")
    response = _change(staff_client, shipstream, base_url=url)
    assert response.status_code == 200
    assert _field_errors(response, "base_url")

    redo = ConnectionFactory(provider="redo", store=shipstream.store)
    options = json.dumps({"loop_compatible": True, "loop_compatible_base_url": url})
    response = _change(staff_client, redo, options=options)
    assert response.status_code == 200
    assert _field_errors(response, "options").startswith("loop_compatible_base_url: ")
    redo.refresh_from_db()
    assert redo.options == {}


def test_admin_refuses_unknown_options_and_saves_declared_ones(staff_client: Client) -> None:
    redo = ConnectionFactory(provider="redo")
    response = _change(staff_client, redo, options=json.dumps({"previous_webhook_password_expires_at": "2099"}))
    assert "previous_webhook_password_expires_at: Unknown option" in _field_errors(response, "options")

    response = _change(staff_client, redo, options=json.dumps({"loop_compatible": True, "rate_limit": "2/second"}))
    assert response.status_code == 302
    redo.refresh_from_db()
    assert redo.options == {"loop_compatible": True, "rate_limit": "2/second"}
