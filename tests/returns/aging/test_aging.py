"""Aging returns (issue 24, part 4): every change that moves a return's wait moves its aging_* columns; a store's N
and M re-time its waiting returns; the overdue are counted per stage, told to the store once, and counted in its
digest emails."""

import datetime as dt
import json
from typing import Any
from unittest import mock

import pytest
from django.core import mail
from django.utils import timezone

from integrations.models import Notification
from integrations.providers.loop.sandbox import return_payload as loop_return_payload
from integrations.services.notifications import notification_digest_send
from integrations.services.stores import store_update
from integrations.services.webhooks import webhook_process, webhook_receive
from returns.models import Return
from returns.selectors import overdue_counts, returns_overdue
from returns.services.aging import return_aging_refresh, returns_overdue_notify
from returns.services.platform_actions import platform_action_decide
from returns.services.warehouse_events import rma_apply_warehouse_event
from tests.factories import ConnectionFactory, RMAFactory, RMALineFactory, StoreFactory
from tests.integrations.webhooks.signing import signed_headers
from tests.returns.outcomes.conftest import received_event

pytestmark = pytest.mark.django_db
Stage = Return.AgingStage
DAY = dt.timedelta(days=1)


@pytest.fixture
def loop(db: None) -> Any:
    store = StoreFactory(aging_arrival_days=10, aging_close_days=3)
    ConnectionFactory(store=store, provider="shipmonk")
    return ConnectionFactory(store=store, provider="loop")


def _deliver(loop: Any, payload: dict[str, Any]) -> Return:
    body = json.dumps(payload).encode()
    result = webhook_receive(
        provider="loop",
        endpoint_token=loop.endpoint_token,
        headers={"Content-Type": "application/json", **signed_headers(loop, body)},
        body=body,
        remote_addr="127.0.0.1",
    )
    webhook_process(webhook_id=result.webhook.pk)
    return Return.objects.get(external_id=payload["id"])


_EDITS = iter(range(1, 10_000))


def _return(
    loop: Any, *, return_id: str = "880011", state: str = "open", label: dict[str, Any] | None = None
) -> Return:
    """A Loop return event, each one later than the last (Loop's dedupe key holds its edited_at)."""
    edited_at = timezone.now() + dt.timedelta(seconds=next(_EDITS))
    payload = loop_return_payload(
        return_id=return_id,
        order_name="#1042",
        lines=[{"sku": "TEE-BLK-M"}],
        label=label,
        state=state,
        edited_at=edited_at,
    )
    return _deliver(loop, payload)


def test_a_label_starts_the_clock_n_days_long(loop: Any) -> None:
    before = timezone.now()
    ret = _return(loop, label={"carrier": "USPS", "tracking_number": "9400111"})
    assert ret.aging_stage == Stage.LABEL
    assert before <= ret.aging_since <= timezone.now()
    assert ret.aging_due_at == ret.aging_since + 10 * DAY
    no_label = _return(loop, return_id="880012")
    assert (no_label.aging_stage, no_label.aging_due_at) == ("", None)


def test_a_delivered_label_is_due_at_once_a_receipt_gives_m_days_and_processing_ends_it(loop: Any) -> None:
    ret = _return(loop, label={"carrier": "USPS", "tracking_number": "9400111"})
    delivered = _return(loop, label={"carrier": "USPS", "tracking_number": "9400111", "status": "delivered"})
    assert delivered.pk == ret.pk
    shipment = delivered.shipments.get()
    assert shipment.delivered_at is not None
    assert (delivered.aging_stage, delivered.aging_due_at) == (Stage.DELIVERED, shipment.delivered_at)
    assert overdue_counts(now=timezone.now(), store_id=ret.store_id) == {"arrival": 1, "close": 0}

    rma = RMAFactory(return_obj=ret, warehouse_connection=ret.store.connections.get(provider="shipmonk"), number="1042")
    RMALineFactory(rma=rma, sku="TEE-BLK-M", quantity=1)
    with mock.patch("returns.services.outcomes._publish"):
        rma_apply_warehouse_event(
            connection=rma.warehouse_connection, event=received_event("1042", {"TEE-BLK-M": 1}), webhook_id=None
        )
    ret.refresh_from_db()
    rma.refresh_from_db()
    assert (ret.aging_stage, ret.aging_since) == (Stage.RECEIVED, rma.received_at)
    assert ret.aging_due_at == rma.received_at + 3 * DAY
    platform_action_decide(ret, Return.PlatformActionStatus.PROCESSED)
    return_aging_refresh(return_id=ret.pk)
    ret.refresh_from_db()
    assert (ret.aging_stage, ret.aging_due_at) == ("", None)


