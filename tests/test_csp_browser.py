"""The Content-Security-Policy in Debian's chromium at 1366x768 (issue 22): the console, the wizard and the
merchant's pages work under it, with no violation.

Every browser test fails on a violation (tests/conftest.py watches each page's `securitypolicyviolation`
events and console); this one walks the pages that carry inline SVG charts, htmx polling, badges, copy
buttons and Swagger UI, and uses them. Screenshots go to var/artifacts/csp/ for a person to look at.
"""

import re
from functools import partial
from typing import Any

import pytest
from django.core.cache import cache
from django.urls import reverse
from playwright.sync_api import Page, Response, expect

from integrations.models import Connection, StoreMembership
from returns.models import RMA
from tests.conftest import CspViolations, admin_log_in
from tests.factories import ReturnFactory, ReturnLineFactory, RMAFactory, RMALineFactory
from tests.screens import screenshot
from tests.setup.conftest import browser_type_launch_args  # noqa: F401 (the fixture: Debian's chromium)

PASSWORD = "correct horse battery staple 7"
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


_shot = partial(screenshot, folder="csp")


def _visit(page: Page, url: str, name: str, status: int = 200) -> Response:
    response = page.goto(url)
    assert response is not None
    assert response.status == status, (url, response.status)
    # Every page of ours answers with the policy: scripts and styles only from our origin (or a nonce).
    policy = response.headers["content-security-policy"]
    # django-csp joins the directives in no fixed order (it varies between processes): the last has no ";".
    assert re.search(r"script-src 'self'( 'nonce-[^']+')?(;|$)", policy), policy
    assert "'unsafe-inline'" not in policy, policy
    assert "'unsafe-eval'" not in policy, policy
    page.wait_for_load_state("networkidle")
    _shot(page, name)
    return response


def test_the_console_works_under_the_policy(
    live_server: Any, page: Page, django_user_model: Any, settings: Any, csp_violations: CspViolations
) -> None:
    from tests.config.test_overview_browser import _traffic
    from tests.test_admin_console_browser import _story

    settings.OVERVIEW_CACHE_SECONDS = 2  # the overview's htmx polling, every 2 s
    cache.clear()
    _traffic()
    story = _story()
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    django_user_model.objects.create_superuser("dana", "dana@example.com", PASSWORD)
    site = live_server.url
    admin_log_in(page, site, username="dana", password=PASSWORD)

    # The overview: inline SVG charts, refreshed by htmx polling.
    expect(page.locator("#overview svg").first).to_be_visible()
    with page.expect_response(lambda r: r.url.endswith("/admin/overview/"), timeout=15_000) as polled:
        pass
    assert polled.value.status == 200
    expect(page.locator("#overview svg").first).to_be_visible()
    box = page.locator("#overview svg").first.bounding_box()
    assert box is not None
    assert box["width"] > 200  # sized by the stylesheet, not a style attribute
    _shot(page, "admin-overview")

    # A changelist of badges, a webhook's stored body, a connection's copy button.
    _visit(page, f"{site}{reverse('admin:integrations_inboundwebhook_changelist')}", "admin-webhooks")
    badge = page.locator("#result_list .bh-badge").first
    assert badge.evaluate("el => getComputedStyle(el).borderRadius") == "9px"
    _visit(page, f"{site}{reverse('admin:integrations_inboundwebhook_change', args=[story['webhook'].pk])}", "webhook")
    assert page.locator(".field-body_pretty pre").evaluate("el => getComputedStyle(el).whiteSpace") == "pre-wrap"
    connection = story["rma"].warehouse_connection
    _visit(page, f"{site}{reverse('admin:integrations_connection_change', args=[connection.pk])}", "connection")
    page.get_by_role("button", name="Copy").click()
    expect(page.get_by_role("button", name="Copied")).to_be_visible()

    # The return's case page, and a confirmation from it.
    case = f"{site}{reverse('admin:returns_return_change', args=[story['return'].pk])}"
    _visit(page, case, "case-page")
    assert page.locator(".bh-facts").evaluate("el => getComputedStyle(el).display") == "grid"
    page.locator(".bh-actions").get_by_role("link", name="Re-plan RMAs").click()
    expect(page.locator("#content")).to_contain_text("Re-plan")
    page.wait_for_load_state("networkidle")
    _shot(page, "case-action")

    # The API's own documentation.
    _visit(page, f"{site}/api/docs/", "api-docs")
    expect(page.locator(".swagger-ui .info .title")).to_be_visible(timeout=20_000)
    _shot(page, "api-docs")

    assert list(csp_violations) == []


def test_the_wizard_and_the_merchant_pages_work_under_the_policy(
    live_server: Any, page: Page, django_user_model: Any, settings: Any, csp_violations: CspViolations
) -> None:
    from tests.setup.test_browser import _sandbox_store

    settings.PUBLIC_BASE_URL = live_server.url
    site = live_server.url
    page.set_viewport_size({"width": 1366, "height": 768})
    store = _sandbox_store("Acme Tees")
    user = django_user_model.objects.create_user("mia", "mia@example.com", PASSWORD)
    StoreMembership.objects.create(store=store, user=user, role=StoreMembership.Role.OWNER)
    platform = Connection.objects.get(store=store, provider="loop")
    wms = Connection.objects.get(store=store, provider="shipmonk")
    ret = ReturnFactory(store=store, connection=platform, order_name="#1042")
    ReturnLineFactory(return_obj=ret, sku="TEE-BLK-M", quantity=2)
    rma = RMAFactory(return_obj=ret, warehouse_connection=wms, status=RMA.Status.NEEDS_ATTENTION, last_error="No SKU")
    RMALineFactory(rma=rma)

    for name, url in (("home", "/"), ("setup-login", "/setup/login/"), ("not-found", "/no-such-page/")):
        _visit(page, f"{site}{url}", name, status=404 if name == "not-found" else 200)
    page.goto(f"{site}/setup/login/")
    page.get_by_label("Username").fill("mia")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state("networkidle")

    steps = ("platform", "warehouse", "locations", "rules", "test", "live")
    for number, step in enumerate(steps, start=1):
        _visit(page, f"{site}/setup/stores/{store.slug}/{step}/", f"wizard-{number}-{step}")
        if step == "platform":
            url_field = page.locator("#webhook-url")
            url_field.click()  # selects the whole URL (static/setup/setup.js), to copy
            assert url_field.evaluate("el => el.selectionEnd - el.selectionStart") == len(url_field.input_value())
    # The test step polls its timeline with htmx once a test return is made.
    page.goto(f"{site}/setup/stores/{store.slug}/test/")
    with page.expect_response(re.compile(r"/test/\d+/timeline/"), timeout=20_000) as polled:
        page.get_by_role("button", name="Create a test return").click()
    assert polled.value.status in (200, 286)
    _shot(page, "wizard-5-test-polling")

    for name, path in (
        ("merchant-home", f"/setup/stores/{store.slug}/home/"),
        ("merchant-returns", f"/setup/stores/{store.slug}/returns/"),
        ("merchant-return", f"/setup/stores/{store.slug}/returns/{ret.pk}/"),
        ("merchant-notifications", "/setup/notifications/"),
    ):
        _visit(page, f"{site}{path}", name)

    assert list(csp_violations) == []
