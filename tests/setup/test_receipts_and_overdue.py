"""The merchant's pages for issue 24: the inbox of parcels that arrived without an RMA (members link one to its
return, owners dismiss one with a reason), and overdue returns on the store's overview and returns list, with the
owners' N and M days."""

import datetime as dt
import html
from typing import Any
from unittest import mock

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from integrations.models import Store, StoreMembership
from returns.models import OrphanReceipt, Return
from returns.services.warehouse_events import rma_apply_warehouse_event
from tests.factories import ReturnFactory
from tests.returns.orphans.conftest import World, make_world, parcel

pytestmark = pytest.mark.django_db
State = OrphanReceipt.State
DAY = dt.timedelta(days=1)


@pytest.fixture
def world(db: None) -> World:
    return make_world()


@pytest.fixture
def receipt(world: World) -> OrphanReceipt:
    rma_apply_warehouse_event(connection=world.wms, event=parcel(orders=("#7777",)), webhook_id=None)
    return OrphanReceipt.objects.get()


def _client(store: Store, role: str, django_user_model: Any) -> Client:
    user = django_user_model.objects.create_user(username=f"{role}-user", password="pw")
    StoreMembership.objects.create(store=store, user=user, role=role)
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def member(world: World, django_user_model: Any) -> Client:
    return _client(world.store, StoreMembership.Role.MEMBER, django_user_model)


@pytest.fixture
def owner(world: World, django_user_model: Any) -> Client:
    return _client(world.store, StoreMembership.Role.OWNER, django_user_model)


def _detail(store: Store, orphan: OrphanReceipt) -> str:
    return reverse("orphan_receipt_detail", kwargs={"slug": store.slug, "pk": orphan.pk})


def test_the_inbox_lists_the_waiting_parcels_and_the_overview_asks_for_them(
    member: Client, world: World, receipt: OrphanReceipt
) -> None:
    inbox = member.get(reverse("orphan_receipts", kwargs={"slug": world.store.slug}))
    page = inbox.content.decode()
    assert inbox.status_code == 200
    assert f'href="{_detail(world.store, receipt)}">#{receipt.pk}</a>' in page
    assert "2 × TEE-BLK-M" in page
    assert "No return fits (order #7777)" in page
    assert "Waiting for a person (1)" in page
    home = member.get(reverse("setup:home", kwargs={"slug": world.store.slug})).content.decode()
    assert "1 parcel arrived at the warehouse without an RMA Backhaul knows" in home


def test_a_member_links_a_parcel_after_a_wrong_choice(
    member: Client, world: World, receipt: OrphanReceipt, django_capture_on_commit_callbacks: Any
) -> None:
    page = member.get(_detail(world.store, receipt), {"q": "1042"})
    assert f'value="{world.ret.pk}"' in page.content.decode()
    wrong = ReturnFactory(store=world.store, connection=world.loop, order_name="#2001")
    refused = member.post(_detail(world.store, receipt), {"action": "link", "target": str(wrong.pk)})
    assert refused.status_code == 422
    assert "Return #2001 has no RMA at ShipMonk to apply this receipt to" in refused.content.decode()
    assert member.post(_detail(world.store, receipt), {"action": "link", "target": "x"}).status_code == 422
    with mock.patch("returns.services.outcomes._publish") as publish, django_capture_on_commit_callbacks(execute=True):
        done = member.post(_detail(world.store, receipt), {"action": "link", "target": str(world.ret.pk)})
    assert done.status_code == 302
    assert done["Location"] == reverse("setup:return_detail", kwargs={"slug": world.store.slug, "pk": world.ret.pk})
    receipt.refresh_from_db()
    assert (receipt.state, receipt.return_obj_id) == (State.LINKED, world.ret.pk)
    assert publish.call_count == 1
    shown = member.get(done["Location"]).content.decode()
    assert "Linked to return #1042 (RMA 1042) by member-user. What the warehouse received is applied" in shown
    assert "arrived without one of our RMAs: linked to RMA 1042 by member-user" in shown