def test_closed_cancelled_and_live_test_returns_do_not_age(loop: Any) -> None:
    ret = _return(loop, label={"carrier": "USPS", "tracking_number": "9400111"})
    closed = _return(loop, state="closed")
    assert (closed.pk, closed.aging_stage, closed.aging_due_at) == (ret.pk, "", None)
    payload = loop_return_payload(
        return_id="880013", order_name="#1043", lines=[{"sku": "X"}], label={"tracking_number": "9400222"}
    )
    test_return = _deliver(loop, {**payload, "test": True})
    assert (test_return.is_test, test_return.aging_stage) == (True, "")


def test_changing_a_stores_days_re_times_its_waiting_returns(loop: Any) -> None:
    ret = _return(loop, label={"carrier": "USPS", "tracking_number": "9400111"})
    Return.objects.filter(pk=ret.pk).update(aging_notified_at=timezone.now())
    store_update(store=ret.store, data={"aging_arrival_days": 30})
    ret.refresh_from_db()
    assert ret.aging_due_at == ret.aging_since + 30 * DAY
    assert ret.aging_notified_at is None  # not overdue any more: told again when it is


def test_the_store_is_told_once_per_overdue_return_and_its_digest_counts_them(loop: Any, settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    from tests.roles import store_user

    store_user("ana", loop.store)
    late = _return(loop, label={"carrier": "USPS", "tracking_number": "9400111"})
    Return.objects.filter(pk=late.pk).update(
        aging_since=timezone.now() - 12 * DAY, aging_due_at=timezone.now() - 2 * DAY
    )
    on_time = _return(loop, return_id="880012", label={"carrier": "USPS", "tracking_number": "9400222"})
    assert returns_overdue(store_id=loop.store_id, now=timezone.now()) == [late]

    assert returns_overdue_notify() == 1
    assert returns_overdue_notify() == 0  # told once
    notification = Notification.objects.get(kind=Notification.Kind.RETURNS_OVERDUE)
    assert notification.message == "1 return is overdue: #1042 (label created 12 days ago, no warehouse receipt)"
    assert notification.link == f"/setup/stores/{loop.store.slug}/returns/?state=overdue"
    assert notification_digest_send(store_id=loop.store_id, kind=Notification.Kind.RETURNS_OVERDUE) == 1
    (email,) = mail.outbox
    assert email.to == ["ana@example.com"]
    assert "- 1 return is overdue: #1042 (label created 12 days ago, no warehouse receipt)" in email.body
    assert (
        "Overdue returns now: 1 (1 not at the warehouse 10 days after the label or since delivery, 0 received 3 days "
        "ago and not closed on the platform)"
    ) in email.body
    on_time.refresh_from_db()
    assert on_time.aging_notified_at is None


def test_the_migration_gives_returns_already_waiting_their_wait() -> None:
    """Returns from before aging: the backfill sets the wait of the open ones from their labels and RMAs."""
    import importlib

    from django.apps import apps

    from tests.factories import ReturnFactory, ReturnShipmentFactory

    backfill = importlib.import_module("returns.migrations.0011_aging_backfill").backfill
    store = StoreFactory(aging_arrival_days=10, aging_close_days=3)
    labelled, delivered, received, closed, bare = (
        ReturnFactory(store=store, connection=None, state="closed" if n == 3 else "open") for n in range(5)
    )
    for ret in (labelled, delivered, received, closed):
        ReturnShipmentFactory(return_obj=ret, status="delivered" if ret is delivered else "in_transit")
    rma = RMAFactory(return_obj=received, status="received", received_at=timezone.now() - DAY)
    Return.objects.update(aging_stage="", aging_since=None, aging_due_at=None)  # as they were before
    backfill(apps, None)
    stages = dict(Return.objects.values_list("pk", "aging_stage"))
    assert [stages[r.pk] for r in (labelled, delivered, received, closed, bare)] == [
        "label",
        "delivered",
        "received",
        "",
        "",
    ]
    received.refresh_from_db()
    assert received.aging_due_at == rma.received_at + 3 * DAY


def test_beat_tells_the_stores_hourly() -> None:
    from config.celery import app

    entry = app.conf.beat_schedule["returns-overdue-notify"]
    assert entry["task"] == "returns.tasks.returns_overdue_notify"
    assert entry["options"] == {"queue": "sync"}
