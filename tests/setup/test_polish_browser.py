"""The merchant's return page (why each RMA went where it did) and the wizard's refused-URL error, in
chromium at 1366x768; screenshots in var/artifacts/ are looked at."""

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from playwright.sync_api import Page, expect

from integrations.models import Store, StoreMembership
from tests.setup.test_browser import shot
from tests.setup.test_store_pages import _return, live  # noqa: F401 (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _log_in(page: Page, base: str, store: Store) -> None:
    user = get_user_model().objects.create_user("mia", password="correct horse battery")
    StoreMembership.objects.create(store=store, user=user, role=StoreMembership.Role.OWNER)
    page.goto(f"{base}{reverse('setup:login')}")
    page.get_by_label("Username").fill("mia")
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Log in").click()


@pytest.fixture
def store(transactional_db: None) -> Store:
    return Store.objects.create(name="Acme Tees", slug="acme-tees")


def test_the_return_page_says_why_in_a_sentence(page: Page, live_server: Any, store: Store, live: Any) -> None:  # noqa: F811
    ret = _return(store, live, "#1042")
    ret.rmas.update(routing_reason="fulfilled from CA1 (order #1042)")
    _log_in(page, live_server.url, store)
    page.goto(f"{live_server.url}{reverse('setup:return_detail', kwargs={'slug': store.slug, 'pk': ret.pk})}")
    expect(page.get_by_text("Why there: CA1 shipped order #1042")).to_be_visible()
    shot(page, "polish-return-why")


def test_a_refused_instance_url_is_shown_on_its_field(page: Page, live_server: Any, store: Store) -> None:
    _log_in(page, live_server.url, store)
    page.goto(f"{live_server.url}{reverse('setup:warehouse', kwargs={'slug': store.slug})}")
    page.get_by_label("ShipStream (direct", exact=False).check()
    page.get_by_label("ShipStream API username").fill("u")
    page.get_by_label("ShipStream API password").fill("p")
    page.get_by_label("ShipStream instance URL").fill("https://wms.example.com/" + "a" * 250)
    page.get_by_role("button", name="Save", exact=False).first.click()
    expect(page.get_by_text("at most 200 characters", exact=False)).to_be_visible()
    shot(page, "polish-wizard-url-refused")