def test_only_owners_dismiss_and_only_with_a_reason(
    member: Client, owner: Client, world: World, receipt: OrphanReceipt
) -> None:
    url = _detail(world.store, receipt)
    forbidden = member.post(url, {"action": "dismiss", "reason": "Return to sender"})
    assert forbidden.status_code == 403
    assert "Only the store's owners can dismiss an orphan receipt." in html.unescape(forbidden.content.decode())
    assert "Only the store's owners can dismiss a receipt." in member.get(url).content.decode()
    empty = owner.post(url, {"action": "dismiss", "reason": "   "})
    assert empty.status_code == 422
    assert "Say why the receipt is dismissed: the reason is kept with it." in empty.content.decode()
    receipt.refresh_from_db()
    assert receipt.state == State.OPEN
    done = owner.post(url, {"action": "dismiss", "reason": "Return to sender"})
    assert done.status_code == 302
    receipt.refresh_from_db()
    assert (receipt.state, receipt.dismissed_by) == (State.DISMISSED, "owner-user")


def test_another_stores_receipt_is_404(receipt: OrphanReceipt, django_user_model: Any) -> None:
    other = Store.objects.create(name="Other", slug="other")
    client = _client(other, StoreMembership.Role.OWNER, django_user_model)
    url = reverse("orphan_receipt_detail", kwargs={"slug": other.slug, "pk": receipt.pk})
    assert client.get(url).status_code == 404
    assert client.post(url, {"action": "dismiss", "reason": "mine"}).status_code == 404
    foreign = reverse("orphan_receipt_detail", kwargs={"slug": receipt.store.slug, "pk": receipt.pk})
    assert client.get(foreign).status_code == 404


def test_overdue_returns_are_on_the_overview_and_filter_the_returns_list(
    member: Client, owner: Client, world: World
) -> None:
    now = timezone.now()
    Return.objects.filter(pk=world.ret.pk).update(
        aging_stage="delivered", aging_since=now - 3 * DAY, aging_due_at=now - 3 * DAY
    )
    on_time = ReturnFactory(store=world.store, connection=world.loop, order_name="#1043")
    Return.objects.filter(pk=on_time.pk).update(aging_stage="label", aging_since=now, aging_due_at=now + 14 * DAY)
    home = member.get(reverse("setup:home", kwargs={"slug": world.store.slug})).content.decode()
    assert "1 overdue: 1 not at the warehouse, 0 received and not closed." in home
    assert "Delivered 3 days ago, no warehouse receipt" in home
    assert "overdue-settings" not in home  # a member does not change the days
    returns = reverse("setup:returns", kwargs={"slug": world.store.slug})
    listed = member.get(returns, {"state": "overdue_arrival"})
    assert [r.pk for r in listed.context["page"].object_list] == [world.ret.pk]
    assert '<span class="badge warn" title="Delivered by the carrier, no warehouse receipt">Overdue</span>' in (
        listed.content.decode()
    )
    assert list(member.get(returns, {"state": "overdue_close"}).context["page"].object_list) == []
    assert "overdue-settings" in owner.get(reverse("setup:home", kwargs={"slug": world.store.slug})).content.decode()


def test_owners_change_the_days_and_the_waiting_returns_follow(member: Client, owner: Client, world: World) -> None:
    now = timezone.now()
    Return.objects.filter(pk=world.ret.pk).update(aging_stage="label", aging_since=now, aging_due_at=now + 14 * DAY)
    url = reverse("setup:aging_settings", kwargs={"slug": world.store.slug})
    assert member.post(url, {"aging_arrival_days": 2, "aging_close_days": 2}).status_code == 403
    refused = owner.post(url, {"aging_arrival_days": 0, "aging_close_days": 400}, follow=True)
    assert "Not saved. Days without a warehouse receipt: Ensure this value is greater than or equal to 1." in (
        refused.content.decode()
    )
    saved = owner.post(url, {"aging_arrival_days": 21, "aging_close_days": 3})
    assert saved.status_code == 302
    world.store.refresh_from_db()
    assert (world.store.aging_arrival_days, world.store.aging_close_days) == (21, 3)
    world.ret.refresh_from_db()
    assert world.ret.aging_due_at == world.ret.aging_since + 21 * DAY
