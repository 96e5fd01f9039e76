"""Endpoint tokens are secrets that travel in URLs: no log line, Sentry event or ApiCall keeps one,
only a short hash of it (issue 13)."""

import io
import json
import logging
from collections.abc import Iterator
from logging.config import dictConfig
from typing import Any

import pytest
import structlog
from django.conf import settings
from django.test import Client
from pytest_httpserver import HTTPServer

from config.logging import endpoint_token_hash, scrub_sentry_event
from integrations.models import ApiCall
from tests.factories import ConnectionFactory

pytestmark = pytest.mark.django_db

UNKNOWN_TOKEN = "Unknown-Token-Value-0123456789abcdef"


@pytest.fixture
def log_output() -> Iterator[io.StringIO]:
    """What the configured JSON handler writes to stdout, for every logger that reaches the root."""
    dictConfig(settings.LOGGING)
    root = logging.getLogger()
    console = next(h for h in root.handlers if isinstance(h.formatter, structlog.stdlib.ProcessorFormatter))
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(console.formatter)
    root.addHandler(handler)
    try:
        yield stream
    finally:
        root.removeHandler(handler)


def test_webhook_request_logs_carry_a_hash_of_the_token_never_the_token(log_output: io.StringIO) -> None:
    connection = ConnectionFactory()
    client = Client(raise_request_exception=False)
    unsigned = client.post(connection.webhook_path, b"{}", content_type="application/json")
    unknown = client.post(f"/webhooks/loop/{UNKNOWN_TOKEN}/", b"{}", content_type="application/json")
    assert (unsigned.status_code, unknown.status_code) == (401, 404)

    output = log_output.getvalue()
    lines = [json.loads(line) for line in output.splitlines()]
    events = {line["event"] for line in lines}
    # The request logs are there (django-structlog and django.request's 4xx warnings) ...
    assert {"request_started", "request_finished"} <= events
    assert any(event.startswith("Not Found: /webhooks/loop/") for event in events)
    # ... with the tokens replaced by their hashes.
    for token in (connection.endpoint_token, UNKNOWN_TOKEN):
        assert token not in output
        assert f"/webhooks/loop/<sha256:{endpoint_token_hash(token)}>/" in output


def test_runserver_request_lines_are_masked_too() -> None:
    dictConfig(settings.LOGGING)
    [handler] = logging.getLogger("django.server").handlers
    record = logging.LogRecord(
        "django.server",
        logging.INFO,
        __file__,
        1,
        '"%s" %s %s',
        (f"POST /webhooks/loop/{UNKNOWN_TOKEN}/", 202, 3),
        None,
    )
    line = handler.format(record)
    assert UNKNOWN_TOKEN not in line
    assert endpoint_token_hash(UNKNOWN_TOKEN) in line


def test_an_exception_traceback_naming_the_path_is_masked(log_output: io.StringIO) -> None:
    try:
        raise ValueError(f"could not route /webhooks/shipmonk/{UNKNOWN_TOKEN}/")
    except ValueError:
        logging.getLogger("django.request").exception("Internal Server Error: /webhooks/shipmonk/%s/", UNKNOWN_TOKEN)
    output = log_output.getvalue()
    assert "ValueError: could not route /webhooks/shipmonk/<sha256:" in output
    assert UNKNOWN_TOKEN not in output


def test_sentry_events_are_masked() -> None:
    url = f"https://backhaul.example.com/webhooks/loop/{UNKNOWN_TOKEN}/"
    event: Any = {
        "request": {"url": url, "headers": {"Authorization": "Basic abc"}},
        "breadcrumbs": {
            "values": [{"category": "django.request", "message": f"Not Found: /webhooks/loop/{UNKNOWN_TOKEN}/"}]
        },
        "exception": {"values": [{"type": "ValueError", "value": f"bad {url}"}]},
    }
    scrubbed = json.dumps(scrub_sentry_event(event, {}))
    assert UNKNOWN_TOKEN not in scrubbed
    assert "Basic abc" not in scrubbed
    assert endpoint_token_hash(UNKNOWN_TOKEN) in scrubbed


def test_api_calls_that_carry_our_webhook_url_store_only_the_hash(httpserver: HTTPServer) -> None:
    from integrations.providers.shipmonk import ShipMonkClient

    connection = ConnectionFactory(provider="shipmonk")
    url = f"https://backhaul.example.com{connection.webhook_path}"
    httpserver.expect_request("/v1/webhooks", method="POST").respond_with_json({"data": {"url": url}})
    client = ShipMonkClient(api_key="k" * 8, base_url=httpserver.url_for("/"))
    client.request("POST", "/v1/webhooks", operation="webhook_register", json_body={"url": url})
    stored = json.dumps(list(ApiCall.objects.values("request_body", "response_body", "url")))
    assert connection.endpoint_token not in stored
    assert endpoint_token_hash(connection.endpoint_token) in stored


def test_invite_tokens_are_masked_in_request_logs_and_sentry_events(log_output: io.StringIO) -> None:
    from integrations.services.invites import invite_create
    from tests.factories import StoreFactory

    url = invite_create(store=StoreFactory(), created_by=None).url
    token = url.rstrip("/").rsplit("/", 1)[1]
    client = Client(raise_request_exception=False)
    assert client.get(url.removeprefix(settings.PUBLIC_BASE_URL)).status_code == 200
    assert client.get(f"/setup/invite/{UNKNOWN_TOKEN}/").status_code == 400

    output = log_output.getvalue()
    assert "request_started" in output
    for secret in (token, UNKNOWN_TOKEN):
        assert secret not in output
        assert f"/setup/invite/<sha256:{endpoint_token_hash(secret)}>/" in output
    event: Any = {"request": {"url": url}, "breadcrumbs": {"values": [{"message": f"GET {url}"}]}}
    scrubbed = json.dumps(scrub_sentry_event(event, {}))
    assert token not in scrubbed
    assert endpoint_token_hash(token) in scrubbed
