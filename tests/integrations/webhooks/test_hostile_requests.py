"""Requests found by fuzzing the endpoints: each is stored, answered 2xx/400/401/404/405/413 with a one-line
reason, never 500, and the pages that show it still answer 200 (issue 13).

These run on SQLite and on PostgreSQL; the NUL and column-length cases only fail on PostgreSQL, which
refuses NUL in text and JSON and a varchar value longer than its column.
"""

import json
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from rest_framework.test import APIClient

from integrations.models import InboundWebhook
from integrations.services.webhooks import HEADER_VALUE_KEPT_CHARS
from tests.conftest import load_fixture
from tests.factories import ConnectionFactory

from .conftest import assert_pages_show, post_webhook
from .signing import signed_headers

pytestmark = pytest.mark.django_db
Status = InboundWebhook.Status
DEEP = b"[" * 100_000


def _client() -> Client:
    # A 500 comes back as a response, not as the view's exception, so the status is what is checked.
    return Client(raise_request_exception=False)


def _only_row() -> InboundWebhook:
    return InboundWebhook.objects.get()


def _one_line(response: Any) -> str:
    text = response.content.decode()
    assert text.count("\n") == 1, text[:200]
    assert text.endswith("\n")
    return text.strip()


# Bodies and paths --------------------------------------------------------------------------------


def test_deep_brackets_to_an_unknown_endpoint_are_stored_and_the_pages_still_show_them(settings):
    response = _client().post("/webhooks/loop/no-such-token/", data=DEEP, content_type="application/json")
    assert (response.status_code, _one_line(response)) == (404, "unknown endpoint")
    webhook = _only_row()
    # Never verified: only a prefix is kept (issue 22), with the true length.
    kept = settings.WEBHOOK_REFUSED_BODY_KEPT_BYTES
    assert (bytes(webhook.body), webhook.body_length) == (DEEP[:kept], len(DEEP))
    assert webhook.truncated == {"body": len(DEEP)}
    assert_pages_show([webhook.pk])


def test_deep_brackets_correctly_signed_are_a_400_not_a_crash():
    conn = ConnectionFactory()
    response = post_webhook(_client(), conn, DEEP)
    assert (response.status_code, _one_line(response)) == (400, "body is not JSON we can read: nested too deeply")
    webhook = _only_row()
    assert (webhook.status, webhook.verification, webhook.traceback) == (Status.REJECTED, "valid", "")
    assert_pages_show([webhook.pk])


def test_a_token_with_odd_characters_is_stored_and_answered_404():
    response = _client().post("/webhooks/loop/%C3%A9%00x/", data=b"{}", content_type="application/json")
    assert (response.status_code, _one_line(response)) == (404, "unknown endpoint")
    webhook = _only_row()
    assert (webhook.endpoint_token, webhook.connection_id) == ("é\ufffdx", None)  # the NUL is shown, not dropped
    assert_pages_show([webhook.pk])


def test_a_token_longer_than_its_column_is_cut_and_its_length_kept():
    token = "t" * 500
    response = _client().post(f"/webhooks/redo/{token}/", data=b"{}", content_type="application/json")
    assert response.status_code == 404
    webhook = _only_row()
    assert (webhook.endpoint_token, webhook.truncated) == ("t" * 128, {"endpoint_token": 500})


@pytest.mark.parametrize(
    "body",
    [b"\x00\x00\x00", b'{"topic": "return\x00", "trigger": "return.created", "id": "1"}', b"\xff\xfe{\x00}"],
    ids=["nul-bytes", "raw-nul-in-json", "not-utf8"],
)
def test_nul_bytes_in_a_signed_body_are_stored_as_sent(body):
    conn = ConnectionFactory()
    response = post_webhook(_client(), conn, body)
    assert response.status_code == 400
    assert _one_line(response).startswith("body is not JSON")
    assert bytes(_only_row().body) == body
    assert_pages_show([_only_row().pk])


def test_escaped_nul_in_an_identifier_is_refused_with_its_reason():
    conn = ConnectionFactory()
    body = load_fixture("loop", "return_created").replace(b'"id":"880011"', b'"id":"88\\u00000011"')
    response = post_webhook(_client(), conn, body)
    assert (response.status_code, _one_line(response)) == (400, "external_id contains a NUL character")
    webhook = _only_row()
    assert (webhook.status, webhook.error) == (Status.REJECTED, "external_id contains a NUL character")


def test_escaped_nul_in_an_event_type_is_shown_not_a_database_error():
    conn = ConnectionFactory()
    body = json.dumps({"topic": "ret\u0000urn", "trigger": "x\u0000y", "id": "1"}).encode()
    response = post_webhook(_client(), conn, body)
    assert (response.status_code, _one_line(response)) == (200, "ignored")
    assert _only_row().event_type == "ret\ufffdurn:x\ufffdy"


