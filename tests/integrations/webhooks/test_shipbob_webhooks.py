"""ShipBob webhooks: Standard Webhooks signatures (`webhook-` headers, whsec_ secret) checked against the svix
package as an independent signer; the topic from x-webhook-topic; every likely body shape (ShipBob documents
none) read; a body without SKUs completed from GET /return/{id}; what each action taken means for the outcome."""

import base64
import copy
import datetime as dt
import json
import time
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from pytest_httpserver import HTTPServer

from integrations.models import ApiCall, Connection, InboundWebhook
from integrations.services.webhooks import get_webhook_handler
from returns.models import RMA, RMALine
from tests.conftest import load_fixture
from tests.factories import RMAFactory, RMALineFactory
from tests.integrations.webhooks.conftest import post_webhook
from tests.integrations.webhooks.signing import signed_headers

PROCESSED = InboundWebhook.Status.PROCESSED
pytestmark = pytest.mark.django_db
RETURN_PATH = "/2026-01/return/1234567"


def _fixture(name: str) -> dict[str, Any]:
    return json.loads(load_fixture("shipbob", name))


@pytest.fixture
def shipbob(connection_for: Any, httpserver: HTTPServer) -> Connection:
    """A ShipBob connection whose API is the local fake (a body without SKUs is completed from it)."""
    return connection_for("shipbob", base_url=httpserver.url_for("").rstrip("/"), external_account_id="56232")


@pytest.fixture
def rma(shipbob: Connection) -> RMA:
    rma = RMAFactory(
        number="1042", external_id="1234567", warehouse_connection=shipbob, return_obj__store=shipbob.store
    )
    RMALineFactory(rma=rma, sku="TEE-BLK-M", quantity=2)
    return rma


def _post(client: Client, connection: Connection, payload: Any, **sign: Any) -> InboundWebhook:
    """POST a signed body and process it inline (the test transaction never commits: nothing is published)."""
    from integrations.services.webhooks import webhook_process

    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    response = post_webhook(client, connection, body, **sign)
    webhook = InboundWebhook.objects.order_by("-id").first()
    assert webhook is not None
    webhook.response_status = response.status_code  # type: ignore[attr-defined]
    if webhook.status == InboundWebhook.Status.PENDING:
        webhook_process(webhook_id=webhook.pk)
        webhook.refresh_from_db()
        webhook.response_status = response.status_code  # type: ignore[attr-defined]
    return webhook


def _line(rma: RMA) -> RMALine:
    return rma.lines.get()


# -- topics and statuses --------------------------------------------------------------------------


def test_return_created_marks_the_rma_submitted_without_reading_the_api(client: Client, rma: RMA) -> None:
    rma.status = RMA.Status.PENDING
    rma.save()
    webhook = _post(client, rma.warehouse_connection, load_fixture("shipbob", "return_created"), topic="return.created")
    assert (webhook.status, webhook.event_type) == (PROCESSED, "return.created")
    rma.refresh_from_db()
    assert (rma.status, rma.warehouse_status) == ("submitted", "AwaitingArrival")
    assert rma.warehouse_updated_at == dt.datetime(2026, 2, 1, 15, 4, 5, tzinfo=dt.UTC)
    assert not ApiCall.objects.exists()  # nothing to read while the goods are on their way


def test_return_updated_with_skus_is_applied_as_sent(client: Client, rma: RMA) -> None:
    webhook = _post(client, rma.warehouse_connection, load_fixture("shipbob", "return_updated"))
    assert webhook.status == PROCESSED
    rma.refresh_from_db()
    assert (rma.status, rma.warehouse_status) == ("receiving", "Arrived")
    assert rma.warehouse_updated_at == dt.datetime(2026, 2, 5, 10, 0, tzinfo=dt.UTC)
    assert not ApiCall.objects.exists()


@pytest.mark.parametrize(
    ("word", "status"),
    [
        ("AwaitingArrival", "submitted"),
        ("Awaiting Arrival", "submitted"),
        ("awaiting_arrival", "submitted"),
        ("Arrived", "receiving"),
        ("PROCESSING", "receiving"),
        ("Completed", "received"),
        ("Cancelled", "cancelled"),
        ("Canceled", "cancelled"),
        ("Misplaced", ""),
    ],
)
def test_statuses_are_read_without_spaces_or_case(word: str, status: str) -> None:
    from integrations.providers.shipbob.mappers import return_event

    body = _fixture("return_get_completed")
    body["status"] = word
    event = return_event(body)
    assert (event.status, event.warehouse_status) == (status, word)


