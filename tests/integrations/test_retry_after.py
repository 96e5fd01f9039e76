"""Retry-After is bounded everywhere (issue 22): a provider asking for a huge wait, in seconds or as an
HTTP date far in the future, gets at most CELERY_MAX_COUNTDOWN_SECONDS, which stays below the broker's
visibility timeout. The webhook task is checked with a real worker and a real local provider; the
RMA, later-change and platform-action paths in their own test modules (tests/returns/)."""

import datetime as dt
import email.utils
import threading
from typing import Any

import pytest
from celery import signals
from django.test import Client
from django.utils import timezone
from pytest_httpserver import HTTPServer

from config.checks import check_countdowns_stay_below_the_visibility_timeout
from integrations.exceptions import ProviderRateLimited, ProviderThrottled
from integrations.http import parse_retry_after
from integrations.models import InboundWebhook
from tests.conftest import load_fixture, wait_for
from tests.factories import ConnectionFactory
from tests.integrations.webhooks.conftest import post_webhook

CAP = 1800.0  # settings.CELERY_MAX_COUNTDOWN_SECONDS
# What a provider may send: a number of seconds past any real wait, one too long for int() at once,
# and an HTTP date in the year 9999.
HUGE = ["99999999999", "9" * 5000, "Fri, 31 Dec 9999 23:59:59 GMT"]


def _http_date(seconds_from_now: float) -> str:
    return email.utils.format_datetime(timezone.now() + dt.timedelta(seconds=seconds_from_now), usegmt=True)


def test_the_cap_is_half_an_hour_below_an_hour_of_visibility(settings: Any) -> None:
    assert settings.CELERY_MAX_COUNTDOWN_SECONDS == CAP


@pytest.mark.parametrize("value", HUGE)
def test_a_huge_retry_after_is_read_as_the_cap(value: str) -> None:
    assert parse_retry_after(value) == CAP


@pytest.mark.parametrize(("value", "seconds"), [("120", 120), (" 7 ", 7), ("0", 0)], ids=["seconds", "spaces", "zero"])
def test_an_ordinary_retry_after_is_read_as_sent(value: str, seconds: float) -> None:
    assert parse_retry_after(value) == seconds


def test_an_http_date_is_read_as_the_time_until_it() -> None:
    assert 595 <= (parse_retry_after(_http_date(600)) or 0) <= 600
    assert parse_retry_after(_http_date(-600)) == 0


@pytest.mark.parametrize("value", [None, "", "soon", "-5", "1.5e3", "Fri, 31 Dec 99999 23:59:59 GMT", "٣"])
def test_an_unreadable_retry_after_is_no_hint(value: str | None) -> None:
    assert parse_retry_after(value) is None


def test_the_check_refuses_a_cap_at_or_past_the_visibility_timeout(settings: Any) -> None:
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/0"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
    assert check_countdowns_stay_below_the_visibility_timeout(None) == []
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 1800}
    (error,) = check_countdowns_stay_below_the_visibility_timeout(None)
    assert error.id == "config.E005"
    assert "run twice" in error.msg
    # Without the option, kombu's Redis default (an hour) is what counts.
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {}
    settings.CELERY_MAX_COUNTDOWN_SECONDS = 4000
    assert [e.id for e in check_countdowns_stay_below_the_visibility_timeout(None)] == ["config.E005"]
    # The filesystem broker never redelivers on a timer.
    settings.CELERY_BROKER_URL = "filesystem://"
    assert check_countdowns_stay_below_the_visibility_timeout(None) == []


def test_the_configured_settings_pass_the_check() -> None:
    assert check_countdowns_stay_below_the_visibility_timeout(None) == []


@pytest.mark.django_db
@pytest.mark.parametrize("value", HUGE[::2], ids=["seconds", "http-date"])
def test_trackstar_headers_and_reset_are_bounded(httpserver: HTTPServer, value: str) -> None:
    from tests.integrations.clients.test_clients import _trackstar

    httpserver.expect_request("/wms/warehouses").respond_with_json(
        {"error": "rate limited"},
        status=429,
        headers={"retry-after": value, "x-rate-limit-retry-after": value, "x-ratelimit-reset": "1e400"},
    )
    with pytest.raises(ProviderRateLimited) as info:
        _trackstar(httpserver).warehouses_list()
    assert info.value.retry_after == CAP


@pytest.mark.django_db
def test_our_own_limiter_wait_is_bounded_too(httpserver: HTTPServer) -> None:
    """A connection limited to one call a day waits hours for its next slot: the task waits at most the cap."""
    from tests.integrations.clients.test_clients import _trackstar

    httpserver.expect_request("/wms/warehouses").respond_with_json({"data": []})
    connection = ConnectionFactory(provider="trackstar", wms_name="shipmonk")
    client = _trackstar(httpserver, connection_id=connection.pk, rate_limit="1/day")
    client.warehouses_list()
    with pytest.raises(ProviderThrottled) as info:
        client.warehouses_list()
    assert info.value.retry_after == CAP


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("value", HUGE[::2], ids=["seconds", "http-date"])
def test_the_webhook_task_retries_within_the_cap(
    httpserver: HTTPServer, celery_worker: Any, value: str, django_user_model: Any
) -> None:
    """A Happy Returns shipment webhook makes its worker fetch the shipment from Loop, which answers 429
    with a huge Retry-After: the task's retry is published due within the cap (it was 6 hours)."""
    httpserver.expect_request("/happy-returns/shipments/HR-SHIP-0001").respond_with_json(
        {"message": "slow down"}, status=429, headers={"Retry-After": value}
    )
    conn = ConnectionFactory(base_url=httpserver.url_for("/").rstrip("/"))
    retries: list[tuple[dt.datetime, dt.datetime]] = []
    published = threading.Event()

    def on_publish(headers: dict[str, Any] | None = None, **kwargs: Any) -> None:
        headers = headers or {}
        if headers.get("task") == "integrations.tasks.webhook_process" and headers.get("retries"):
            retries.append((timezone.now(), dt.datetime.fromisoformat(headers["eta"])))
            published.set()

    signals.before_task_publish.connect(on_publish, weak=False)
    try:
        response = post_webhook(Client(), conn, load_fixture("loop", "happy_returns_shipment_processed"))
        assert response.status_code == 202
        wait_for(published.is_set, timeout=60)
    finally:
        signals.before_task_publish.disconnect(on_publish)
    sent_at, eta = retries[0]
    assert CAP - 5 <= (eta - sent_at).total_seconds() <= CAP
    webhook = InboundWebhook.objects.get()
    assert (webhook.status, webhook.attempts) == (InboundWebhook.Status.PENDING, 1)
    assert "429" in webhook.error
