"""A 401/403 from the WMS or the platform names the connection's health, pauses its work without
spending retries, emails the store once, and working credentials resume what waited."""

from typing import Any

import pytest
from django.core import mail
from pytest_httpserver import HTTPServer

from integrations.models import Connection, Notification, StoreMembership
from integrations.services.connections import connection_test
from integrations.services.health import connection_credentials_rejected
from returns.models import RMA, Return
from returns.services.platform_actions import return_platform_act
from returns.services.rmas.push import rma_push
from returns.services.rmas.triggers import rmas_on_return_changed
from tests.conftest import wait_for
from tests.factories import ConnectionFactory
from tests.returns.rmas.conftest import (
    Recorder,
    json_response,
    make_location,
    make_return,
    make_store,
    make_warehouse,
    shipmonk_ok,
)

RETURNS = "/v1/integrations/returns"
WAREHOUSES = "/v1/integrations/warehouses"
UNAUTHORIZED = json_response({"status": 401, "message": "Invalid API key", "errors": []}, status=401)


def _member(store: Any, django_user_model: Any, username: str = "mia", email: str = "mia@example.com") -> Any:
    user = django_user_model.objects.create_user(username=username, email=email, password="x")
    StoreMembership.objects.create(store=store, user=user)
    return user


@pytest.mark.django_db
def test_a_401_marks_the_connection_and_the_rma_waits_pending(httpserver: HTTPServer, django_user_model: Any) -> None:
    store = make_store()
    _member(store, django_user_model)
    conn = make_warehouse(store, httpserver)
    make_location(store, conn, wms_warehouse_code="CA1", is_default=True)
    recorder = Recorder(UNAUTHORIZED)
    httpserver.expect_request(RETURNS, method="POST").respond_with_handler(recorder)
    rmas_on_return_changed(return_obj=make_return(store), change="created")
    rma = RMA.objects.get()

    outcome = rma_push(rma_id=rma.pk)
    assert (outcome.action, outcome.detail) == ("done", "credentials rejected")
    rma.refresh_from_db()
    assert (rma.status, rma.attempts) == (RMA.Status.PENDING, 0)  # no retry spent, not needs_attention
    # Its own reason says what was refused and that it goes by itself once fixed, not only the provider's answer.
    assert rma.last_error.startswith(
        "Waiting for working ShipMonk credentials: ShipMonk refused the connection's credentials "
        "(shipmonk answered 401: Invalid API key)."
    )
    assert rma.last_error.endswith(
        "This RMA is sent by itself once working credentials are saved for ShipMonk (or its Test succeeds)."
    )
    conn.refresh_from_db()
    assert conn.status == Connection.Status.CREDENTIALS_REJECTED
    assert conn.status_before_rejection == Connection.Status.ACTIVE
    assert conn.health_message.startswith("Credentials rejected by ShipMonk: shipmonk answered 401: Invalid API key")
    assert not conn.is_accepting_pushes
    assert list(conn.history.values_list("status", flat=True)[:1]) == [Connection.Status.CREDENTIALS_REJECTED]
    (notification,) = Notification.objects.all()
    assert notification.kind == "credentials_rejected"
    assert notification.link == f"/setup/stores/{store.slug}/warehouse/"

    # A second push (a redelivered task) neither sends nor counts anything: the connection waits.
    assert rma_push(rma_id=rma.pk).detail == "connection credentials_rejected"
    assert recorder.count == 1
    rma.refresh_from_db()
    assert rma.last_error.startswith("Waiting for working ShipMonk credentials")
    assert Notification.objects.count() == 1


