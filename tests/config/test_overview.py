"""The admin overview (config/overview/): every number against rows the test creates, the links, the page.

Runs on SQLite and on PostgreSQL (`make test` runs both): the time-to-warehouse percentiles take
PostgreSQL's percentile_cont there and the Python interpolation on SQLite, and both must agree
with the values worked out by hand below.
"""

import datetime as dt
import json
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from config.overview import charts
from config.overview.counters import overview_counters
from config.overview.selectors import (
    LATENCY_HOURS,
    WEBHOOK_HOURS,
    answers_per_provider,
    overview_build,
    overview_cached,
    percentile,
    rma_latency_per_hour,
    webhooks_per_hour,
    work_per_connection,
)
from integrations.models import ApiCall, Connection, InboundWebhook
from integrations.providers.loop.sandbox import return_payload as loop_return_payload
from integrations.services.webhooks import webhook_process, webhook_receive
from returns.models import RMA, OrphanReceipt, Return, TimelineEvent
from tests.factories import (
    ConnectionFactory,
    InboundWebhookFactory,
    ReturnFactory,
    RMAFactory,
    ShippingLocationFactory,
    StoreFactory,
)
from tests.integrations.webhooks.signing import signed_headers

pytestmark = pytest.mark.django_db

# Half past an hour, so "an hour ago" and "now" fall in known hourly slots.
NOW = dt.datetime(2026, 11, 30, 14, 30, tzinfo=dt.UTC)
Status = InboundWebhook.Status


@pytest.fixture(autouse=True)
def _no_cache(settings: Any) -> None:
    settings.OVERVIEW_CACHE_SECONDS = 0
    cache.clear()


def _webhook(conn: Connection, status: str, at: dt.datetime) -> InboundWebhook:
    hook = InboundWebhookFactory(connection=conn, status=status)
    InboundWebhook.objects.filter(pk=hook.pk).update(created_at=at)
    hook.refresh_from_db()
    return hook


def _at(model: Any, obj: Any, **fields: Any) -> None:
    model.objects.filter(pk=obj.pk).update(**fields)


# -- webhooks per hour -----------------------------------------------------------------------


def test_webhooks_per_hour_by_provider_and_outcome() -> None:
    loop = ConnectionFactory(provider="loop")
    shipmonk = ConnectionFactory(provider="shipmonk")
    this_hour, hour_ago = NOW, NOW - dt.timedelta(hours=1)
    for status in (Status.PROCESSED, Status.PROCESSED, Status.PENDING, Status.IGNORED):  # 4 accepted
        _webhook(loop, status, this_hour)
    _webhook(loop, Status.DUPLICATE, this_hour)
    _webhook(loop, Status.REJECTED, hour_ago)
    _webhook(loop, Status.FAILED, hour_ago)
    _webhook(shipmonk, Status.PROCESSED, NOW - dt.timedelta(hours=23, minutes=10))  # the oldest slot (13:00 yesterday)
    _webhook(loop, Status.PROCESSED, NOW - dt.timedelta(hours=24, minutes=31))  # before the window
    _webhook(loop, Status.PROCESSED, NOW + dt.timedelta(hours=2))  # a future stamp is in no slot

    hours, providers = webhooks_per_hour(now=NOW)

    assert len(hours) == WEBHOOK_HOURS
    assert hours[-1] == dt.datetime(2026, 11, 30, 14, tzinfo=dt.UTC)
    assert hours[0] == dt.datetime(2026, 11, 29, 15, tzinfo=dt.UTC)
    by_name = {p.provider: p for p in providers}
    assert list(by_name) == ["Loop", "ShipMonk"]  # busiest first
    loop_hours = by_name["Loop"].counts
    assert loop_hours["accepted"][-1] == 4
    assert loop_hours["duplicate"][-1] == 1
    assert loop_hours["rejected"][-2] == 1
    assert loop_hours["failed"][-2] == 1
    assert by_name["Loop"].total == 7
    assert by_name["Loop"].failed == 1
    assert by_name["ShipMonk"].counts["accepted"][0] == 1
    assert by_name["ShipMonk"].total == 1


