"""Connection services used by the admin and the API."""

from typing import Any
from unittest import mock

import pytest
from pytest_httpserver import HTTPServer

from integrations.models import Connection
from integrations.services.connections import (
    connection_pause,
    connection_reset_breaker,
    connection_resume,
    connection_test,
)
from tests.factories import ConnectionFactory, RMAFactory

RMA_TASK_PUBLISH = "returns.services.rmas.publishing.rma_task_publish"


pytestmark = pytest.mark.django_db


def _shipmonk(httpserver: HTTPServer, **kwargs: Any) -> Connection:
    return ConnectionFactory(
        provider="shipmonk", base_url=httpserver.url_for("/").rstrip("/"), api_key="sm-secret-key-1234", **kwargs
    )


def test_connection_test_success_records_last_success(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/v1/integrations/warehouses").respond_with_json({"data": [{"identifier": "CA1"}]})
    connection = _shipmonk(httpserver, last_error="old")
    result = connection_test(connection=connection)
    connection.refresh_from_db()
    assert (result.ok, result.message) == (True, "ShipMonk answered: 1 warehouse(s)")
    assert connection.last_success_at is not None
    assert connection.last_error == ""


def test_connection_test_failure_records_the_providers_words_without_secrets(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/v1/integrations/warehouses").respond_with_json(
        {"message": "Invalid Api-Key sm-secret-key-1234"}, status=401
    )
    connection = _shipmonk(httpserver)
    result = connection_test(connection=connection)
    connection.refresh_from_db()
    assert result.ok is False
    assert "Invalid Api-Key" in result.message
    assert "sm-secret-key-1234" not in result.message + connection.last_error
    assert connection.last_success_at is None


@pytest.mark.parametrize(
    ("provider", "path", "answer"),
    [
        ("trackstar", "/wms/warehouses", {"data": []}),
        ("loop", "/warehouse/return/list", {"returns": []}),
    ],
)
def test_connection_test_for_other_providers(httpserver: HTTPServer, provider: str, path: str, answer: dict) -> None:
    httpserver.expect_request(path).respond_with_json(answer)
    connection = ConnectionFactory(provider=provider, base_url=httpserver.url_for("/").rstrip("/"))
    assert connection_test(connection=connection).ok


def test_shipstream_test_connection_lists_warehouses(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api/jsonrpc").respond_with_json({"result": [{"warehouse_id": 1}, {"warehouse_id": 2}]})
    connection = ConnectionFactory(
        provider="shipstream", base_url=httpserver.url_for("/").rstrip("/"), api_username="u", api_password="p" * 8
    )
    assert connection_test(connection=connection).message == "ShipStream answered: 2 warehouse(s)"


def test_pause_resume_and_reset_breaker(django_capture_on_commit_callbacks: Any) -> None:
    rma = RMAFactory(status="pending")
    connection = rma.warehouse_connection
    connection_pause(connection=connection)
    assert Connection.objects.get(pk=connection.pk).status == "paused"
    with (
        mock.patch(RMA_TASK_PUBLISH) as publish,
        django_capture_on_commit_callbacks(execute=True),
    ):
        connection_resume(connection=connection)
    assert Connection.objects.get(pk=connection.pk).status == "active"
    publish.assert_called_once_with("rma_push", rma.pk)
    Connection.objects.filter(pk=connection.pk).update(status="failing", consecutive_failures=12)
    connection.refresh_from_db()
    with (
        mock.patch(RMA_TASK_PUBLISH),
        django_capture_on_commit_callbacks(execute=True),
    ):
        connection_reset_breaker(connection=connection)
    connection.refresh_from_db()
    assert (connection.status, connection.consecutive_failures, connection.breaker_opened_at) == ("active", 0, None)
