"""Issue 24 end to end, over real HTTP with the sandbox's Loop and ShipMonk and a real worker.

A store wired to the sandbox (a live store trying the sandbox, as the wizard leaves it) gets four Loop returns;
their RMAs reach the sandbox ShipMonk. Then the warehouse receives parcels it cannot tie to an RMA, and tells the
store through the sandbox's own webhooks:
- #1001's parcel without its RMA number but with its label: matched by tracking number, processed in Loop once,
  also when ShipMonk delivers the webhook again;
- #1042's and #1077's parcels with nothing to match: in the inbox, linked by hand (support in the admin, a store
  member on the store's page), each processed in Loop once;
- #1099's label is delivered by the carrier and no receipt follows: overdue on the support overview and in the
  store's digest email.
"""

from typing import Any

import pytest
from django.core import mail
from django.db import OperationalError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from integrations.models import Notification, Store, StoreMembership
from integrations.providers.loop.sandbox import return_payload as loop_return_payload
from integrations.sandbox.demo import demo_store_create
from integrations.sandbox.models import SandboxPlatformCall, SandboxReturn, SandboxWebhookDelivery
from integrations.sandbox.services import sandbox_receive_without_rma, sandbox_webhook_deliver, sandbox_webhook_send
from integrations.services.notifications import notification_digest_send
from returns import tasks
from returns.models import RMA, OrphanReceipt, Return
from tests.conftest import TaskRuns, wait_for
from tests.roles import staff_user

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
STORIES = {"880001": "#1001", "880002": "#1042", "880003": "#1077", "880004": "#1099"}


def _quiet(query: Any) -> Any:
    try:
        return query()
    except OperationalError:  # SQLite: the worker holds the write lock this instant
        return None


def _calls(loop: Any, return_id: str) -> list[str]:
    return sorted(
        SandboxPlatformCall.objects.filter(account=loop, return_id=return_id).values_list("action", flat=True)
    )


def _processed(loop: Any, return_id: str) -> bool:
    return bool(_quiet(lambda: _calls(loop, return_id) == ["process"]))


def _orphan(external_id: str) -> OrphanReceipt | None:
    return _quiet(lambda: OrphanReceipt.objects.filter(external_id=external_id).first())


def _parcel_without_rma(shipmonk: Any, number: str, *, keep_label: bool) -> str:
    """ShipMonk receives the parcel of RMA `number` as a return of its own, and says so by webhook."""
    sandbox_return = SandboxReturn.objects.get(account=shipmonk, rma_number=number)
    made = sandbox_receive_without_rma(sandbox_return=sandbox_return, mode="fully_received", keep_label=keep_label)
    return made.external_id


