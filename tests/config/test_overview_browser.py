"""The admin overview in Debian's chromium at 1366x768, as a staff user without superuser rights.

A day of traffic across providers is made in bulk; the test reads the counters, hovers a chart,
and follows a counter to its changelist, which must list the same number of rows. Screenshots go
to var/artifacts/admin-overview/ for a person to look at.
"""

import datetime as dt
import random
import re
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import Page, expect

from config.env import VAR_DIR
from integrations.models import ApiCall, Connection, InboundWebhook
from returns.models import RMA, Return
from tests.conftest import admin_log_in
from tests.factories import ConnectionFactory, ReturnFactory, RMAFactory, StoreFactory
from tests.setup.conftest import browser_type_launch_args  # noqa: F401 (the fixture: Debian's chromium)

ARTIFACTS = VAR_DIR / "artifacts" / "admin-overview"
Status = InboundWebhook.Status


def _traffic() -> None:
    rng = random.Random(15)  # the same picture every run
    now = timezone.now()
    store = StoreFactory(name="Demo Outfitters")
    loop = ConnectionFactory(store=store, provider="loop")
    shipmonk = ConnectionFactory(store=store, provider="shipmonk")
    other = StoreFactory(name="Northwind Apparel")
    redo = ConnectionFactory(store=other, provider="redo")
    shipstream = ConnectionFactory(store=other, provider="shipstream", status=Connection.Status.FAILING)
    ConnectionFactory(provider="trackstar", status=Connection.Status.CREDENTIALS_REJECTED)
    hooks = []
    for _hour in range(24):
        for conn, volume in ((loop, 30), (redo, 12), (shipmonk, 18)):
            for _ in range(rng.randint(volume // 2, volume)):
                roll = rng.random()
                status = (
                    Status.FAILED
                    if roll < 0.02
                    else Status.REJECTED
                    if roll < 0.06
                    else Status.DUPLICATE
                    if roll < 0.15
                    else Status.PROCESSED
                )
                hooks.append(
                    InboundWebhook(
                        connection=conn, store=conn.store, provider=conn.provider, headers={}, body=b"{}", status=status
                    )
                )
    created = InboundWebhook.objects.bulk_create(hooks)
    for index, hook in enumerate(created):
        hours_ago = index * 24 // len(created)
        hook.created_at = now - dt.timedelta(hours=23 - hours_ago, minutes=rng.randint(0, 59))
    InboundWebhook.objects.bulk_update(created, ["created_at"])
    # RMAs over 7 days, each timed from a webhook of its hour; one bad afternoon of retries.
    for hours_ago in range(0, 7 * 24, 2):
        for _ in range(3):
            rma = RMAFactory(
                store=store, return_obj=ReturnFactory(store=store, connection=loop), warehouse_connection=shipmonk
            )
            received = now - dt.timedelta(hours=hours_ago, minutes=rng.randint(0, 50))
            seconds = rng.uniform(0.6, 2.4) if not 40 <= hours_ago <= 46 else rng.uniform(20, 400)
            hook = InboundWebhook.objects.create(
                connection=loop, store=store, provider="loop", headers={}, body=b"{}", status=Status.PROCESSED
            )
            InboundWebhook.objects.filter(pk=hook.pk).update(created_at=received)
            RMA.objects.filter(pk=rma.pk).update(
                source_webhook=hook, submitted_at=received + dt.timedelta(seconds=seconds), created_at=received
            )
    for status in (RMA.Status.NEEDS_ATTENTION, RMA.Status.FAILED, RMA.Status.PENDING):
        RMAFactory(
            store=other,
            return_obj=ReturnFactory(store=other, connection=redo),
            warehouse_connection=shipstream,
            status=status,
            attempts=3,
        )
    action = Return.PlatformActionStatus
    for state in (action.PROCESSED,) * 12 + (action.FLAGGED,) * 3 + (action.FAILED, action.PROCESS_QUEUED):
        ReturnFactory(store=other, connection=redo, platform_action=state, platform_action_at=now)
    calls = []
    for provider, codes in (
        ("shipmonk", [201] * 60 + [200] * 25 + [422] * 3 + [429] * 2),
        ("loop", [200] * 80 + [500] * 2),
        ("shipstream", [200] * 10 + [503] * 6 + [None] * 4),
        ("redo", [200] * 30 + [401]),
    ):
        for code in codes:
            error = "" if code is not None and 200 <= code < 300 else "ProviderError"
            calls.append(
                ApiCall(
                    provider=provider, method="POST", url="https://example.com/", status_code=code, error_class=error
                )
            )
    ApiCall.objects.bulk_create(calls)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_overview_reads_at_a_glance_and_links_to_the_rows(
    live_server: Any, page: Page, django_user_model: Any, settings: Any
) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    settings.OVERVIEW_CACHE_SECONDS = 30
    cache.clear()
    _traffic()
    support = django_user_model.objects.create_user(
        "support", "support@example.com", "correct horse battery", is_staff=True
    )
    support.user_permissions.add(*Permission.objects.filter(codename__startswith="view_"))

    admin_log_in(page, live_server.url, username="support", password="correct horse battery")
    expect(page.locator("#overview")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "overview.png"))
    page.screenshot(path=str(ARTIFACTS / "overview-full.png"), full_page=True)
    # Nothing wider than the window.
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    # The charts are drawn: a bar per hour and provider, the promise band, a bar per connection.
    expect(page.locator("#overview svg")).to_have_count(3 + 3)  # 3 providers' webhooks, work, answers, latency
    expect(page.locator("#overview")).to_contain_text("promised: 1–3 s")
    expect(page.locator("#overview")).to_contain_text("Northwind Apparel")

    # htmx is loaded from our static files and swaps in a fresh copy.
    assert page.evaluate("typeof window.htmx") == "object"
    with page.expect_response(lambda r: r.url.endswith("/admin/overview/")) as answer:
        page.evaluate("htmx.ajax('GET', '/admin/overview/', {target: '#overview', swap: 'outerHTML'})")
    assert answer.value.status == 200
    expect(page.locator("#overview")).to_be_visible()

    counter = page.locator('[data-counter="webhooks_failed"]')
    count = int(counter.locator(".overview-count").inner_text())
    assert count == InboundWebhook.objects.filter(status=Status.FAILED).count() > 0
    counter.click()
    expect(page).to_have_url(re.compile(r"/admin/integrations/inboundwebhook/\?status__exact=failed"))
    expect(page.locator("#result_list tbody tr")).to_have_count(count)
    page.screenshot(path=str(ARTIFACTS / "webhooks-failed.png"))

    page.goto(f"{live_server.url}/admin/")
    page.locator('[data-counter="rmas_needs_attention"]').click()
    expect(page.locator("#result_list tbody tr")).to_have_count(1)