# -- time to the warehouse -------------------------------------------------------------------


def _timed_rma(wms: Connection, *, received: dt.datetime, seconds: float, with_webhook: bool = True) -> RMA:
    rma = RMAFactory(warehouse_connection=wms)
    fields: dict[str, Any] = {"submitted_at": received + dt.timedelta(seconds=seconds)}
    if with_webhook:
        fields["source_webhook"] = _webhook(rma.return_obj.connection, Status.PROCESSED, received)
    _at(RMA, rma, **fields)
    return rma


def test_time_to_warehouse_p50_and_p95_per_hour() -> None:
    wms = ConnectionFactory(provider="shipmonk")
    start = NOW.replace(minute=5)
    for seconds in (1, 2, 3, 4, 10):  # p50 3 s; p95 4 + (10 - 4) * 0.8 = 8.8 s
        _timed_rma(wms, received=start, seconds=seconds)
    two_days_ago = NOW - dt.timedelta(days=2)
    _timed_rma(wms, received=two_days_ago, seconds=0.5)  # alone in its hour: p50 = p95 = 0.5 s
    _timed_rma(wms, received=start, seconds=500, with_webhook=False)  # planned by reconciliation: no clock
    _timed_rma(wms, received=NOW - dt.timedelta(days=8), seconds=1)  # before the window
    RMAFactory(warehouse_connection=wms, status=RMA.Status.PENDING)  # not at the warehouse yet

    latency = rma_latency_per_hour(now=NOW)

    assert len(latency.hours) == LATENCY_HOURS
    assert latency.count[-1] == 5
    assert latency.p50[-1] == pytest.approx(3.0)
    assert latency.p95[-1] == pytest.approx(8.8)
    older = latency.hours.index(two_days_ago.replace(minute=0))
    assert (latency.count[older], latency.p50[older], latency.p95[older]) == (1, pytest.approx(0.5), pytest.approx(0.5))
    assert sum(latency.count) == 6
    assert sum(1 for v in latency.p50 if v is not None) == 2


def test_percentile_interpolates_like_postgresql() -> None:
    assert percentile([], 0.5) is None
    assert percentile([7.0], 0.95) == 7.0
    assert percentile([4.0, 1.0, 3.0, 2.0], 0.5) == pytest.approx(2.5)
    assert percentile([1.0, 2.0, 3.0, 4.0, 10.0], 0.95) == pytest.approx(8.8)


def test_processing_a_webhook_records_it_as_the_rmas_source() -> None:
    store = StoreFactory()
    loop = ConnectionFactory(store=store, provider="loop")
    wms = ConnectionFactory(store=store, provider="shipmonk")
    ShippingLocationFactory(store=store, warehouse_connection=wms, destinations={"loop": "dest_ca1"}, is_default=True)
    payload = loop_return_payload(
        return_id="R1", order_name="#1042", lines=[{"sku": "TEE", "reason": "Too small"}], destination_id="dest_ca1"
    )
    body = json.dumps(payload).encode()
    received = webhook_receive(
        provider="loop",
        endpoint_token=loop.endpoint_token,
        headers={"Content-Type": "application/json", **signed_headers(loop, body)},
        body=body,
        remote_addr="127.0.0.1",
    )
    webhook_process(webhook_id=received.webhook.pk)
    (rma,) = RMA.objects.filter(store=store)
    assert rma.source_webhook_id == received.webhook.pk


# -- pushes and platform actions -------------------------------------------------------------


