"""Reconciliation repairs what webhooks missed, through the same mappers and services, from a cursor."""

import datetime as dt
import json
from typing import Any
from unittest import mock

import pytest
from django.utils import timezone
from pytest_httpserver import HTTPServer

from integrations.models import Connection
from returns.models import RMA, Return
from returns.services.reconciliation import connection_reconcile, returns_flag_missing_rmas
from tests.conftest import load_fixture
from tests.factories import RMAFactory, RMALineFactory
from tests.returns.outcomes.conftest import make_platform, make_world
from tests.returns.rmas.conftest import make_location, make_return, make_store, make_warehouse

RMA_TASK_PUBLISH = "returns.services.rmas.publishing.rma_task_publish"


pytestmark = pytest.mark.django_db
NOW = dt.datetime(2025, 3, 6, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _no_publish() -> Any:
    """Tasks would run after commit; these tests look at the decisions, not the calls."""
    with (
        mock.patch("returns.services.outcomes._publish"),
        mock.patch(RMA_TASK_PUBLISH),
    ):
        yield


def _shipmonk_returned() -> dict[str, Any]:
    return json.loads(load_fixture("shipmonk", "return_status_returned"))


def test_a_missed_shipmonk_returned_webhook_is_found_and_acted_on(httpserver: HTTPServer) -> None:
    listed = {"status": 200, "data": {"returns_list": [_shipmonk_returned()]}, "paginator": {"pages": 1, "page": 1}}
    httpserver.expect_request("/v1/integrations/returns-list").respond_with_json(listed)
    ret, (rma,) = make_world(httpserver)
    result = connection_reconcile(connection_id=rma.warehouse_connection_id, now=NOW)
    assert (result.status, result.checked, result.repaired) == ("ok", 1, 1)
    rma.refresh_from_db()
    assert (rma.status, rma.outcome) == ("received", "fully_received")
    received = ret.timeline.get(kind="rma_received")
    assert received.message == "Received at CA1: 2 × TEE-BLK-M, good, restocked (found by reconciliation)"
    ret.refresh_from_db()
    assert ret.platform_action == "process_queued"
    assert ret.timeline.get(kind="platform_action_queued").message.endswith("(found by reconciliation)")
    # The cursor moved; the query asked from the first-run lookback minus the overlap.
    assert Connection.objects.get(pk=rma.warehouse_connection_id).sync_cursor == NOW
    (request, _) = httpserver.log[0]
    assert request.args["updated_at"] == "2025-03-03T11:55:00Z"
    # A run that re-reads the same return (cursor reset) changes nothing and decides nothing twice.
    Connection.objects.filter(pk=rma.warehouse_connection_id).update(sync_cursor=None)
    again = connection_reconcile(connection_id=rma.warehouse_connection_id, now=NOW)
    assert (again.checked, again.repaired) == (1, 0)
    assert ret.timeline.filter(kind="platform_action_queued").count() == 1


def test_shipmonk_rows_older_than_the_cursor_are_skipped_when_the_filter_is_ignored(httpserver: HTTPServer) -> None:
    old = {**_shipmonk_returned(), "updated_at": "2025-01-01T00:00:00Z"}
    httpserver.expect_request("/v1/integrations/returns-list").respond_with_json(
        {"status": 200, "data": {"returns_list": [old]}}
    )
    _, (rma,) = make_world(httpserver)
    assert connection_reconcile(connection_id=rma.warehouse_connection_id, now=NOW).checked == 0


def test_trackstar_pages_through_next_token_with_the_same_filter(httpserver: HTTPServer) -> None:
    updated = json.loads(load_fixture("trackstar", "return_updated"))["data"]
    store = make_store()
    wms = make_warehouse(store, httpserver, provider="trackstar", wms_name="shipmonk")
    ret = make_return(store)
    rma = RMAFactory(return_obj=ret, warehouse_connection=wms, number="1042", external_id=updated["id"])
    for line in updated["line_items"]:
        RMALineFactory(rma=rma, sku=line["sku"], quantity=line["expected_quantity"])
    httpserver.expect_ordered_request("/wms/returns").respond_with_json({"data": [], "next_token": "tok-2"})
    httpserver.expect_ordered_request("/wms/returns").respond_with_json({"data": [updated], "next_token": None})
    Connection.objects.filter(pk=wms.pk).update(sync_cursor=NOW - dt.timedelta(hours=1))
    result = connection_reconcile(connection_id=wms.pk, now=NOW)
    assert (result.status, result.checked, result.repaired) == ("ok", 1, 1)
    first, second = (dict(entry[0].args) for entry in httpserver.log)
    assert first == {"updated_date[gt]": "2025-03-06T10:55:00Z"}
    assert second == {"updated_date[gt]": "2025-03-06T10:55:00Z", "page_token": "tok-2"}
    rma.refresh_from_db()
    assert rma.status == updated["status"]


def test_shipstream_search_rows_carry_their_quantities(httpserver: HTTPServer) -> None:
    store = make_store()
    make_platform(store, httpserver)
    wms = make_warehouse(store, httpserver, provider="shipstream")
    ret = make_return(store, external_id="880011")
    rma = RMAFactory(return_obj=ret, warehouse_connection=wms, number="1042")
    RMALineFactory(rma=rma, sku="TEE-BLK-M", quantity=2)
    delivery = {
        "increment_id": "2000042",
        "merchant_ref": "1042",
        "status": "put_away",
        "updated_at": "2025-03-06 11:00:00",
        "items": [{"sku": "TEE-BLK-M", "qty_expected": 2, "qty_received": 2, "qty_putaway": 2, "damage_type": "none"}],
    }
    httpserver.expect_request("/api/jsonrpc").respond_with_json({"jsonrpc": "2.0", "id": 1, "result": [delivery]})
    assert connection_reconcile(connection_id=wms.pk, now=NOW).repaired == 1
    # One search only: the row already has the items, so no per-RMA lookup follows.
    assert len(httpserver.log) == 1
    rma.refresh_from_db()
    assert (rma.status, rma.outcome) == ("received", "fully_received")
    assert Return.objects.get(pk=ret.pk).platform_action == "process_queued"


def test_a_rate_limit_keeps_the_cursor_for_the_next_run(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/v1/integrations/returns-list").respond_with_json(
        {"message": "slow down"}, status=429, headers={"Retry-After": "30"}
    )
    _, (rma,) = make_world(httpserver)
    result = connection_reconcile(connection_id=rma.warehouse_connection_id, now=NOW)
    assert result.status == "incomplete"
    assert "429" in result.detail
    assert Connection.objects.get(pk=rma.warehouse_connection_id).sync_cursor is None


def test_a_missed_loop_return_is_created_and_planned(httpserver: HTTPServer) -> None:
    body = json.loads(load_fixture("loop", "return_created"))
    listed = {**body}
    listed.pop("trigger")
    httpserver.expect_request("/warehouse/return/list").respond_with_json({"returns": [listed]})
    store = make_store()
    platform = make_platform(store, httpserver)
    wms = make_warehouse(store, httpserver)
    make_location(store, wms, is_default=True)
    result = connection_reconcile(connection_id=platform.pk, now=NOW)
    assert (result.status, result.checked, result.repaired) == ("ok", 1, 1)
    ret = Return.objects.get(external_id=str(body["id"]))
    assert ret.timeline.get(kind="reconciliation_repaired").message == (
        "Return found by reconciliation: its webhook never arrived"
    )
    assert RMA.objects.filter(return_obj=ret).exists()
    (request, _) = httpserver.log[0]
    assert (request.args["filter"], request.args["from"], request.args["to"]) == (
        "updated_at",
        "2025-03-03",
        "2025-03-07",
    )
    assert connection_reconcile(connection_id=platform.pk, now=NOW).repaired == 0


def test_redo_returns_updated_since_the_cursor(httpserver: HTTPServer) -> None:
    body = json.loads(load_fixture("redo", "updated"))
    httpserver.expect_request("/stores/store-77/returns").respond_with_json(
        {"returns": [body["return"]], "orders": [body["order"]]}
    )
    store = make_store()
    platform = make_platform(store, httpserver, provider="redo")
    Connection.objects.filter(pk=platform.pk).update(sync_cursor=NOW - dt.timedelta(hours=1))
    result = connection_reconcile(connection_id=platform.pk, now=NOW)
    assert (result.checked, result.repaired) == (1, 1)
    (request, _) = httpserver.log[0]
    assert request.args["updated_at_min"] == "2025-03-06T10:55:00Z"
    assert request.headers["X-Page-Size"] == "100"
    assert Return.objects.filter(platform="redo", external_id=body["return"]["id"]).exists()


def test_returns_without_an_rma_after_the_grace_period_are_flagged_once(httpserver: HTTPServer, settings: Any) -> None:
    settings.RECONCILE_GRACE_MINUTES = 30
    store = make_store()
    late = make_return(store, external_id="1")
    fresh = make_return(store, external_id="2")
    cancelled = make_return(store, external_id="3", state="cancelled")
    Return.objects.filter(pk__in=[late.pk, cancelled.pk]).update(created_at=timezone.now() - dt.timedelta(hours=1))
    assert returns_flag_missing_rmas(store_id=store.pk) == 1
    assert returns_flag_missing_rmas(store_id=store.pk) == 0
    warning = late.timeline.get(kind="rma_missing")
    assert (warning.level, "found by reconciliation" in warning.message) == ("warning", True)
    assert not fresh.timeline.filter(kind="rma_missing").exists()


def test_paused_connections_are_skipped(httpserver: HTTPServer) -> None:
    _, (rma,) = make_world(httpserver)
    Connection.objects.filter(pk=rma.warehouse_connection_id).update(status=Connection.Status.PAUSED)
    assert connection_reconcile(connection_id=rma.warehouse_connection_id).status == "skipped"
    assert httpserver.log == []


def test_the_platform_run_decides_returns_whose_rmas_resolved_unnoticed(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/warehouse/return/list").respond_with_json({"returns": []})
    ret, (rma,) = make_world(httpserver)
    RMA.objects.filter(pk=rma.pk).update(status="received", outcome="fully_received")
    connection_reconcile(connection_id=ret.connection_id, now=NOW)
    ret.refresh_from_db()
    assert ret.platform_action == "process_queued"


def test_a_missed_shipbob_completion_is_found_among_the_returns_completed_since_the_cursor(
    httpserver: HTTPServer,
) -> None:
    """ShipBob has no update time: reconciliation reads the returns completed (then created) since the cursor."""
    completed = json.loads(load_fixture("shipbob", "return_get_completed"))
    store = make_store()
    make_platform(store, httpserver)
    wms = make_warehouse(store, httpserver, provider="shipbob")
    make_location(store, wms, name="Example FC", wms_warehouse_code="22", is_default=True)
    ret = make_return(store, external_id="880011")
    rma = RMAFactory(return_obj=ret, warehouse_connection=wms, number="1042", external_id="1234567")
    RMALineFactory(rma=rma, sku="TEE-BLK-M", quantity=2)
    page = {"items": [completed], "first": None, "prev": None, "next": None, "last": None}
    httpserver.expect_request(
        "/2026-01/return",
        query_string={
            "CompletedStartDate": "2025-03-06T10:55:00Z",
            "CompletedEndDate": "2025-03-06T12:00:00Z",
            "SortOrder": "Asc",
            "Limit": "100",
            "Cursor": "1",
        },
    ).respond_with_json(page)
    httpserver.expect_request("/2026-01/return").respond_with_json({"items": [], "next": None})
    Connection.objects.filter(pk=wms.pk).update(sync_cursor=NOW - dt.timedelta(hours=1))
    result = connection_reconcile(connection_id=wms.pk, now=NOW)
    assert (result.status, result.checked, result.repaired) == ("ok", 1, 1)
    rma.refresh_from_db()
    assert (rma.status, rma.outcome) == ("received", "fully_received")
    received = ret.timeline.get(kind="rma_received")
    assert received.message.endswith("2 × TEE-BLK-M, good, restocked (found by reconciliation)")
    assert Return.objects.get(pk=ret.pk).platform_action == "process_queued"
    # The completed returns, then the created ones: two searches, no per-return read (the rows have SKUs).
    assert [request.args.get("StartDate", request.args.get("CompletedStartDate")) for request, _ in httpserver.log] == [
        "2025-03-06T10:55:00Z",
        "2025-03-06T10:55:00Z",
    ]
