"""Routing rules in the operations console, in Debian's chromium at 1366x768: support changes a rule, presses
"Dry run (saves nothing)", reads the report and saves the rule from there; the list links to the saved rules'
dry run. No 5xx, no Content-Security-Policy violation (tests/conftest.py); screenshots in var/artifacts/routing/
are looked at."""

from typing import Any
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Page, expect

from returns.models import Return, ReturnLine, RoutingRule
from returns.routing_provisioning import routing_rule_create
from returns.services.planning import rmas_plan
from tests.conftest import admin_log_in
from tests.returns.routing.shop import shop_with_returns
from tests.setup.conftest import browser_type_launch_args  # noqa: F401 (the fixture: Debian's chromium)
from tests.setup.test_routing_rules_browser import shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_support_dry_runs_a_changed_rule_in_the_admin_then_saves_it(
    page: Page,
    live_server: Any,
    server_errors: list[str],
) -> None:
    store = shop_with_returns()
    reno = store.shipping_locations.get(name="Reno")
    rule = routing_rule_create(store=store, data={"name": "West coast", "location": reno.pk, "regions": ["CA"]})
    get_user_model().objects.create_superuser("root", "root@example.com", "pw-root-1")
    admin_log_in(page, live_server.url, username="root", password="pw-root-1")

    page.goto(f"{live_server.url}/admin/returns/routingrule/")
    expect(page.get_by_role("link", name="Dry run of Acme Tees's rules")).to_be_visible()
    shot(page, "admin-01-list")

    page.get_by_role("link", name="West coast").click()
    page.get_by_label("Regions").fill("CA, NV, OR")
    shot(page, "admin-02-change-form")
    page.get_by_role("button", name="Dry run (saves nothing)").click()
    expect(page.get_by_text("6 of 10 lines", exact=False)).to_be_visible()
    expect(
        page.get_by_role("table", name="RMAs per warehouse").get_by_role("row", name="Reno (NV1) 0 3 +3")
    ).to_be_visible()
    assert RoutingRule.objects.get().regions == ["CA"]  # nothing saved
    shot(page, "admin-03-dry-run")

    page.get_by_role("button", name="Save this rule").click()
    expect(page.get_by_text("was changed successfully", exact=False)).to_be_visible()
    rule.refresh_from_db()
    assert rule.regions == ["CA", "NV", "OR"]

    page.get_by_role("link", name="Dry run of Acme Tees's rules").click()
    expect(page.get_by_text("Dry run of Acme Tees's saved routing rules", exact=False).first).to_be_visible()
    expect(page.get_by_text("No line would go to another warehouse", exact=False)).to_have_count(0)
    shot(page, "admin-04-saved-dry-run")

    # A new return from Nevada is planned by the saved rule: its case page says so under the RMA.
    ret = Return.objects.create(
        store=store,
        platform="loop",
        external_id="889001",
        order_name="#2001",
        customer_region="NV",
        customer_postal_code="89501",
        customer_country_code="US",
        return_method="mail",
        order_tags=["vip"],
    )
    ReturnLine.objects.create(return_obj=ret, line_key="tee", sku="TEE-BLK-M", quantity=1)
    with mock.patch("returns.services.rmas.publishing.rma_task_publish"):
        rmas_plan(return_obj=ret)
    page.goto(f"{live_server.url}/admin/returns/return/{ret.pk}/change/")
    expect(page.get_by_text("Why there: Your routing rule 1 “West coast” sent it here", exact=False)).to_be_visible()
    shot(page, "admin-05-case-page")