def test_work_per_connection() -> None:
    wms = ConnectionFactory(provider="shipmonk", name="East WMS")
    for status in (RMA.Status.SUBMITTED, RMA.Status.RECEIVED, RMA.Status.IN_TRANSIT):
        RMAFactory(warehouse_connection=wms, status=status)
    RMAFactory(warehouse_connection=wms, status=RMA.Status.PENDING, attempts=0)  # queued
    RMAFactory(warehouse_connection=wms, status=RMA.Status.PENDING, attempts=2)  # retrying
    RMAFactory(warehouse_connection=wms, status=RMA.Status.NEEDS_ATTENTION, attempts=1)
    RMAFactory(warehouse_connection=wms, status=RMA.Status.FAILED, attempts=8)
    RMAFactory(warehouse_connection=wms, status=RMA.Status.CANCELLED)  # not shown
    old = RMAFactory(warehouse_connection=wms, status=RMA.Status.FAILED)
    _at(RMA, old, created_at=NOW - dt.timedelta(days=8))  # before the window
    loop = ConnectionFactory(provider="loop", name="Loop main")
    action = Return.PlatformActionStatus
    for state in (action.PROCESSED, action.FLAGGED, action.PROCESS_QUEUED, action.FAILED, action.UNDECIDED):
        ReturnFactory(connection=loop, store=loop.store, platform_action=state, platform_action_at=NOW)
    ReturnFactory(connection=loop, store=loop.store, platform_action=action.FAILED, platform_action_at=None)

    rows = {(row.kind, row.connection_id): row.counts for row in work_per_connection(now=NOW + dt.timedelta(hours=1))}

    assert rows[("RMA pushes", wms.pk)] == {
        "succeeded": 3,
        "queued": 1,
        "retrying": 1,
        "needs attention": 1,
        "failed": 1,
    }
    assert rows[("Platform actions", loop.pk)] == {
        "succeeded": 2,
        "queued": 1,
        "retrying": 0,
        "needs attention": 0,
        "failed": 1,
    }
    # The returns' own RMAs (made by the factory) went to other connections, each with its one push.
    assert set(rows) >= {("RMA pushes", wms.pk), ("Platform actions", loop.pk)}


# -- answer codes ----------------------------------------------------------------------------


def _call(provider: str, status_code: int | None, error_class: str = "", at: dt.datetime = NOW) -> None:
    call = ApiCall.objects.create(
        provider=provider, method="POST", url="https://example.com/x", status_code=status_code, error_class=error_class
    )
    _at(ApiCall, call, created_at=at)


def test_answer_codes_and_error_rate_per_provider() -> None:
    for _ in range(6):
        _call("shipmonk", 201)
    _call("shipmonk", 422, "ProviderRejected")
    _call("shipmonk", None, "ProviderTimeout")
    _call("shipmonk", 200, "ProviderBadAnswer")  # a 200 we could not read is an error too
    _call("shipmonk", 500, "ProviderServerError")
    _call("loop", 200)
    _call("loop", 500, "ProviderServerError", at=NOW - dt.timedelta(hours=25))  # before the window

    answers = {a.provider: a for a in answers_per_provider(now=NOW)}

    shipmonk = answers["ShipMonk"]
    assert shipmonk.total == 10
    assert shipmonk.errors == 4
    assert shipmonk.error_rate == pytest.approx(0.4)
    assert dict(shipmonk.codes) == {"201": 6, "422": 1, "no answer": 1, "200": 1, "500": 1}
    assert shipmonk.codes[0] == ("201", 6)
    assert (answers["Loop"].total, answers["Loop"].errors) == (1, 0)


# -- counters and their links ----------------------------------------------------------------


@pytest.fixture
def superuser_client() -> Client:
    user = get_user_model().objects.create_superuser("root", "root@example.com", "pw")
    client = Client()
    client.force_login(user)
    return client


def _changelist_count(client: Client, url: str) -> int:
    response = client.get(url)
    assert response.status_code == 200, url
    assert "e=1" not in response.get("Location", ""), url
    return response.context["cl"].result_count


