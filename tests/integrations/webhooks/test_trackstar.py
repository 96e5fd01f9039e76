"""TrackStar webhooks: Svix signatures, returns, shipments, connection errors."""

import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from integrations.models import Connection, InboundWebhook
from returns.models import RMA, RMALine
from tests.factories import RMAFactory, RMALineFactory
from tests.integrations.webhooks.signing import signed_headers
from warehouses.models import Fulfillment

PROCESSED = InboundWebhook.Status.PROCESSED
pytestmark = pytest.mark.django_db


@pytest.fixture
def rma(connection_for):
    conn = connection_for("trackstar")
    rma = RMAFactory(number="1042", external_id="ret_abc", warehouse_connection=conn, return_obj__store=conn.store)
    RMALineFactory(rma=rma, sku="TEE-BLK-M", quantity=2)
    return rma


def test_return_created(check_webhook, rma):
    check_webhook(
        "trackstar",
        "return_created",
        {RMA: [{"status": "submitted", "warehouse_status": "open"}]},
        webhook_status=PROCESSED,
    )


def test_return_updated_with_receiving_details(check_webhook, rma):
    check_webhook("trackstar", "return_created")
    check_webhook(
        "trackstar",
        "return_updated",
        {
            RMA: [{"status": "received", "outcome": "damaged"}],
            RMALine: [
                {
                    "received_quantity": 2,
                    "restocked_quantity": 1,
                    "receiving_details": [
                        {"quantity": 1, "condition": "good", "disposition": "restocked"},
                        {"quantity": 1, "condition": "damaged", "disposition": "scrapped"},
                    ],
                }
            ],
        },
        webhook_status=PROCESSED,
    )


def test_order_shipment_created(check_webhook):
    check_webhook(
        "trackstar",
        "order_shipment_created",
        {
            Fulfillment: [
                {
                    "shipment_key": "trackstar:shp_1",
                    "external_order_id": "ord_456",
                    "warehouse_code": "wh_123",
                    "tracking_numbers": ["9400100000000000000002"],
                }
            ]
        },
        webhook_status=PROCESSED,
    )


def test_connection_error_sets_health(check_webhook):
    check_webhook(
        "trackstar", "connection_error_created", {Connection: [{"health_message": "Credentials rejected by the WMS"}]}
    )


def test_underscore_event_name_is_matched_leniently_and_ignored(check_webhook):
    webhook = check_webhook(
        "trackstar", "inbound_shipment_updated", status=200, webhook_status=InboundWebhook.Status.IGNORED
    )
    assert webhook.event_type == "inbound-shipment.updated"


@pytest.mark.parametrize("skew", [-301, 301, -3600])
def test_stale_or_future_timestamp_rejected_even_with_valid_hmac(check_webhook, rma, skew):
    webhook = check_webhook(
        "trackstar", "return_created", {RMA: [{"status": "submitted"}]}, status=401, timestamp=int(time.time()) + skew
    )
    assert webhook.verification_reason == "svix-timestamp outside the tolerance window"
    rma.refresh_from_db()
    assert rma.warehouse_status == ""


def test_timestamp_inside_tolerance_accepted(check_webhook, rma):
    check_webhook("trackstar", "return_created", timestamp=int(time.time()) - 290, webhook_status=PROCESSED)


def test_svix_id_is_the_dedupe_key(check_webhook, rma):
    first = check_webhook("trackstar", "return_created", msg_id="msg_same")
    second = check_webhook("trackstar", "return_created", msg_id="msg_same", status=200)
    assert first.dedupe_key == "msg_same"
    assert second.duplicate_of_id == first.pk
    assert second.dedupe_key is None


# Svix itself as the oracle: what the svix package signs, we accept; what it rejects, we reject.

_SVIX_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=200)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    body=_SVIX_TEXT,
    key=st.binary(min_size=16, max_size=40),
    msg_id=st.from_regex(r"msg_[A-Za-z0-9]{1,30}", fullmatch=True),
)
def test_what_svix_signs_our_verifier_accepts_and_svix_verifies(body, key, msg_id):
    import base64

    from django.utils import timezone
    from svix.webhooks import Webhook

    from integrations.services.webhooks import get_webhook_handler

    secret = "whsec_" + base64.b64encode(key).decode()
    conn = Connection(provider="trackstar", webhook_secret=secret)
    raw = body.encode()
    headers = signed_headers(conn, raw, msg_id=msg_id)
    Webhook(secret).verify(raw, headers)  # the oracle accepts its own signature (raises otherwise)
    handler = get_webhook_handler("trackstar")
    assert handler.verify(connection=conn, headers=headers, body=raw, now=timezone.now()).ok
    tampered = raw + b" "
    assert not handler.verify(connection=conn, headers=headers, body=tampered, now=timezone.now()).ok
    other = Connection(provider="trackstar", webhook_secret="whsec_" + base64.b64encode(key[::-1] + b"x").decode())
    assert not handler.verify(connection=other, headers=headers, body=raw, now=timezone.now()).ok


def test_a_return_names_its_parcels_tracking_numbers_and_trackstars_order_id() -> None:
    """What an orphan receipt is matched by, when the return is none of ours."""
    import json

    from integrations.providers.trackstar.mappers import return_event
    from tests.conftest import load_fixture

    data = json.loads(load_fixture("trackstar", "return_updated"))["data"]
    event = return_event(data, None)
    assert (event.tracking_numbers, event.order_refs) == (("9400100000000000000001",), ("ord_456",))