def test_a_completed_body_without_skus_is_read_from_the_api(client: Client, rma: RMA, httpserver: HTTPServer) -> None:
    httpserver.expect_request(RETURN_PATH, method="GET").respond_with_json(_fixture("return_get_completed"))
    webhook = _post(
        client, rma.warehouse_connection, load_fixture("shipbob", "return_completed"), topic="return.completed"
    )
    assert webhook.status == PROCESSED, webhook.error
    rma.refresh_from_db()
    assert (rma.status, rma.outcome, rma.warehouse_status) == ("received", "fully_received", "Completed")
    assert rma.received_at == dt.datetime(2026, 2, 5, 12, 0, tzinfo=dt.UTC)
    line = _line(rma)
    assert (line.received_quantity, line.restocked_quantity) == (2, 2)
    assert line.receiving_details == [
        {
            "quantity": 2,
            "condition": "good",
            "disposition": "restocked",
            "action": "Restock",
            "reason": "Passed inspection",
        }
    ]
    call = ApiCall.objects.get()
    assert (call.operation, call.method, call.status_code) == ("rma_get", "GET", 200)
    assert call.request_headers["Authorization"] != "Bearer test-api-key"  # kept redacted


def test_a_refused_read_still_applies_the_status_and_says_why(client: Client, rma: RMA, httpserver: HTTPServer) -> None:
    httpserver.expect_request(RETURN_PATH).respond_with_json(
        {"type": None, "title": "Not Found", "status": 404, "detail": "Return 1234567 was not found."}, status=404
    )
    webhook = _post(client, rma.warehouse_connection, load_fixture("shipbob", "return_completed"))
    assert webhook.status == PROCESSED
    rma.refresh_from_db()
    assert rma.status == "received"
    warning = rma.return_obj.timeline.get(kind="rma_quantities_unavailable")
    assert "Return 1234567 was not found." in warning.message


def test_an_unavailable_api_fails_the_delivery_for_a_retry(client: Client, rma: RMA, httpserver: HTTPServer) -> None:
    httpserver.expect_request(RETURN_PATH).respond_with_json({"message": "down"}, status=503)
    webhook = _post(client, rma.warehouse_connection, load_fixture("shipbob", "return_completed"))
    assert webhook.status != PROCESSED
    assert "ProviderUnavailable" in webhook.error
    rma.refresh_from_db()
    assert rma.status == "submitted"  # nothing applied without its quantities


def test_other_topics_are_answered_and_ignored(client: Client, shipbob: Connection) -> None:
    webhook = _post(client, shipbob, {"id": 55, "order_number": "#1042"}, topic="order.shipped")
    assert (webhook.response_status, webhook.status) == (200, InboundWebhook.Status.IGNORED)  # type: ignore[attr-defined]
    assert webhook.error == "ShipBob order.shipped is not handled"


def test_a_delivery_without_a_topic_is_refused(client: Client, shipbob: Connection) -> None:
    body = load_fixture("shipbob", "return_updated")
    headers = {k: v for k, v in signed_headers(shipbob, body).items() if k != "x-webhook-topic"}
    response = post_webhook(client, shipbob, body, headers=headers)
    assert response.status_code == 400
    assert InboundWebhook.objects.get().error == "missing x-webhook-topic header: not a ShipBob webhook"


def test_a_body_that_names_no_return_is_refused(client: Client, shipbob: Connection) -> None:
    response = post_webhook(client, shipbob, json.dumps({"hello": "world"}).encode())
    assert response.status_code == 400
    assert "names no return" in InboundWebhook.objects.get().error


# -- body shapes (none is documented) --------------------------------------------------------------


def _with_skus(status: str = "Completed") -> dict[str, Any]:
    body = _fixture("return_get_completed")
    body["status"] = status
    return body


@pytest.mark.parametrize(
    "wrap",
    [
        pytest.param(lambda r: r, id="top-level"),
        pytest.param(lambda r: {"return": r}, id="return"),
        pytest.param(lambda r: {"id": "evt_1", "data": r}, id="data"),
        pytest.param(lambda r: {"data": {"return": r}}, id="data.return"),
        pytest.param(lambda r: {"topic": "return.completed", "data": r}, id="topic-in-body"),
    ],
)
def test_every_likely_envelope_is_read(client: Client, rma: RMA, wrap: Any) -> None:
    body = wrap(_with_skus())
    sign = {"topic": "return.completed"}
    if "topic" in body:  # no header: the body's topic counts
        raw = json.dumps(body).encode()
        headers = {k: v for k, v in signed_headers(rma.warehouse_connection, raw).items() if k != "x-webhook-topic"}
        response = post_webhook(client, rma.warehouse_connection, raw, headers=headers)
        assert response.status_code == 202
        from integrations.services.webhooks import webhook_process

        webhook_process(webhook_id=InboundWebhook.objects.get().pk)
    else:
        _post(client, rma.warehouse_connection, body, **sign)
    rma.refresh_from_db()
    assert (rma.status, rma.outcome) == ("received", "fully_received")
    assert InboundWebhook.objects.get().event_type == "return.completed"


