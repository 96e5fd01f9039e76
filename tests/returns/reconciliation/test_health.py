"""A failed reconciliation run shows on the connection's health (admin, API, the store's health) until a
run completes, on a real worker."""

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from integrations.models import Connection
from returns import tasks
from tests.api.conftest import token_client
from tests.conftest import TaskRuns
from tests.returns.rmas.conftest import json_response, make_location, make_store, make_warehouse

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
LISTED = {"status": 200, "data": {"returns_list": []}, "paginator": {"pages": 1, "page": 1}}


class Switchable:
    """ShipMonk's returns list, answering 401 (revoked key) until switched back on."""

    def __init__(self) -> None:
        self.ok = False

    def __call__(self, request: Request) -> Response:
        if self.ok:
            return json_response(LISTED)
        return json_response({"message": "Invalid API key"}, 401)


def _reconcile(connection: Connection, task_runs: TaskRuns) -> str:
    tasks.connection_reconcile.delay(connection.pk)
    task_runs.wait_idle()
    return task_runs.runs("connection_reconcile")[-1][2]


def test_a_failed_run_shows_on_the_connection_until_a_run_completes(
    httpserver: HTTPServer, celery_worker: Any, task_runs: TaskRuns
) -> None:
    store = make_store()
    conn = make_warehouse(store, httpserver)
    make_location(store, conn, name="Ontario", wms_warehouse_code="CA1", is_default=True)
    listing = Switchable()
    httpserver.expect_request("/v1/integrations/returns-list").respond_with_handler(listing)
    staff = get_user_model().objects.create_user("support", password="x", is_staff=True, is_superuser=True)
    api = token_client(staff)
    admin = Client()
    admin.force_login(staff)

    assert _reconcile(conn, task_runs).startswith("incomplete")
    failed = Connection.objects.get(pk=conn.pk)
    assert failed.sync_error == "Reconciliation failed: shipmonk answered 401: Invalid API key"
    assert failed.last_error == failed.sync_error  # what the store's health page shows the merchant
    assert failed.sync_failed_at is not None
    shown = api.get(f"/api/v1/connections/{conn.pk}/").json()
    assert (shown["sync_error"], shown["last_error"]) == (failed.sync_error, failed.sync_error)
    page = admin.get(f"/admin/integrations/connection/{conn.pk}/change/")
    assert page.status_code == 200
    assert "Reconciliation failed: shipmonk answered 401: Invalid API key" in page.content.decode()

    # A second failure keeps the time the streak began.
    assert _reconcile(conn, task_runs).startswith("incomplete")
    assert Connection.objects.get(pk=conn.pk).sync_failed_at == failed.sync_failed_at

    listing.ok = True
    assert _reconcile(conn, task_runs).startswith("ok")
    recovered = Connection.objects.get(pk=conn.pk)
    assert (recovered.sync_error, recovered.sync_failed_at, recovered.last_error) == ("", None, "")
    shown = api.get(f"/api/v1/connections/{conn.pk}/").json()
    assert (shown["sync_error"], shown["sync_failed_at"], shown["last_error"]) == ("", None, "")


def test_a_completed_run_keeps_an_error_something_else_reported_since(
    httpserver: HTTPServer, celery_worker: Any, task_runs: TaskRuns
) -> None:
    store = make_store()
    conn = make_warehouse(store, httpserver)
    listing = Switchable()
    httpserver.expect_request("/v1/integrations/returns-list").respond_with_handler(listing)
    assert _reconcile(conn, task_runs).startswith("incomplete")
    Connection.objects.filter(pk=conn.pk).update(last_error="RMA push: 503 Service Unavailable")

    listing.ok = True
    assert _reconcile(conn, task_runs).startswith("ok")
    after = Connection.objects.get(pk=conn.pk)
    assert (after.sync_error, after.last_error) == ("", "RMA push: 503 Service Unavailable")


def test_the_store_health_names_a_connection_whose_reconciliation_fails(
    httpserver: HTTPServer, celery_worker: Any, task_runs: TaskRuns
) -> None:
    from integrations.wizard.selectors import store_health

    store = make_store()
    conn = make_warehouse(store, httpserver)
    httpserver.expect_request("/v1/integrations/returns-list").respond_with_handler(Switchable())
    assert _reconcile(conn, task_runs).startswith("incomplete")

    health = store_health(store=store)
    assert [c.pk for c in health.failing_connections] == [conn.pk]