@pytest.mark.timeout(600)
def test_orphan_receipts_are_matched_or_linked_and_processed_once_and_aged_returns_are_counted(
    live_server: Any, celery_worker: Any, task_runs: TaskRuns, settings: Any, django_user_model: Any
) -> None:
    settings.PUBLIC_BASE_URL = live_server.url
    settings.OVERVIEW_CACHE_SECONDS = 0
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    setup = demo_store_create(base_url=live_server.url)
    Store.objects.filter(pk=setup.store.pk).update(is_sandbox=False)  # returns of a live store age
    store, loop, shipmonk = Store.objects.get(pk=setup.store.pk), setup.loop, setup.shipmonk
    member = django_user_model.objects.create_user("mia", "mia@example.com", "pw")
    StoreMembership.objects.create(store=store, user=member, role=StoreMembership.Role.MEMBER)

    for return_id, order_name in STORIES.items():
        label = {"status": "new", "carrier": "USPS", "tracking_number": f"9400111{return_id}", "line_items": []}
        payload = loop_return_payload(
            return_id=return_id, order_name=order_name, lines=[{"sku": "TEE-BLK-M"}], label=label
        )
        delivery = sandbox_webhook_send(account=loop, event_type="return.created", payload=payload, deliver_now=True)
        assert delivery.status_code == 202, delivery.response_body
    numbers = [name.lstrip("#") for name in STORIES.values()]
    wait_for(
        lambda: _quiet(lambda: RMA.objects.filter(store=store, number__in=numbers, status="submitted").count() == 4),
        timeout=60,
        interval=0.25,
    )

    # 1. #1001: no RMA number on the parcel, its label still on it: matched by tracking, processed once.
    first = _parcel_without_rma(shipmonk, "1001", keep_label=True)
    wait_for(lambda: _processed(loop, "880001"), timeout=60, interval=0.25)
    matched = OrphanReceipt.objects.get(external_id=first)
    assert (matched.state, matched.matched_by) == ("linked", "tracking")
    assert matched.note == "Matched to return #1001 by tracking number 9400111880001"
    webhook = SandboxWebhookDelivery.objects.filter(account=shipmonk, body__contains=first).latest("id")
    assert sandbox_webhook_deliver(delivery_id=webhook.pk).status_code == 200  # ShipMonk delivers it again
    task_runs.wait_idle(timeout=60)
    assert _calls(loop, "880001") == ["process"]

    # 2. #1042: nothing to match it by: in the inbox until support links it in the admin.
    second = _parcel_without_rma(shipmonk, "1042", keep_label=False)
    open_receipt = wait_for(lambda: _orphan(second), timeout=60, interval=0.25)
    assert open_receipt.state == "open"
    ret_1042 = Return.objects.get(store=store, external_id="880002")
    support = Client()
    support.force_login(staff_user("dana"))
    link = reverse("admin:returns_orphanreceipt_link", args=[open_receipt.pk])
    for _ in range(2):  # the confirmation posted twice
        assert support.post(link, {"return": ret_1042.pk, "post": "yes"}).status_code == 302
    wait_for(lambda: _processed(loop, "880002"), timeout=60, interval=0.25)

    # 3. #1077: the same, linked by a store member on the store's page.
    third = _parcel_without_rma(shipmonk, "1077", keep_label=False)
    waiting = wait_for(lambda: _orphan(third), timeout=60, interval=0.25)
    merchant = Client()
    merchant.force_login(member)
    page = reverse("orphan_receipt_detail", kwargs={"slug": store.slug, "pk": waiting.pk})
    ret_1077 = Return.objects.get(store=store, external_id="880003")
    assert merchant.post(page, {"action": "link", "target": str(ret_1077.pk)}).status_code == 302
    wait_for(lambda: _processed(loop, "880003"), timeout=60, interval=0.25)

    # 4. #1099: the carrier delivers its label and no receipt follows: overdue at once.
    delivered = {
        "topic": "label",
        "trigger": "label.updated",
        "shop_id": 501,
        "id": "880004",
        "carrier": "USPS",
        "tracking_number": "9400111880004",
        "label_status": "delivered",
        "label_updated_at": timezone.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    assert (
        sandbox_webhook_send(account=loop, event_type="label.updated", payload=delivered, deliver_now=True).status_code
        == 202
    )
    wait_for(
        lambda: _quiet(lambda: Return.objects.filter(external_id="880004", aging_stage="delivered").exists()),
        timeout=60,
        interval=0.25,
    )
    task_runs.wait_idle(timeout=60)
    for return_id in ("880001", "880002", "880003"):
        assert _calls(loop, return_id) == ["process"], return_id
    assert _calls(loop, "880004") == []

    overview = support.get(reverse("admin:index"))
    counters = {c.key: c for groups in overview.context["counter_groups"] for c in groups[1]}
    assert counters["returns_overdue_arrival"].count == 1
    assert counters["returns_overdue_close"].count == 0
    assert counters["orphan_receipts_open"].count == 0
    listed = support.get(counters["returns_overdue_arrival"].url)
    assert [r.external_id for r in listed.context["cl"].result_list] == ["880004"]

    assert tasks.returns_overdue_notify() == 1
    mail.outbox.clear()
    assert notification_digest_send(store_id=store.pk, kind=Notification.Kind.RETURNS_OVERDUE) == 1
    (email,) = mail.outbox
    assert email.to == ["mia@example.com"]
    assert "- 1 return is overdue: #1099 (delivered today, no warehouse receipt)" in email.body
    assert "Overdue returns now: 1 (1 not at the warehouse" in email.body