@pytest.mark.parametrize(
    ("body", "path", "query"),
    [
        pytest.param({"return_id": 1234567}, RETURN_PATH, None, id="return_id"),
        pytest.param({"data": {"return_id": 1234567}}, RETURN_PATH, None, id="data.return_id"),
        pytest.param({"id": 1234567}, RETURN_PATH, None, id="id"),
        pytest.param({"reference_id": "1042"}, "/2026-01/return", {"ReferenceIds": "1042"}, id="reference_id"),
    ],
)
def test_a_body_naming_only_the_return_is_read_from_the_api(
    client: Client, rma: RMA, httpserver: HTTPServer, body: dict[str, Any], path: str, query: Any
) -> None:
    found = _fixture("return_get_completed")
    answer = {"items": [found], "first": None, "prev": None, "next": None, "last": None} if query else found
    httpserver.expect_request(path, method="GET", query_string=query).respond_with_json(answer)
    webhook = _post(client, rma.warehouse_connection, body, topic="return.completed")
    assert webhook.status == PROCESSED, webhook.error
    rma.refresh_from_db()
    assert (rma.status, rma.outcome, _line(rma).received_quantity) == ("received", "fully_received", 2)


# -- what each action taken means ------------------------------------------------------------------


def _taken(*actions: tuple[str, int, str, str | None]) -> dict[str, Any]:
    body = _with_skus()
    body["inventory"][0]["action_taken"] = [
        {"action": action, "quantity_processed": quantity, "action_reason": reason, "image_url": image}
        for action, quantity, reason, image in actions
    ]
    return body


def test_a_full_restock_is_fully_received(client: Client, rma: RMA) -> None:
    _post(client, rma.warehouse_connection, _taken(("Restock", 1, "Passed", None), ("Restock", 1, "Passed", None)))
    rma.refresh_from_db()
    line = _line(rma)
    assert (rma.outcome, line.received_quantity, line.restocked_quantity) == ("fully_received", 2, 2)


def test_fewer_units_processed_than_expected_is_short(client: Client, rma: RMA) -> None:
    _post(client, rma.warehouse_connection, _taken(("Restock", 1, "Passed inspection", None)))
    rma.refresh_from_db()
    line = _line(rma)
    assert (rma.outcome, line.received_quantity, line.restocked_quantity) == ("short", 1, 1)


def test_a_completed_return_with_nothing_processed_is_short(client: Client, rma: RMA) -> None:
    _post(client, rma.warehouse_connection, _taken())
    rma.refresh_from_db()
    assert (rma.status, rma.outcome, _line(rma).received_quantity) == ("received", "short", 0)


@pytest.mark.parametrize(("action", "disposition"), [("Quarantine", "quarantined"), ("Dispose", "disposed")])
def test_units_not_restocked_are_damaged_with_the_warehouses_evidence(
    client: Client, rma: RMA, action: str, disposition: str
) -> None:
    photo = "https://cdn.shipbob.com/returns/1234567/1.jpg"
    _post(
        client,
        rma.warehouse_connection,
        _taken(("Restock", 1, "Passed inspection", None), (action, 1, "Torn seam", photo)),
    )
    rma.refresh_from_db()
    line = _line(rma)
    assert (rma.outcome, line.received_quantity, line.restocked_quantity) == ("damaged", 2, 1)
    assert line.receiving_details == [
        {
            "quantity": 1,
            "condition": "good",
            "disposition": "restocked",
            "action": "Restock",
            "reason": "Passed inspection",
        },
        {
            "quantity": 1,
            "condition": "damaged",
            "disposition": disposition,
            "action": action,
            "reason": "Torn seam",
            "image_url": photo,
        },
    ]


def test_two_inventory_lines_of_one_sku_are_summed() -> None:
    from integrations.providers.shipbob.mappers import return_lines

    body = _taken(("Restock", 1, "ok", None))
    second = copy.deepcopy(body["inventory"][0])
    second.update({"id": 7, "quantity": 1, "action_taken": [{"action": "Dispose", "quantity_processed": 1}]})
    body["inventory"].append(second)
    (line,) = return_lines(body) or ()
    assert (line.sku, line.expected_quantity, line.received_quantity, line.restocked_quantity) == ("TEE-BLK-M", 3, 2, 1)