def test_counters_count_the_rows_their_changelist_lists(superuser_client: Client, settings: Any) -> None:
    now = timezone.now()
    conn = ConnectionFactory()
    for status, age in (
        (Status.PENDING, 120),  # counted: pending past the 60 s grace
        (Status.RECEIVED, 3600),  # counted
        (Status.PENDING, 5),  # just arrived: not yet
        (Status.FAILED, 10),
        (Status.FAILED, 86400 * 3),
        (Status.PROCESSED, 600),
    ):
        _webhook(conn, status, now - dt.timedelta(seconds=age))
    wms = ConnectionFactory(provider="shipmonk")
    RMAFactory(warehouse_connection=wms, status=RMA.Status.NEEDS_ATTENTION)
    for _ in range(2):
        RMAFactory(warehouse_connection=wms, status=RMA.Status.FAILED)
    stuck = RMAFactory(warehouse_connection=wms, status=RMA.Status.PENDING)
    _at(RMA, stuck, created_at=now - dt.timedelta(minutes=6))
    RMAFactory(warehouse_connection=wms, status=RMA.Status.PENDING)  # planned just now
    ReturnFactory(platform_action=Return.PlatformActionStatus.FAILED)
    ReturnFactory(platform_action=Return.PlatformActionStatus.PROCESSED)
    missing = ReturnFactory()
    TimelineEvent.objects.create(return_obj=missing, kind="rma_missing", message="No RMA")
    planned_since = RMAFactory(warehouse_connection=wms).return_obj  # flagged, then it got its RMA
    TimelineEvent.objects.create(return_obj=planned_since, kind="rma_missing", message="No RMA")
    for status in (Connection.Status.FAILING, Connection.Status.PAUSED, Connection.Status.PAUSED):
        ConnectionFactory(provider="shipstream", status=status)
    ConnectionFactory(provider="trackstar", status=Connection.Status.CREDENTIALS_REJECTED)
    day = dt.timedelta(days=1)
    for stage, due in (("label", now - day), ("delivered", now - day), ("received", now - day), ("label", now + day)):
        ReturnFactory(aging_stage=stage, aging_since=now - 20 * day, aging_due_at=due)
    for n, state in enumerate((OrphanReceipt.State.OPEN, OrphanReceipt.State.OPEN, OrphanReceipt.State.LINKED)):
        OrphanReceipt.objects.create(store=wms.store, warehouse_connection=wms, wms_key=f"id:{n}", state=state)

    counters = {c.key: c for c in overview_counters(now=now)}

    assert {key: c.count for key, c in counters.items()} == {
        "webhooks_waiting": 2,
        "webhooks_failed": 2,
        "rmas_needs_attention": 1,
        "rmas_failed": 2,
        "rmas_stuck": 1,
        "actions_failed": 1,
        "returns_missing_rma": 1,
        "returns_overdue_arrival": 2,
        "returns_overdue_close": 1,
        "orphan_receipts_open": 2,
        "connections_failing": 1,
        "connections_paused": 2,
        "connections_credentials_rejected": 1,
    }
    for key, counter in counters.items():
        assert _changelist_count(superuser_client, counter.url) == counter.count, key
    assert f"id__in={missing.pk}" in counters["returns_missing_rma"].url


def test_an_empty_counter_links_to_an_empty_list(superuser_client: Client) -> None:
    ReturnFactory()
    counters = {c.key: c for c in overview_counters(now=timezone.now())}
    assert counters["returns_missing_rma"].count == 0
    assert _changelist_count(superuser_client, counters["returns_missing_rma"].url) == 0


# -- caching ---------------------------------------------------------------------------------


def test_the_overview_is_cached_for_the_setting(settings: Any) -> None:
    settings.OVERVIEW_CACHE_SECONDS = 60
    conn = ConnectionFactory()
    _webhook(conn, Status.FAILED, timezone.now())
    first = overview_cached()
    _webhook(conn, Status.FAILED, timezone.now())
    with CaptureQueriesContext(connection) as queries:
        second = overview_cached()
    assert len(queries) == 0
    assert second.computed_at == first.computed_at
    assert {c.key: c.count for c in second.counters}["webhooks_failed"] == 1
    cache.clear()
    assert {c.key: c.count for c in overview_cached().counters}["webhooks_failed"] == 2