@pytest.mark.django_db
def test_other_errors_are_no_credential_problem() -> None:
    from integrations.exceptions import ProviderRejected

    connection = ConnectionFactory(provider="shipmonk")
    assert not connection_credentials_rejected(connection_id=connection.pk, exc=ProviderRejected("unknown SKU"))
    connection.refresh_from_db()
    assert connection.status == Connection.Status.ACTIVE


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_working_credentials_resume_the_rmas_that_waited(
    httpserver: HTTPServer, celery_worker: Any, django_user_model: Any, settings: Any
) -> None:
    store = make_store()
    _member(store, django_user_model)
    conn = make_warehouse(store, httpserver)
    make_location(store, conn, wms_warehouse_code="CA1", is_default=True)
    recorder = Recorder(UNAUTHORIZED, shipmonk_ok(777))
    httpserver.expect_request(RETURNS, method="POST").respond_with_handler(recorder)
    # After a create call was logged, a push looks the RMA up first (the 401 created nothing).
    httpserver.expect_request("/v1/integrations/returns-list").respond_with_json(
        {"status": 200, "data": {"returns_list": []}}
    )
    warehouses = Recorder(UNAUTHORIZED, json_response({"status": 200, "data": [{"identifier": "CA1", "name": "CA"}]}))
    httpserver.expect_request(WAREHOUSES).respond_with_handler(warehouses)
    rmas_on_return_changed(return_obj=make_return(store, order_name="#1042"), change="created")

    def rejected() -> bool:
        return Connection.objects.filter(pk=conn.pk, status=Connection.Status.CREDENTIALS_REJECTED).exists()

    wait_for(rejected, timeout=30)
    # A return arriving meanwhile waits too, without a request to the WMS.
    rmas_on_return_changed(return_obj=make_return(store, order_name="#1043"), change="created")
    wait_for(lambda: RMA.objects.filter(last_error__startswith="Waiting for working").exists(), timeout=30)
    assert recorder.count == 1
    assert set(RMA.objects.values_list("status", "attempts")) == {(RMA.Status.PENDING, 0)}

    # The merchant tests again while the key is still wrong: nothing resumes.
    assert not connection_test(connection=conn).ok
    conn.refresh_from_db()
    assert conn.status == Connection.Status.CREDENTIALS_REJECTED

    # Working credentials: the status comes back and the waiting RMAs go out.
    assert connection_test(connection=conn).ok
    conn.refresh_from_db()
    assert (conn.status, conn.status_before_rejection) == (Connection.Status.ACTIVE, "")

    def all_submitted() -> bool:
        return set(RMA.objects.values_list("status", flat=True)) == {RMA.Status.SUBMITTED}

    wait_for(all_submitted, timeout=30)
    assert recorder.count == 3
    # One email to the member, not one per rejected push.
    wait_for(lambda: len(mail.outbox) == 1, timeout=30)
    assert "ShipMonk rejected the credentials" in mail.outbox[0].body
    assert mail.outbox[0].to == ["mia@example.com"]
    assert f"{settings.PUBLIC_BASE_URL}/setup/stores/{store.slug}/warehouse/" in mail.outbox[0].body


@pytest.mark.django_db
def test_a_platform_that_rejects_the_credentials_keeps_the_action_queued(
    httpserver: HTTPServer, django_user_model: Any, django_capture_on_commit_callbacks: Any
) -> None:
    store = make_store()
    platform = ConnectionFactory(store=store, provider="loop", base_url=httpserver.url_for("/").rstrip("/"))
    return_obj = make_return(store, connection=platform, platform="loop", external_id="880011")
    Return.objects.filter(pk=return_obj.pk).update(platform_action="process_queued")
    calls = Recorder(json_response({"error": {"message": "Unauthorized."}}, status=401), json_response(True))
    httpserver.expect_request("/warehouse/return/880011/process", method="POST").respond_with_handler(calls)
    httpserver.expect_request("/warehouse/return/list").respond_with_json({"returns": []})

    outcome = return_platform_act(return_id=return_obj.pk)
    assert outcome.detail == "credentials rejected: the action waits for working ones"
    return_obj.refresh_from_db()
    assert return_obj.platform_action == "process_queued"  # not failed, not sent to support
    platform.refresh_from_db()
    assert platform.status == Connection.Status.CREDENTIALS_REJECTED

    from unittest import mock

    with (
        mock.patch("returns.tasks.return_platform_act.delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert connection_test(connection=platform).ok
    delay.assert_called_once_with(return_obj.pk)
    platform.refresh_from_db()
    assert platform.status == Connection.Status.ACTIVE
