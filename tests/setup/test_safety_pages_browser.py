"""The pages the hardening changed, in Debian's chromium at 1366x768: the log-in lockout (merchant and
admin), an unsafe URL refused in the wizard and in the admin, /health/ for a stranger.
Screenshots go to var/artifacts/."""

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from config.env import VAR_DIR
from integrations.models import Connection, Store, StoreMembership
from tests.screens import screenshot

ARTIFACTS = VAR_DIR / "artifacts"
PASSWORD = "correct horse battery"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def screen(page: Page) -> Page:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1366, "height": 768})
    page.set_default_timeout(15_000)
    return page


_shot = screenshot


def test_merchant_login_lockout_page(live_server: Any, screen: Page, django_user_model: Any, settings: Any) -> None:
    django_user_model.objects.create_user(username="mia", password=PASSWORD)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        screen.goto(f"{live_server.url}/setup/login/")
        screen.get_by_label("Username").fill("mia")
        screen.get_by_label("Password").fill("wrong")
        screen.get_by_role("button", name="Log in").click()
    expect(screen.get_by_role("heading", name="Too many failed log-ins")).to_be_visible()
    expect(screen.get_by_role("alert")).to_contain_text("for 15 minutes")
    _shot(screen, "login-lockout-merchant")


def test_admin_login_lockout_page(live_server: Any, screen: Page, django_user_model: Any, settings: Any) -> None:
    django_user_model.objects.create_superuser("root", "root@example.com", PASSWORD)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        screen.goto(f"{live_server.url}/admin/login/")
        screen.get_by_label("Username").fill("root")
        screen.get_by_label("Password").fill("wrong")
        screen.get_by_role("button", name="Log in").click()
    expect(screen.get_by_role("heading", name="Too many failed log-ins")).to_be_visible()
    _shot(screen, "login-lockout-admin")


def test_wizard_refuses_a_metadata_address(
    live_server: Any, screen: Page, django_user_model: Any, settings: Any
) -> None:
    settings.ALLOW_PRIVATE_PROVIDER_URLS = False
    store = Store.objects.create(name="Acme Tees", slug="acme-tees")
    user = django_user_model.objects.create_user(username="mia", password=PASSWORD)
    StoreMembership.objects.create(store=store, user=user, role=StoreMembership.Role.OWNER)
    screen.goto(f"{live_server.url}/setup/login/?next=/setup/stores/acme-tees/warehouse/")
    screen.get_by_label("Username").fill("mia")
    screen.get_by_label("Password").fill(PASSWORD)
    screen.get_by_role("button", name="Log in").click()
    screen.goto(f"{live_server.url}/setup/stores/acme-tees/warehouse/")
    screen.get_by_label("ShipStream (direct").check()
    screen.get_by_label("ShipStream API username").fill("api-user")
    screen.get_by_label("ShipStream API password").fill("api-password")
    screen.get_by_label("ShipStream instance URL").fill("https://169.254.169.254/latest/meta-data/")
    screen.get_by_role("button", name="Save and list warehouses").click()
    expect(screen.locator("#id_shipstream_base_url_error")).to_contain_text("private or local network address")
    _shot(screen, "wizard-unsafe-url")
    assert not store.connections.exists()


def test_admin_refuses_an_unsafe_option_url(
    live_server: Any, screen: Page, django_user_model: Any, settings: Any
) -> None:
    settings.ALLOW_PRIVATE_PROVIDER_URLS = False
    django_user_model.objects.create_superuser("root", "root@example.com", PASSWORD)
    store = Store.objects.create(name="Acme Tees", slug="acme-tees")
    redo = Connection.objects.create(store=store, provider="redo", role=Connection.Role.RETURNS_PLATFORM)
    screen.goto(f"{live_server.url}/admin/login/?next=/admin/integrations/connection/{redo.pk}/change/")
    screen.get_by_label("Username").fill("root")
    screen.get_by_label("Password").fill(PASSWORD)
    screen.get_by_role("button", name="Log in").click()
    screen.locator("#id_options").fill('{"loop_compatible": true, "loop_compatible_base_url": "http://127.0.0.1:6390"}')
    screen.get_by_role("button", name="Save", exact=True).click()
    expect(screen.locator(".errorlist").first).to_contain_text("loop_compatible_base_url:")
    _shot(screen, "admin-unsafe-option-url")
    redo.refresh_from_db()
    assert redo.options == {}


def test_health_for_a_stranger(live_server: Any, screen: Page) -> None:
    screen.goto(f"{live_server.url}/health/")
    expect(screen.locator("body")).to_have_text('{"status": "ok"}')
    _shot(screen, "health-anonymous")
