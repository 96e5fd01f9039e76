"""The circuit breaker guards every call of a connection at the transport (integrations/circuit_breaker.py), not only
RMA pushes: platform actions and reconciliation open it and are held by it, and what a person asks for goes through."""

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone
from pytest_httpserver import HTTPServer

from integrations.exceptions import ProviderCircuitOpen, ProviderUnavailable
from integrations.models import ApiCall, Connection, Notification, StoreMembership
from integrations.registry import get_returns_platform_client
from integrations.services.connections import connection_test
from tests.factories import ConnectionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_limits() -> None:
    from django.core.cache import cache

    from integrations import ratelimit

    cache.clear()
    ratelimit._limiter().storage.reset()


@pytest.fixture
def loop(httpserver: HTTPServer, settings: Any, django_user_model: Any) -> Connection:
    settings.CIRCUIT_BREAKER_THRESHOLD = 2
    settings.CIRCUIT_BREAKER_COOLDOWN_SECONDS = 300
    connection = ConnectionFactory(provider="loop", base_url=httpserver.url_for("").rstrip("/"))
    owner = django_user_model.objects.create_user("owner", email="owner@example.com")
    StoreMembership.objects.create(store=connection.store, user=owner, role=StoreMembership.Role.OWNER)
    return connection


def _open(connection: Connection, *, seconds_ago: int) -> Connection:
    Connection.objects.filter(pk=connection.pk).update(
        status=Connection.Status.FAILING,
        consecutive_failures=2,
        breaker_opened_at=timezone.now() - dt.timedelta(seconds=seconds_ago),
    )
    return Connection.objects.get(pk=connection.pk)


def test_platform_action_failures_open_the_breaker_and_tell_the_store(httpserver: HTTPServer, loop: Connection) -> None:
    httpserver.expect_request("/warehouse/return/880011/process").respond_with_json({"error": "down"}, status=503)
    for _ in range(2):
        with pytest.raises(ProviderUnavailable):
            get_returns_platform_client(connection=Connection.objects.get(pk=loop.pk)).return_process(
                return_id="880011"
            )
    loop.refresh_from_db()
    assert (loop.status, loop.consecutive_failures) == (Connection.Status.FAILING, 2)
    assert "Circuit breaker open after 2 consecutive failures" in loop.health_message
    assert Notification.objects.filter(store=loop.store, kind="breaker_opened").exists()


def test_an_open_breaker_refuses_every_call_unsent(httpserver: HTTPServer, loop: Connection) -> None:
    opened = _open(loop, seconds_ago=10)
    client = get_returns_platform_client(connection=opened)
    with pytest.raises(ProviderCircuitOpen, match="nothing sent") as refused:
        client.return_process(return_id="880011")
    assert 280 <= (refused.value.retry_after or 0) <= 290  # until the next trial
    now = timezone.now()
    with pytest.raises(ProviderCircuitOpen):
        list(client.returns_changed_since(since=now - dt.timedelta(days=1), until=now, max_pages=1))
    assert httpserver.log == []
    assert not ApiCall.objects.exists()


def test_after_the_cooldown_one_call_is_the_trial_and_its_answer_closes_the_breaker(
    httpserver: HTTPServer, loop: Connection
) -> None:
    httpserver.expect_request("/warehouse/return/880011/process").respond_with_json({})
    opened = _open(loop, seconds_ago=301)
    first, second = get_returns_platform_client(connection=opened), get_returns_platform_client(connection=opened)
    first.return_process(return_id="880011")
    with pytest.raises(ProviderCircuitOpen):  # built from the same row: the trial was claimed by the first
        second.return_process(return_id="880011")
    assert len(httpserver.log) == 1
    loop.refresh_from_db()
    assert (loop.status, loop.consecutive_failures, loop.breaker_opened_at) == (Connection.Status.ACTIVE, 0, None)


def test_a_read_that_works_ends_no_streak_but_a_write_does(httpserver: HTTPServer, loop: Connection) -> None:
    httpserver.expect_request("/warehouse/return/list").respond_with_json({"returns": []})
    httpserver.expect_request("/warehouse/return/880011/process").respond_with_json({})
    Connection.objects.filter(pk=loop.pk).update(consecutive_failures=1)
    client = get_returns_platform_client(connection=Connection.objects.get(pk=loop.pk))
    now = timezone.now()
    list(client.returns_changed_since(since=now - dt.timedelta(days=1), until=now, max_pages=1))
    assert Connection.objects.get(pk=loop.pk).consecutive_failures == 1
    client.return_process(return_id="880011")
    assert Connection.objects.get(pk=loop.pk).consecutive_failures == 0


def test_a_connection_test_a_person_asked_for_goes_through_an_open_breaker(
    httpserver: HTTPServer, loop: Connection
) -> None:
    httpserver.expect_request("/warehouse/return/list").respond_with_json({"returns": []})
    opened = _open(loop, seconds_ago=10)
    assert connection_test(connection=opened).ok
    assert len(httpserver.log) == 1
    # A read proves the provider answers, not that the work that failed goes through: the breaker stays open.
    assert Connection.objects.get(pk=loop.pk).status == Connection.Status.FAILING
