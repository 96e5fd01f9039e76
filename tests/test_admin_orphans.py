"""Orphan receipts and overdue returns in the operations console: the inbox and a receipt's page; linking by hand
(after a confirmation) applies the receipt once; a dismissal needs a reason; view-only staff do neither; the returns
list filters the overdue."""

import datetime as dt
from typing import Any
from unittest import mock

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from returns.models import RMA, OrphanReceipt, Return, TimelineEvent
from returns.services.warehouse_events import rma_apply_warehouse_event
from tests.roles import staff_user

pytestmark = pytest.mark.django_db
State = OrphanReceipt.State


@pytest.fixture
def staff() -> Client:
    client = Client()
    client.force_login(staff_user("dana"))
    return client


@pytest.fixture
def viewer() -> Client:
    client = Client()
    client.force_login(staff_user("vic", view_only=True))
    return client


@pytest.fixture
def receipt(db: None) -> OrphanReceipt:
    from tests.returns.orphans.conftest import make_world, parcel

    made = make_world()
    rma_apply_warehouse_event(connection=made.wms, event=parcel(orders=("#7777",)), webhook_id=None)
    return OrphanReceipt.objects.select_related("store").get()


def test_the_inbox_and_a_receipts_page_show_what_arrived_and_what_fits(staff: Client, receipt: OrphanReceipt) -> None:
    inbox = staff.get(reverse("admin:returns_orphanreceipt_changelist"), {"state__exact": "open"})
    assert inbox.status_code == 200
    assert f"#{receipt.pk} 5599" in inbox.content.decode()
    page = staff.get(reverse("admin:returns_orphanreceipt_change", args=[receipt.pk]), {"q": "#1042"})
    html = page.content.decode()
    assert page.status_code == 200
    assert "No return fits (order #7777): link it by hand or dismiss it" in html
    assert "2 × TEE-BLK-M" not in html  # the items are a table here
    assert "Link to RMA 1042…" in html  # the search found the return, with its RMA waiting at ShipMonk
    assert "Dismiss it…" in html


def test_staff_link_by_hand_after_a_confirmation_and_the_outcome_follows_once(
    staff: Client, receipt: OrphanReceipt, django_capture_on_commit_callbacks: Any
) -> None:
    ret = Return.objects.get(order_name="#1042")
    url = reverse("admin:returns_orphanreceipt_link", args=[receipt.pk])
    confirm = staff.get(url, {"return": ret.pk})
    assert confirm.status_code == 200
    assert "Yes, do it" in confirm.content.decode()
    with mock.patch("returns.services.outcomes._publish") as publish, django_capture_on_commit_callbacks(execute=True):
        done = staff.post(url, {"return": ret.pk, "post": "yes"})
        again = staff.post(url, {"return": ret.pk, "post": "yes"})
    assert done.status_code == again.status_code == 302
    assert done["Location"] == reverse("admin:returns_return_change", args=[ret.pk])
    receipt.refresh_from_db()
    assert (receipt.state, receipt.linked_by, receipt.note) == (
        State.LINKED,
        "dana",
        "Linked to return #1042 (RMA 1042) by dana",
    )
    assert publish.call_count == 1
    assert TimelineEvent.objects.filter(kind="orphan_receipt_linked").count() == 1
    case = staff.get(reverse("admin:returns_return_change", args=[ret.pk])).content.decode()
    assert f"#{receipt.pk}</a>: Linked to return #1042" in case
    assert "Orphan receipt linked" in case


def test_a_wrong_choice_is_refused_with_a_message(staff: Client, receipt: OrphanReceipt) -> None:
    RMA.objects.filter(number="1042").update(status=RMA.Status.RECEIVED)
    ret = Return.objects.get(order_name="#1042")
    response = staff.post(
        reverse("admin:returns_orphanreceipt_link", args=[receipt.pk]), {"return": ret.pk, "post": "yes"}, follow=True
    )
    assert "was already received at ShipMonk" in response.content.decode()
    receipt.refresh_from_db()
    assert receipt.state == State.OPEN
    other_store = staff.get(reverse("admin:returns_orphanreceipt_link", args=[receipt.pk]), {"return": "999999"})
    assert other_store.status_code == 404


def test_a_dismissal_needs_a_reason(staff: Client, receipt: OrphanReceipt) -> None:
    url = reverse("admin:returns_orphanreceipt_dismiss", args=[receipt.pk])
    empty = staff.post(url, {"reason": "  ", "post": "yes"})
    assert empty.status_code == 200
    assert "Say why: the reason is kept with the receipt." in empty.content.decode()
    receipt.refresh_from_db()
    assert receipt.state == State.OPEN
    done = staff.post(url, {"reason": "Return to sender", "post": "yes"})
    assert done.status_code == 302
    receipt.refresh_from_db()
    assert (receipt.state, receipt.dismissed_by, receipt.dismiss_reason) == (
        State.DISMISSED,
        "dana",
        "Return to sender",
    )


def test_view_only_staff_read_but_neither_link_nor_dismiss(viewer: Client, receipt: OrphanReceipt) -> None:
    page = viewer.get(reverse("admin:returns_orphanreceipt_change", args=[receipt.pk])).content.decode()
    assert "Link to RMA" not in page
    assert "Dismiss it" not in page
    ret = Return.objects.get(order_name="#1042")
    link = reverse("admin:returns_orphanreceipt_link", args=[receipt.pk])
    assert viewer.get(link, {"return": ret.pk}).status_code == 403
    assert viewer.post(link, {"return": ret.pk, "post": "yes"}).status_code == 403
    dismiss = reverse("admin:returns_orphanreceipt_dismiss", args=[receipt.pk])
    assert viewer.post(dismiss, {"reason": "x", "post": "yes"}).status_code == 403
    receipt.refresh_from_db()
    assert receipt.state == State.OPEN


def test_the_returns_list_filters_the_overdue_and_says_why(staff: Client, receipt: OrphanReceipt) -> None:
    now = timezone.now()
    late = Return.objects.get(order_name="#1042")
    Return.objects.filter(pk=late.pk).update(
        aging_stage="delivered", aging_since=now - dt.timedelta(days=3), aging_due_at=now - dt.timedelta(days=3)
    )
    changelist = reverse("admin:returns_return_changelist")
    for value, listed in (("any", True), ("arrival", True), ("close", False)):
        response = staff.get(changelist, {"aging": value})
        assert response.status_code == 200
        assert (late in response.context["cl"].result_list) is listed, value
    html = staff.get(changelist, {"aging": "arrival"}).content.decode()
    assert 'title="Overdue: delivered 3 days ago, no warehouse receipt"' in html
