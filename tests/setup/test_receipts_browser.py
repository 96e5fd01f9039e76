"""Parcels without an RMA and overdue returns, in Debian's chromium at 1366x768 (screenshots in
var/artifacts/orphans/): a store member links a parcel by hand (a wrong return first, refused with why, then the right
one); an owner's dismissal without a reason is refused, then one with a reason is kept; the overdue returns on the
store's overview and returns list; support's overview, inbox, receipt page and overdue list in the admin. No page
answers 5xx or breaks the Content-Security-Policy (tests/conftest.py fails a test on any violation)."""

import datetime as dt
from functools import partial
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Browser, Page, Response, expect

from integrations.models import StoreMembership
from returns.models import OrphanReceipt, Return
from returns.services.warehouse_events import rma_apply_warehouse_event
from tests.conftest import admin_log_in
from tests.factories import ReturnFactory
from tests.returns.orphans.conftest import World, make_world, parcel
from tests.screens import screenshot

PASSWORD = "correct horse battery staple 7"
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DAY = dt.timedelta(days=1)


shot = partial(screenshot, folder="orphans")


def no_sideways_scroll(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth"), page.url


def watch_for_5xx(page: Page, seen: list[str]) -> None:
    def record(response: Response) -> None:
        if response.status >= 500:
            seen.append(f"{response.status} {response.request.method} {response.url}")

    page.on("response", record)
    page.set_default_timeout(20_000)


def _story() -> tuple[World, list[OrphanReceipt]]:
    """Return #1042 waits at ShipMonk; two parcels arrived that nothing matches; #1099 was delivered, never received."""
    world = make_world()
    ReturnFactory(store=world.store, connection=world.loop, order_name="#2001", customer_email="sam@example.com")
    for external_id, order in (("5599", "#7777"), ("5600", "")):
        event = parcel(external_id=external_id, orders=(order,) if order else ())
        rma_apply_warehouse_event(connection=world.wms, event=event, webhook_id=None)
    late = ReturnFactory(store=world.store, connection=world.loop, order_name="#1099")
    now = timezone.now()
    Return.objects.filter(pk=late.pk).update(
        aging_stage="delivered", aging_since=now - 3 * DAY, aging_due_at=now - 3 * DAY
    )
    return world, list(OrphanReceipt.objects.order_by("external_id"))


def _log_in(page: Page, site: str, username: str) -> None:
    page.goto(f"{site}/setup/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_a_member_links_a_parcel_by_hand_and_an_owner_dismisses_one(
    live_server: Any, page: Page, browser: Browser, django_user_model: Any
) -> None:
    site = str(live_server.url)
    errors: list[str] = []
    watch_for_5xx(page, errors)
    world, (first, second) = _story()
    for username, role in (("mia", StoreMembership.Role.MEMBER), ("olga", StoreMembership.Role.OWNER)):
        user = django_user_model.objects.create_user(username, f"{username}@example.com", PASSWORD)
        StoreMembership.objects.create(store=world.store, user=user, role=role)

    # The member's overview says parcels wait, and lists the overdue return.
    _log_in(page, site, "mia")
    page.goto(f"{site}{reverse('setup:home', kwargs={'slug': world.store.slug})}")
    expect(page.get_by_text("2 parcels arrived at the warehouse without an RMA Backhaul knows")).to_be_visible()
    expect(page.locator("table.overdue")).to_contain_text("Delivered 3 days ago, no warehouse receipt")
    no_sideways_scroll(page)
    shot(page, "merchant-01-home")

    page.get_by_role("link", name="Parcels without an RMA").first.click()
    expect(page.get_by_role("heading", name="Parcels without an RMA")).to_be_visible()
    expect(page.locator("table.receipts")).to_contain_text("No return fits (order #7777)")
    no_sideways_scroll(page)
    shot(page, "merchant-02-inbox")

    # The wrong return first: #2001 has no RMA at ShipMonk, so nothing is applied and the page says why.
    page.get_by_role("link", name=f"#{first.pk}", exact=True).click()
    page.get_by_label("Find a return").fill("#2001")
    page.get_by_role("button", name="Find").click()
    page.get_by_label("Order #2001").check()
    page.get_by_role("button", name="Link to this return").click()
    expect(page.get_by_role("alert")).to_contain_text("Return #2001 has no RMA at ShipMonk to apply this receipt to")
    no_sideways_scroll(page)
    shot(page, "merchant-03-wrong-choice-refused")
    first.refresh_from_db()
    assert first.state == OrphanReceipt.State.OPEN

    # Then the right one.
    page.get_by_label("Find a return").fill("1042")
    page.get_by_role("button", name="Find").click()
    page.get_by_label("Order #1042").check()
    shot(page, "merchant-04-right-choice")
    page.get_by_role("button", name="Link to this return").click()
    expect(page.get_by_role("heading", name="Return for order #1042")).to_be_visible()
    expect(page.locator(".messages")).to_contain_text("Linked to return #1042 (RMA 1042) by mia")
    expect(page.locator(".events")).to_contain_text("arrived without one of our RMAs: linked to RMA 1042 by mia")
    shot(page, "merchant-05-linked")
    first.refresh_from_db()
    world.rma.refresh_from_db()
    assert (first.state, world.rma.status) == (OrphanReceipt.State.LINKED, "received")

    # A member is not offered the dismissal; an owner is, and an empty reason is refused.
    page.goto(f"{site}{reverse('orphan_receipt_detail', kwargs={'slug': world.store.slug, 'pk': second.pk})}")
    expect(page.get_by_text("Only the store's owners can dismiss a receipt.")).to_be_visible()
    owner_page = browser.new_page(viewport={"width": 1366, "height": 768})
    watch_for_5xx(owner_page, errors)
    _log_in(owner_page, site, "olga")
    owner_page.goto(f"{site}{reverse('orphan_receipt_detail', kwargs={'slug': world.store.slug, 'pk': second.pk})}")
    owner_page.get_by_role("button", name="Dismiss this receipt").click()
    expect(owner_page.get_by_role("alert")).to_contain_text("Say why the receipt is dismissed")
    no_sideways_scroll(owner_page)
    shot(owner_page, "merchant-06-dismiss-without-reason")
    second.refresh_from_db()
    assert second.state == OrphanReceipt.State.OPEN
    owner_page.get_by_label("Why").fill("Return to sender of order #2001")
    owner_page.get_by_role("button", name="Dismiss this receipt").click()
    expect(owner_page.locator(".messages")).to_contain_text(f"Orphan receipt #{second.pk} dismissed.")
    owner_page.get_by_role("link", name="Dismissed (1)").click()
    expect(owner_page.locator("table.receipts")).to_contain_text("Dismissed by olga: Return to sender of order #2001")
    shot(owner_page, "merchant-07-dismissed")

    # The overdue returns in the returns list.
    owner_page.goto(f"{site}{reverse('setup:returns', kwargs={'slug': world.store.slug})}?state=overdue")
    expect(owner_page.locator("table.returns")).to_contain_text("#1099")
    expect(owner_page.locator("table.returns .badge.warn")).to_have_text(["Overdue"])
    no_sideways_scroll(owner_page)
    shot(owner_page, "merchant-08-returns-overdue")
    owner_page.close()
    assert errors == []


def test_support_sees_the_counters_the_inbox_and_a_receipt_and_links_it(
    live_server: Any, page: Page, django_user_model: Any, settings: Any
) -> None:
    settings.OVERVIEW_CACHE_SECONDS = 0
    errors: list[str] = []
    watch_for_5xx(page, errors)
    world, (first, _second) = _story()
    django_user_model.objects.create_superuser("dana", "dana@example.com", PASSWORD)
    admin_log_in(page, live_server.url, username="dana", password=PASSWORD)
    expect(page.locator('[data-counter="orphan_receipts_open"] .overview-count')).to_have_text("2")
    expect(page.locator('[data-counter="returns_overdue_arrival"] .overview-count')).to_have_text("1")
    shot(page, "admin-01-overview")

    page.locator('[data-counter="returns_overdue_arrival"]').click()
    expect(page.locator("#result_list")).to_contain_text("#1099")
    no_sideways_scroll(page)
    shot(page, "admin-02-returns-overdue")

    page.goto(f"{live_server.url}{reverse('admin:index')}")
    page.locator('[data-counter="orphan_receipts_open"]').click()
    expect(page.locator("#result_list")).to_contain_text("No return fits (order #7777)")
    no_sideways_scroll(page)
    shot(page, "admin-03-inbox")

    page.get_by_role("link", name=f"#{first.pk} 5599").click()  # the receipt, named by ShipMonk's id
    page.get_by_label("Find a return of").fill("#1042")
    page.get_by_role("button", name="Find").click()
    expect(page.get_by_role("link", name="Link to RMA 1042…")).to_be_visible()
    no_sideways_scroll(page)
    shot(page, "admin-04-receipt")

    page.get_by_role("link", name="Dismiss it…").click()
    page.get_by_label("Why?").fill("   ")  # spaces: past the browser's own check of the required field
    page.get_by_role("button", name="Yes, do it").click()
    expect(page.locator(".errorlist")).to_contain_text("Say why: the reason is kept with the receipt.")
    shot(page, "admin-05-dismiss-without-reason")
    page.get_by_role("link", name="No, take me back").click()

    page.get_by_label("Find a return of").fill("#1042")
    page.get_by_role("button", name="Find").click()
    page.get_by_role("link", name="Link to RMA 1042…").click()
    expect(page.locator("#content")).to_contain_text("the return's outcome follows as for any warehouse event: once")
    shot(page, "admin-06-link-confirmation")
    page.get_by_role("button", name="Yes, do it").click()
    expect(page.locator(".messagelist")).to_contain_text("Linked to return #1042 (RMA 1042) by dana")
    expect(page.locator("#content")).to_contain_text("Orphan receipt linked")
    no_sideways_scroll(page)
    shot(page, "admin-07-case-page-after-link")
    assert errors == []