def test_a_lone_surrogate_in_an_event_type_is_shown_not_a_crash():
    """JSON's "\\ud800" decodes to a str UTF-8 cannot encode: the row stores U+FFFD in its place."""
    conn = ConnectionFactory()
    response = post_webhook(_client(), conn, b'{"topic": "x\\ud800", "trigger": "t", "id": "1"}')
    assert (response.status_code, _one_line(response)) == (200, "ignored")
    assert _only_row().event_type == "x\ufffd:t"
    assert_pages_show([_only_row().pk])


def test_a_header_holding_nul_or_too_long_is_stored_cut():
    conn = ConnectionFactory()
    body = load_fixture("loop", "return_created")
    headers = {**signed_headers(conn, body), "X-Odd": "a\x00b", "X-Long": "v" * 10_000}
    response = post_webhook(_client(), conn, body, headers=headers)
    assert response.status_code == 202
    webhook = _only_row()
    assert (webhook.headers["X-Odd"], len(webhook.headers["X-Long"])) == ("a\ufffdb", HEADER_VALUE_KEPT_CHARS)
    assert webhook.truncated == {"headers.X-Long": 10_000}


# Bodies over Django's upload limit -----------------------------------------------------------------


def test_a_body_over_the_limit_is_413_stored_with_its_true_length(settings):
    # Past Django's DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB), where request.body raises before the view.
    assert settings.WEBHOOK_MAX_BODY_BYTES == settings.DATA_UPLOAD_MAX_MEMORY_SIZE == 2_621_440
    conn = ConnectionFactory()
    body = b'{"pad": "' + b"x" * 3_000_000 + b'"}'
    response = post_webhook(_client(), conn, body)
    assert (response.status_code, _one_line(response)) == (413, f"body too large: {len(body)} bytes, at most 2621440")
    webhook = _only_row()
    assert (webhook.status, webhook.body_length, webhook.truncated) == (
        Status.REJECTED,
        len(body),
        {"body": len(body)},
    )
    # Content-Length said it was too large, so none of it was read (issue 22).
    assert bytes(webhook.body) == b""
    assert_pages_show([webhook.pk])


def test_a_body_over_the_limit_given_to_the_service_is_stored_cut(settings):
    """A caller that read more than the limit (not the view, which stops there) still stores only a prefix."""
    from integrations.services.webhooks import webhook_receive

    conn = ConnectionFactory()
    body = b"x" * (settings.WEBHOOK_MAX_BODY_BYTES + 10)
    result = webhook_receive(
        provider="loop", endpoint_token=conn.endpoint_token, headers={}, body=body, remote_addr="192.0.2.1"
    )
    assert result.status_code == 413
    webhook = _only_row()
    assert bytes(webhook.body) == body[: settings.WEBHOOK_REFUSED_BODY_KEPT_BYTES]
    assert (webhook.body_length, webhook.truncated) == (len(body), {"body": len(body)})


def test_a_body_at_the_limit_is_accepted_whole(settings):
    settings.WEBHOOK_MAX_BODY_BYTES = 4096
    conn = ConnectionFactory()
    body = load_fixture("loop", "return_created").strip()
    body = body[:-1] + b',"pad":"' + b"x" * (4096 - len(body) - 9) + b'"}'
    assert len(body) == 4096
    assert post_webhook(_client(), conn, body).status_code == 202
    assert (bytes(_only_row().body), _only_row().truncated) == (body, {})


# Methods ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"])
def test_a_wrong_method_is_405_and_stored(method):
    conn = ConnectionFactory()
    response = _client().generic(method, conn.webhook_path, data=b"{}", content_type="application/json")
    assert (response.status_code, response["Allow"]) == (405, "POST")
    webhook = _only_row()
    assert (webhook.method, webhook.status, webhook.verification_reason) == (
        method,
        Status.REJECTED,
        f"method {method} not allowed: POST only",
    )
    assert_pages_show([webhook.pk])


# Signed bodies that crashed a verifier or a parser ---------------------------------------------------


def test_a_svix_timestamp_too_large_for_a_float_is_401_not_a_crash():
    conn = ConnectionFactory(provider="trackstar", wms_name="shipmonk")
    body = load_fixture("trackstar", "return_created")
    headers = {**signed_headers(conn, body), "svix-timestamp": "9" * 400}
    response = post_webhook(_client(), conn, body, headers=headers)
    assert response.status_code == 401
    assert _only_row().verification_reason == "svix-timestamp outside the tolerance window"


