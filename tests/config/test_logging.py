"""Structured JSON logs: a request id bound per request travels into the Celery tasks it starts; secrets redacted."""

import json
import logging
import uuid
from typing import Any

import pytest
import structlog
from django.test import override_settings
from django.urls import path

from config.logging import REDACTED
from tests.conftest import wait_for


def _log_view(request: Any) -> Any:
    from django.http import JsonResponse

    structlog.get_logger("tests.view").info("inside_view")
    return JsonResponse({"request_id": structlog.contextvars.get_contextvars().get("request_id")})


urlpatterns = [path("log-me/", _log_view)]


def _events(caplog: pytest.LogCaptureFixture, name: str) -> list[dict]:
    return [r.msg for r in caplog.records if isinstance(r.msg, dict) and r.msg.get("event") == name]


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__)
def test_each_request_gets_its_own_request_id(client: Any, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    # A client-sent X-Request-ID is not trusted (DJANGO_STRUCTLOG_TRUST_UPSTREAM_REQUEST_ID is off).
    first = client.get("/log-me/", HTTP_X_REQUEST_ID="spoofed").json()["request_id"]
    second = client.get("/log-me/").json()["request_id"]
    assert first
    assert second
    assert first != second
    assert first != "spoofed"
    assert [event["request_id"] for event in _events(caplog, "inside_view")] == [first, second]
    assert [event["request_id"] for event in _events(caplog, "request_finished")] == [first, second]


@pytest.mark.worker
def test_the_request_id_is_carried_into_a_celery_task(celery_worker: Any, caplog: pytest.LogCaptureFixture) -> None:
    from config.tasks import retention_purge

    caplog.set_level(logging.INFO)
    request_id = f"req-{uuid.uuid4()}"
    # What RequestMiddleware does for every request: bind the id, then the view enqueues work.
    with structlog.contextvars.bound_contextvars(request_id=request_id):
        retention_purge.delay()

    def purged_events() -> list[dict]:
        return _events(caplog, "retention_purged")

    [event] = wait_for(purged_events)
    assert event["request_id"] == request_id


def test_secrets_are_redacted_in_the_json_output(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    structlog.get_logger("tests.redaction").info(
        "calling_provider", api_key="sk-live-123", headers={"Authorization": "Bearer abc", "Accept": "json"}
    )
    [record] = [r for r in caplog.records if isinstance(r.msg, dict) and r.msg.get("event") == "calling_provider"]
    formatter = _structured_formatter()
    line = formatter.format(record)
    data = json.loads(line)
    assert data["api_key"] == REDACTED
    assert data["headers"] == {"Authorization": REDACTED, "Accept": "json"}
    assert "sk-live-123" not in line
    assert "Bearer abc" not in line


def _structured_formatter() -> logging.Formatter:
    from logging.config import dictConfig

    from django.conf import settings

    dictConfig(settings.LOGGING)
    handler = next(
        h for h in logging.getLogger().handlers if isinstance(h.formatter, structlog.stdlib.ProcessorFormatter)
    )
    assert handler.formatter is not None
    return handler.formatter


def test_a_requests_log_lines_carry_the_address_the_trusted_proxy_rule_reads(settings: Any) -> None:
    """config.client_ip's rule, not a guess from any X-Forwarded-For (django-structlog's own ipware is off)."""
    import structlog
    from django.test import RequestFactory

    from config.logging import bind_client_ip

    request = RequestFactory().get("/", HTTP_X_FORWARDED_FOR="203.0.113.9, 198.51.100.7", REMOTE_ADDR="10.0.0.2")
    structlog.contextvars.clear_contextvars()
    settings.TRUSTED_PROXY_COUNT = 0  # no proxy: the header is anyone's
    bind_client_ip(request)
    assert structlog.contextvars.get_contextvars()["ip"] == "10.0.0.2"
    settings.TRUSTED_PROXY_COUNT = 1
    bind_client_ip(request)
    assert structlog.contextvars.get_contextvars()["ip"] == "198.51.100.7"
    structlog.contextvars.clear_contextvars()