# -- signatures -----------------------------------------------------------------------------------


def test_a_wrong_secret_is_refused(client: Client, rma: RMA) -> None:
    other = "whsec_" + base64.b64encode(b"another-subscription-key").decode()
    webhook = _post(client, rma.warehouse_connection, _with_skus(), secret=other)
    assert webhook.response_status == 401  # type: ignore[attr-defined]
    assert webhook.verification_reason == "webhook-signature does not match"
    rma.refresh_from_db()
    assert rma.status == "submitted"


def test_a_tampered_body_is_refused(client: Client, rma: RMA) -> None:
    raw = json.dumps(_with_skus()).encode()
    headers = signed_headers(rma.warehouse_connection, raw)
    response = post_webhook(client, rma.warehouse_connection, raw.replace(b"Completed", b"Cancelled"), headers=headers)
    assert response.status_code == 401


@pytest.mark.parametrize("skew", [-301, 301, -86400])
def test_a_stale_or_future_timestamp_is_refused_even_when_signed(client: Client, rma: RMA, skew: int) -> None:
    webhook = _post(client, rma.warehouse_connection, _with_skus(), timestamp=int(time.time()) + skew)
    assert webhook.response_status == 401  # type: ignore[attr-defined]
    assert webhook.verification_reason == "webhook-timestamp outside the tolerance window"


def test_missing_signature_headers_are_refused(client: Client, rma: RMA) -> None:
    response = post_webhook(client, rma.warehouse_connection, b"{}", headers={"x-webhook-topic": "return.updated"})
    assert response.status_code == 401
    assert InboundWebhook.objects.get().verification_reason == (
        "missing webhook-id, webhook-timestamp or webhook-signature header"
    )


def test_the_previous_secret_verifies_until_its_rotation_window_closes(client: Client, rma: RMA) -> None:
    connection = rma.warehouse_connection
    old = connection.webhook_secret
    connection.previous_webhook_secret = old
    connection.previous_webhook_secret_expires_at = timezone.now() + dt.timedelta(hours=1)
    connection.webhook_secret = "whsec_" + base64.b64encode(b"the-new-subscription-key-24").decode()
    connection.save()
    assert _post(client, connection, _with_skus("Arrived"), secret=old).status == PROCESSED
    assert _post(client, connection, _with_skus("Arrived"), secret=connection.webhook_secret).status == PROCESSED
    Connection.objects.filter(pk=connection.pk).update(previous_webhook_secret_expires_at=timezone.now())
    connection.refresh_from_db()
    refused = _post(client, connection, _with_skus("Completed"), secret=old)
    assert refused.verification_reason == "webhook-signature does not match"


def test_the_webhook_id_is_the_dedupe_key(client: Client, rma: RMA) -> None:
    first = _post(client, rma.warehouse_connection, _with_skus(), msg_id="msg_31eW7bWRi16lL0Ajjik68kfyeUh")
    second = _post(client, rma.warehouse_connection, _with_skus(), msg_id="msg_31eW7bWRi16lL0Ajjik68kfyeUh")
    assert first.dedupe_key == first.external_event_id == "msg_31eW7bWRi16lL0Ajjik68kfyeUh"
    assert (second.response_status, second.duplicate_of_id) == (200, first.pk)  # type: ignore[attr-defined]


def test_the_documented_example_secret_verifies() -> None:
    """The signing steps of ShipBob's webhooks page with its example secret, signed by svix (not our helper)."""
    from svix.webhooks import Webhook

    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    body = b'{"id":123456,"reference_id":"RMA-1001","status":"Completed"}'
    sent = dt.datetime.fromtimestamp(1767225600, tz=dt.UTC)
    signature = Webhook(secret).sign("msg_2abcDEFghiJKLmnoPQRstuVWXyz", sent, body.decode())
    assert signature == "v1,91ypasqzXF0LDl5AOfcp3Pg/qfFcGX7AQ6r1n2WNN+Q="  # the vector in PROVIDER.md
    headers = {"webhook-id": "msg_2abcDEFghiJKLmnoPQRstuVWXyz", "webhook-timestamp": "1767225600"}
    handler = get_webhook_handler("shipbob")
    connection = Connection(provider="shipbob", webhook_secret=secret)
    # Several space-separated signatures: any one that matches will do (a rotation at ShipBob's end).
    headers["webhook-signature"] = f"v1,bm90LXRoaXMtb25l {signature}"
    assert handler.verify(connection=connection, headers=headers, body=body, now=sent).ok
    headers["webhook-signature"] = "v1,bm90LXRoaXMtb25l"
    assert not handler.verify(connection=connection, headers=headers, body=body, now=sent).ok