@pytest.mark.parametrize(
    ("provider", "body"),
    [
        ("shipmonk", {"rma": "1042", "status": "returned", "items": 5}),
        ("shipmonk", {"rma": "1042", "status": "returned", "items": [{"product": "TEE", "receiving_details": 7}]}),
        ("shipmonk", {"order_key": "o-1", "shipped_at": "2025-03-01", "packages": "many", "items": {"a": 1}}),
        ("redo", {"type": "created", "return": {"id": "r1", "order": "#1", "items": 3, "source": []}}),
        ("redo", {"type": "created", "return": {"id": "r1", "shopifyOrderIds": {"a": 1}, "compensationMethods": 2}}),
        ("loop", {"topic": "return", "trigger": "return.created", "id": "1", "line_items": {"sku": "A"}}),
        (
            "loop",
            {"topic": "return", "trigger": "return.created", "id": "1", "line_items": [{"sku": "A", "quantity": "x"}]},
        ),
        ("trackstar", {"event_type": "return.updated", "data": {"id": "r1", "shipments": 1, "line_items": "x"}}),
    ],
)
def test_wrong_types_in_a_signed_payload_are_read_leniently(provider, body):
    """A container of the wrong type is read as absent (before: TypeError / AttributeError, a 500)."""
    conn = ConnectionFactory(provider=provider, **({"wms_name": "shipmonk"} if provider == "trackstar" else {}))
    response = post_webhook(_client(), conn, json.dumps(body).encode())
    assert response.status_code in (200, 202), response.content
    assert _only_row().traceback == ""


@pytest.mark.parametrize(
    "value",
    ["1e999999999", 1e308 * 10, "NaN", "-Infinity", 10**30],
    ids=["huge-exponent", "float-inf", "nan", "-inf", "huge-int"],
)
def test_numbers_out_of_range_are_not_a_crash(value):
    conn = ConnectionFactory(provider="shipmonk")
    body = {"rma": "1042", "status": "returned", "updated_at": value, "items": [{"received_quantity": value}]}
    response = post_webhook(_client(), conn, json.dumps(body).encode())
    assert response.status_code == 202, response.content
    assert _only_row().traceback == ""


@pytest.mark.parametrize("stamp", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", 10**20, "9" * 40])
def test_times_outside_the_calendar_are_read_as_unknown(stamp):
    conn = ConnectionFactory()
    payload = json.loads(load_fixture("loop", "return_created"))
    payload["created_at"] = stamp
    response = post_webhook(_client(), conn, json.dumps(payload).encode())
    assert response.status_code == 202, response.content


def test_a_parser_that_still_raises_leaves_a_failed_row_and_a_400(monkeypatch):
    from integrations.providers.loop.webhooks import LoopWebhooks

    def crash(self: Any, **kwargs: Any) -> Any:
        raise KeyError("parser bug")

    monkeypatch.setattr(LoopWebhooks, "parse", crash)
    conn = ConnectionFactory()
    response = post_webhook(_client(), conn, load_fixture("loop", "return_created"))
    assert (response.status_code, _one_line(response)) == (400, "payload could not be read (KeyError)")
    webhook = _only_row()
    assert (webhook.status, webhook.verification, webhook.error) == (Status.FAILED, "valid", "KeyError: 'parser bug'")
    assert "parser bug" in webhook.traceback
    # Support replays it (say, after a fix): the replay answers, even while the parser still raises.
    staff = get_user_model().objects.create_superuser("support", "support@example.com", "pw")
    api = APIClient()
    api.force_authenticate(staff)
    replayed = api.post(f"/api/v1/webhooks/{webhook.pk}/replay/")
    assert (replayed.status_code, replayed.json()["status"]) == (200, Status.PENDING)


# Values longer than their column in the event -------------------------------------------------------------


def test_event_values_longer_than_their_column_are_cut_and_noted():
    conn = ConnectionFactory()
    payload = json.loads(load_fixture("loop", "return_created"))
    payload["customer_detail"]["first_name"] = "J" * 400
    payload["line_items"][0]["title"] = "T" * 1000
    response = post_webhook(_client(), conn, json.dumps(payload).encode())
    assert response.status_code == 202
    assert _only_row().truncated == {
        "events[0].payload.data.customer_name": 404,
        "events[0].payload.data.lines[0].title": 1000,
    }


def test_an_identifier_longer_than_its_column_is_refused_with_its_reason():
    conn = ConnectionFactory()
    payload = json.loads(load_fixture("loop", "return_created"))
    payload["line_items"][0]["sku"] = payload["line_items"][1]["sku"] = "S" * 250
    response = post_webhook(_client(), conn, json.dumps(payload).encode())
    assert (response.status_code, _one_line(response)) == (400, "sku is 250 characters long (at most 200)")


def test_the_api_shows_the_true_length_and_what_was_cut(admin_client):
    response = _client().post("/webhooks/loop/" + "t" * 300 + "/", data=DEEP * 2, content_type="application/json")
    assert response.status_code == 404
    api = admin_client.get(f"/api/v1/webhooks/{_only_row().pk}/").json()
    assert (api["body_length"], api["truncated"], api["method"]) == (
        200_000,
        {"endpoint_token": 300, "body": 200_000},
        "POST",
    )
    assert api["body"].startswith("[[[[")
    assert api["body"].endswith("of 200,000 bytes were stored)")
