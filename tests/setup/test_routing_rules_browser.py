"""The Rules step's routing rules in Debian's chromium at 1366x768, as an owner walks them: a rule refused with
its message, fixed, dry-run (a table of the lines that would go elsewhere and the RMAs per warehouse before and
after, nothing saved), saved, reordered and deleted. No response is a 5xx and the Content-Security-Policy holds
(tests/conftest.py fails the test on a violation). Screenshots in var/artifacts/routing/ are looked at."""

from functools import partial
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from playwright.sync_api import Page, expect

from integrations.models import Store, StoreMembership
from returns.models import RoutingRule
from tests.returns.routing.shop import shop_with_returns
from tests.screens import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


shot = partial(screenshot, folder="routing")


@pytest.fixture
def shop(transactional_db: None) -> Store:
    return shop_with_returns()


def _log_in(page: Page, base: str, store: Store) -> None:
    user = get_user_model().objects.create_user("mia", password="correct horse battery")
    StoreMembership.objects.create(store=store, user=user, role=StoreMembership.Role.OWNER)
    page.goto(f"{base}{reverse('setup:login')}")
    page.get_by_label("Username").fill("mia")
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Log in").click()


def _names() -> list[tuple[int, str]]:
    return list(RoutingRule.objects.order_by("position").values_list("position", "name"))


def test_an_owner_adds_dry_runs_saves_reorders_and_deletes_routing_rules(
    page: Page,
    live_server: Any,
    shop: Store,
    server_errors: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _log_in(page, live_server.url, shop)
    page.goto(f"{live_server.url}{reverse('setup:rules', kwargs={'slug': shop.slug})}#routing")
    routing = page.locator("#routing")
    expect(routing.get_by_text("No routing rules yet")).to_be_visible()
    shot(page, "01-rules-step")

    # A rule with no condition is refused, naming the rule and what to do.
    form = page.locator("#rule-form")
    form.get_by_label("Rule name").fill("West coast")
    form.get_by_label("Send matching items to").select_option(label="Reno (NV1)")
    form.get_by_role("button", name="Save rule").click()
    expect(page.get_by_text("Rule 1 “West coast” has no condition", exact=False)).to_be_visible()
    assert _names() == []
    shot(page, "02-refused")

    # Fixed, then the dry run: the Nevada shoppers' lines would go to Reno; nothing is saved.
    form.get_by_label("Customer's state or region").fill("NV, CA, OR")
    form.get_by_role("button", name="Dry run (saves nothing)").click()
    dry_run = page.locator("#dry-run")
    expect(dry_run.get_by_text("6 of 10 lines", exact=False)).to_be_visible()
    rmas = dry_run.get_by_role("table", name="RMAs per warehouse")
    expect(rmas.get_by_role("row", name="Ontario (CA1) 5 2 -3")).to_be_visible()
    expect(rmas.get_by_role("row", name="Reno (NV1) 0 3 +3")).to_be_visible()
    changes = dry_run.get_by_role("table", name="Lines that would go elsewhere")
    expect(changes.get_by_role("row").filter(has_text="#1041")).to_have_count(2)
    expect(page.locator("#id_regions")).to_have_value("NV, CA, OR")  # the form keeps what was typed
    assert _names() == []
    shot(page, "03-dry-run")

    # Saved.
    page.locator("#rule-form").get_by_role("button", name="Save rule").click()
    expect(page.get_by_text("Saved rule 1 “West coast”", exact=False)).to_be_visible()
    assert _names() == [(1, "West coast")]

    # A second rule, then moved above the first.
    form = page.locator("#rule-form")
    form.get_by_label("Rule name").fill("Caps to Newark")
    form.get_by_label("Send matching items to").select_option(label="Newark (NJ1)")
    form.get_by_label("SKU patterns").fill("CAP-*")
    form.get_by_role("button", name="Save rule").click()
    expect(page.get_by_text("Saved rule 2 “Caps to Newark”", exact=False)).to_be_visible()
    page.get_by_role("button", name="Up (rule 2 “Caps to Newark”)").click()
    expect(page.get_by_text("“Caps to Newark” is now rule 1.")).to_be_visible()
    assert _names() == [(1, "Caps to Newark"), (2, "West coast")]
    page.get_by_role("button", name="Dry run the saved rules").click()
    expect(page.locator("#dry-run").get_by_role("row", name="Rule 1 “Caps to Newark” 5")).to_be_visible()
    shot(page, "04-saved-and-reordered")

    # Deleted, after the browser's confirmation.
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Delete rule 2 “West coast”").click()
    expect(page.get_by_text("Deleted rule “West coast”.")).to_be_visible()
    assert _names() == [(1, "Caps to Newark")]
    shot(page, "05-deleted")