def test_the_overview_costs_a_fixed_number_of_queries() -> None:
    def cost() -> int:
        with CaptureQueriesContext(connection) as queries:
            overview_build()
        return len(queries)

    wms = ConnectionFactory(provider="shipmonk")

    def rows(count: int) -> None:
        for _ in range(count):
            _timed_rma(wms, received=timezone.now() - dt.timedelta(minutes=30), seconds=2)
            RMAFactory(warehouse_connection=ConnectionFactory(provider="shipstream"), status=RMA.Status.FAILED)
            _call("shipmonk", 500, "ProviderServerError", at=timezone.now())

    rows(1)
    few = cost()
    rows(6)
    # One query per counter group and chart (and one for the connections' names), whatever the rows: the
    # overdue returns by stage and the open orphan receipts are one each.
    assert cost() == few == 13


# -- the charts ------------------------------------------------------------------------------


def test_charts_escape_names_and_draw_the_promise() -> None:
    wms = ConnectionFactory(provider="shipmonk", name='<script>alert("x")</script>')
    RMAFactory(warehouse_connection=wms, status=RMA.Status.FAILED)
    _timed_rma(wms, received=timezone.now() - dt.timedelta(minutes=20), seconds=2)
    overview = overview_build()
    work = charts.work_chart(overview.work)
    assert "<script>" not in work
    assert "&lt;script&gt;" in work
    latency = charts.latency_chart(overview.latency)
    assert "promised: 1–3 s" in latency
    assert latency.count("<circle") == 2  # one hour measured: its p50 and its p95
    empty = charts.latency_chart(rma_latency_per_hour(now=NOW - dt.timedelta(days=30)))
    assert "No RMA created from a webhook in 7 days" in empty


# -- the page --------------------------------------------------------------------------------


def test_the_admin_index_is_the_overview_then_the_apps(superuser_client: Client) -> None:
    conn = ConnectionFactory()
    _webhook(conn, Status.FAILED, timezone.now())
    response = superuser_client.get(reverse("admin:index"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="overview"' in html
    assert f'hx-get="{reverse("admin:overview")}"' in html
    assert "django_htmx/htmx-2.min" in html  # served from static files, no CDN
    assert html.index('id="overview"') < html.index("app-integrations")
    assert 'data-counter="webhooks_failed"' in html
    assert "<svg" in html
    labels = [app["app_label"] for app in response.context["app_list"]]
    assert labels[-1] == "system"
    assert "django_celery_beat" not in labels
    assert "axes" not in labels
    system = [m["object_name"] for m in response.context["app_list"][-1]["models"]]
    assert system[0] == "PeriodicTask"
    assert "RmaNumberSequence" in system
    # An app's own page is Django's, unchanged.
    beat = superuser_client.get(reverse("admin:app_list", args=["django_celery_beat"]))
    assert beat.status_code == 200


def test_the_fragment_htmx_polls(superuser_client: Client) -> None:
    response = superuser_client.get(reverse("admin:overview"), headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith("{#") is False
    assert 'id="overview"' in html
    assert "<html" not in html


def test_staff_without_superuser_rights_see_it_and_others_do_not() -> None:
    staff = get_user_model().objects.create_user("support", "s@example.com", "pw", is_staff=True)
    client = Client()
    client.force_login(staff)
    assert client.get(reverse("admin:index")).status_code == 200
    assert 'id="overview"' in client.get(reverse("admin:overview")).content.decode()

    member = get_user_model().objects.create_user("merchant", "m@example.com", "pw")
    client.force_login(member)
    for url in (reverse("admin:index"), reverse("admin:overview")):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))
    anonymous = Client().get(reverse("admin:overview"))
    assert anonymous.status_code == 302
