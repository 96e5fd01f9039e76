"""Each item's grade on the support case page and on the merchant's return page, in Debian's chromium at 1366x768
(screenshots in var/artifacts/grades/, looked at): what the warehouse found, what it means on the platform, the note,
the photos as links, and whether it reached the platform. No sideways scroll, no 5xx, no Content-Security-Policy
violation (tests/conftest.py)."""

import datetime as dt
from functools import partial
from typing import Any
from unittest import mock

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from integrations.inbound import InboundWarehouseReturnEvent, ItemGrade, WarehouseLineData
from integrations.models import StoreMembership
from returns.models import ReturnLine
from returns.services.warehouse_events import rma_apply_warehouse_event
from tests.conftest import admin_log_in
from tests.returns.orphans.conftest import make_world
from tests.screens import screenshot
from tests.setup.conftest import browser_type_launch_args  # noqa: F401 (the fixture: Debian's chromium)
from tests.setup.test_receipts_browser import PASSWORD, _log_in, no_sideways_scroll, watch_for_5xx

PHOTO = "https://cdn.shipmonk.example/returns/1042/stain-on-the-front-of-the-tee-close-up.jpg"
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


shot = partial(screenshot, folder="grades")


def _graded_return() -> Any:
    """#1042's two tees arrive at ShipMonk: one back in stock, one disposed of with a note and a photo; Loop took the
    first unit's grade and refused the second's."""
    world = make_world()
    ReturnLine.objects.filter(return_obj=world.ret).update(external_line_ids=["7001", "7002"])
    when = dt.datetime(2026, 12, 7, 10, 0, tzinfo=dt.UTC)
    event = InboundWarehouseReturnEvent(
        rma_number="1042",
        status="received",
        warehouse_status="returned",
        lines=(
            WarehouseLineData(
                sku="TEE-BLK-M",
                expected_quantity=2,
                received_quantity=2,
                restocked_quantity=1,
                grades=(
                    ItemGrade(1, "", "returned_to_inventory", "Graded at ShipMonk", inspected_at=when),
                    ItemGrade(1, "", "dispose", "Graded at ShipMonk", "Stain on the front", (PHOTO,), when),
                ),
            ),
        ),
    )
    with mock.patch("returns.services.outcomes._publish"):
        rma_apply_warehouse_event(connection=world.wms, event=event, webhook_id=None)
    line = ReturnLine.objects.get(return_obj=world.ret)
    line.grades[0]["platform"] = {"graded": 1, "assessed": 2}
    line.grades[1]["platform"] = {"graded": 1, "error": "loop answered 422: disposition_outcome is invalid"}
    line.save()
    return world


def test_grades_on_the_case_page_and_the_merchant_return_page(
    live_server: Any, page: Page, django_user_model: Any
) -> None:
    site = str(live_server.url)
    errors: list[str] = []
    watch_for_5xx(page, errors)
    world = _graded_return()

    django_user_model.objects.create_superuser("root", "root@example.com", PASSWORD)
    admin_log_in(page, site, username="root", password=PASSWORD)
    page.goto(f"{site}/admin/returns/return/{world.ret.pk}/change/")
    grades = page.get_by_role("table").filter(has_text="Warehouse found")
    expect(grades.get_by_role("row")).to_have_count(3)
    expect(grades.get_by_role("row").nth(1)).to_contain_text("returned to inventory")
    expect(grades.get_by_role("row").nth(1)).to_contain_text("grade_a · back to stock")
    expect(grades.get_by_role("row").nth(1)).to_contain_text("Reached Loop: graded and assessed")
    second = grades.get_by_role("row").nth(2)
    expect(second).to_contain_text("grade_c · recycled")
    expect(second).to_contain_text("Stain on the front")
    expect(second).to_contain_text("Not sent to Loop: loop answered 422")
    expect(second.get_by_role("link", name="photo 1")).to_have_attribute("href", PHOTO)
    no_sideways_scroll(page)
    shot(page, "01-case-page")

    member = django_user_model.objects.create_user("mia", "mia@example.com", PASSWORD)
    StoreMembership.objects.create(store=world.store, user=member, role=StoreMembership.Role.MEMBER)
    merchant = page.context.browser.new_page(viewport={"width": 1366, "height": 768})
    watch_for_5xx(merchant, errors)
    _log_in(merchant, site, "mia")
    merchant.goto(f"{site}{reverse('setup:return_detail', kwargs={'slug': world.store.slug, 'pk': world.ret.pk})}")
    table = merchant.get_by_role("table", name="What the warehouse found")
    expect(table.get_by_role("row")).to_have_count(3)
    expect(table).to_contain_text("1 × TEE-BLK-M")
    expect(table).to_contain_text("Dispose")
    expect(table).to_contain_text("Reached Loop: graded and assessed")
    expect(table.get_by_role("link", name="Photo 1")).to_have_attribute("href", PHOTO)
    no_sideways_scroll(merchant)
    shot(merchant, "02-merchant-return-page")
    assert errors == []
