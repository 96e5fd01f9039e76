"""The wizard shows only the chosen provider's fields, for every choice the declarations make (in chromium).

The show/hide rules are generated from the registry (/setup/choices.css): this walks each returns platform
and each warehouse-system choice and reads which fieldsets the browser really shows.
"""

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Page, expect

from config.env import VAR_DIR
from integrations.declarations import Role
from integrations.models import Store, StoreMembership
from integrations.registry import declarations
from integrations.services.stores import store_create
from integrations.wizard.credentials import warehouse_kinds
from integrations.wizard.services import kind_types_wms

pytestmark = [pytest.mark.browser]
PASSWORD = "correct horse battery staple 7"
ARTIFACTS = VAR_DIR / "artifacts" / "setup"


@pytest.fixture
def owner_page(page: Page, live_server: Any, transactional_db: None) -> tuple[Page, str, Store]:
    store = store_create(name="Choice Tees")
    user = get_user_model().objects.create_user(username="olga", password=PASSWORD)
    StoreMembership.objects.create(store=store, user=user, role=StoreMembership.Role.OWNER)
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(f"{live_server.url}/setup/login/")
    page.get_by_label("Username").fill("olga")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    return page, str(live_server.url), store


def _shown_groups(page: Page) -> list[str]:
    return page.eval_on_selector_all(
        "fieldset.group", "groups => groups.filter(g => g.checkVisibility()).map(g => g.dataset.provider)"
    )


def test_each_warehouse_choice_shows_its_own_fields(owner_page: tuple[Page, str, Store]) -> None:
    page, site, store = owner_page
    page.goto(f"{site}/setup/stores/{store.slug}/warehouse/")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for kind, (provider, _wms, label) in warehouse_kinds().items():
        page.get_by_label(label, exact=True).check()
        assert _shown_groups(page) == [provider], kind
        wms_name = page.locator(".only-any-wms")
        expect(wms_name).to_be_visible() if kind_types_wms(kind) else expect(wms_name).to_be_hidden()
        page.screenshot(path=str(ARTIFACTS / f"warehouse-choice-{kind}.png"), full_page=True)


def test_each_returns_platform_shows_its_own_fields(owner_page: tuple[Page, str, Store]) -> None:
    page, site, store = owner_page
    page.goto(f"{site}/setup/stores/{store.slug}/platform/")
    platforms = declarations(role=Role.RETURNS_PLATFORM)
    assert len(_shown_groups(page)) == len(platforms)  # nothing chosen yet: every provider's fields show
    for declaration in platforms:
        page.get_by_label(declaration.display_name, exact=True).check()
        assert _shown_groups(page) == [declaration.slug]
