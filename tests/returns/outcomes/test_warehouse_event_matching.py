"""A warehouse event is matched by our RMA number first (issue 13): when the number and the WMS's own id
name different RMAs, nothing is applied, the platform is told nothing, and support sees why."""

import json
from typing import Any

import pytest
from django.test import Client
from pytest_httpserver import HTTPServer

from integrations.models import InboundWebhook
from integrations.services.webhooks import webhook_process
from returns.models import RMA, Return, TimelineEvent
from tests.conftest import load_fixture, running_worker, wait_for
from tests.integrations.webhooks.conftest import post_webhook
from tests.returns.outcomes.conftest import make_world
from tests.returns.rmas.conftest import Recorder, json_response

LOOP_RETURN = "/warehouse/return/880011"
Status = InboundWebhook.Status


def _returned(*, rma: str, shipmonk_id: int, sku: str = "TEE-BLK-M", quantity: int = 2) -> bytes:
    """ShipMonk `returned` for `rma`, everything received in good condition."""
    body = json.loads(load_fixture("shipmonk", "return_status_returned"))
    body["rma"], body["id"] = rma, shipmonk_id
    item = body["items"][0]
    item["product"]["sku"] = sku
    item["expected_quantity"] = item["received_quantity"] = quantity
    item["receiving_details"][0]["expected_quantity"] = item["receiving_details"][0]["received_quantity"] = quantity
    return json.dumps(body).encode()


def _settled(webhook_id: int) -> InboundWebhook | None:
    webhook = InboundWebhook.objects.get(pk=webhook_id)
    return webhook if webhook.status not in (Status.PENDING, Status.PROCESSING) else None


def _deliver(connection: Any, body: bytes) -> InboundWebhook:
    """Post through the endpoint; a real worker processes it."""
    assert post_webhook(Client(), connection, body).status_code == 202
    webhook_id = InboundWebhook.objects.order_by("-id").values_list("pk", flat=True)[0]
    return wait_for(lambda: _settled(webhook_id), timeout=30)


def _warned(webhook: InboundWebhook) -> list[str]:
    entries = TimelineEvent.objects.filter(kind="warehouse_event_mismatch", level="warning", webhook_id=webhook.pk)
    return sorted(entry.rma.number for entry in entries)


@pytest.mark.worker
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_unknown_rma_is_not_applied_to_the_rma_its_wms_id_names(httpserver: HTTPServer) -> None:
    loop = {name: Recorder(json_response(True)) for name in ("process", "flag", "note")}
    for name, recorder in loop.items():
        httpserver.expect_request(f"{LOOP_RETURN}/{name}", method="POST").respond_with_handler(recorder)
    for step in ("grade", "assess"):  # ShipMonk's final disposition is graded first
        httpserver.expect_request(f"/dispositioning/{step}", method="POST").respond_with_data('{"items": []}')
    ret, (rma,) = make_world(httpserver)
    RMA.objects.filter(pk=rma.pk).update(external_id="5501")
    with running_worker(concurrency=1):
        mismatched = _deliver(rma.warehouse_connection, _returned(rma="9999", shipmonk_id=5501))
        assert (mismatched.status, mismatched.error) == (
            Status.IGNORED,
            "ShipMonk event names rma 9999 (none of our RMAs) but ShipMonk id 5501, which is RMA 1042: "
            "nothing applied, kept for support",
        )
        rma.refresh_from_db()
        ret.refresh_from_db()
        # Decided in the webhook's own transaction: had the event been applied, this would show it now.
        assert (rma.status, rma.outcome, ret.platform_action) == ("submitted", "", "")
        assert _warned(mismatched) == ["1042"]

        # The same receipt under its own number is applied and reaches Loop: the worker and the fakes work.
        matched = _deliver(rma.warehouse_connection, _returned(rma="1042", shipmonk_id=5501))
        assert matched.status == Status.PROCESSED
        wait_for(lambda: loop["process"].count == 1, timeout=30)
    assert {name: r.count for name, r in loop.items()} == {"process": 1, "flag": 0, "note": 0}
    assert Return.objects.get().platform_action == "process"


@pytest.mark.django_db
def test_an_rma_and_a_wms_id_naming_two_rmas_apply_to_neither(httpserver: HTTPServer) -> None:
    _, (first, second) = make_world(httpserver, rmas=(("1042", {"TEE-BLK-M": 2}), ("1043", {"CAP-RED": 1})))
    RMA.objects.filter(pk=first.pk).update(external_id="5501")
    RMA.objects.filter(pk=second.pk).update(external_id="5502")
    body = _returned(rma="1043", shipmonk_id=5501, sku="CAP-RED", quantity=1)
    assert post_webhook(Client(), first.warehouse_connection, body).status_code == 202
    webhook = InboundWebhook.objects.get()
    assert webhook_process(webhook_id=webhook.pk) == Status.IGNORED
    webhook.refresh_from_db()
    assert webhook.error == (
        "ShipMonk event names rma 1043 (RMA 1043) but ShipMonk id 5501, which is RMA 1042: "
        "nothing applied, kept for support"
    )
    assert set(RMA.objects.values_list("status", "outcome")) == {("submitted", "")}
    assert _warned(webhook) == ["1042", "1043"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("stored_external_id", "other_number", "other_external_id"),
    [
        ("", "1043", "5502"),  # the RMA has no WMS id yet
        ("5599", "1043", "5502"),  # the RMA has another (older) WMS id, and no other RMA has this one
        # The other RMA's push got no id back, so its external id is its own number, 5501: not a WMS id.
        ("", "5501", "5501"),
    ],
    ids=["no-wms-id-yet", "an-older-wms-id", "a-number-standing-in-for-an-id"],
)
def test_the_rma_named_by_number_is_applied_when_no_other_rma_has_the_wms_id(
    httpserver, stored_external_id, other_number, other_external_id
) -> None:
    _, (rma, other) = make_world(httpserver, rmas=(("1042", {"TEE-BLK-M": 2}), (other_number, {"CAP-RED": 1})))
    RMA.objects.filter(pk=rma.pk).update(external_id=stored_external_id)
    RMA.objects.filter(pk=other.pk).update(external_id=other_external_id)
    assert post_webhook(Client(), rma.warehouse_connection, _returned(rma="1042", shipmonk_id=5501)).status_code == 202
    assert webhook_process(webhook_id=InboundWebhook.objects.get().pk) == Status.PROCESSED
    rma.refresh_from_db()
    other.refresh_from_db()
    assert (rma.status, other.status) == ("received", "submitted")
