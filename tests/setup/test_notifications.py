"""Store members get an email when something needs them: one per store and kind an hour, with the link
to the page that fixes it, and none of a kind they turned off."""

import datetime as dt
from typing import Any
from unittest import mock

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from integrations.models import Notification, NotificationOptOut, Store, StoreMembership
from integrations.services.notifications import (
    notification_digest_send,
    notification_digests_send_due,
    return_notify,
    store_notify,
)
from tests.factories import ReturnFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def members(store: Store, django_user_model: Any) -> list[Any]:
    users = []
    for name in ("mia", "noah"):
        user = django_user_model.objects.create_user(username=name, email=f"{name}@example.com", password="x")
        StoreMembership.objects.create(store=store, user=user)
        users.append(user)
    return users


def test_one_email_per_store_and_kind_an_hour(store: Store, members: list[Any], settings: Any) -> None:
    settings.PUBLIC_BASE_URL = "https://backhaul.example.com"
    now = timezone.now()
    store_notify(store_id=store.pk, kind="credentials_rejected", message="ShipMonk rejected the key", link="/fix/1")
    assert notification_digest_send(store_id=store.pk, kind="credentials_rejected", now=now) == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["mia@example.com", "noah@example.com"]
    body = mail.outbox[0].body
    assert "ShipMonk rejected the key" in body
    assert "Fix it here: https://backhaul.example.com/fix/1" in body
    assert "https://backhaul.example.com/setup/notifications/" in body
    assert mail.outbox[0].subject == "[Backhaul] Acme Tees: a provider rejected the credentials"

    # Two more within the hour: no email now, both in the next one.
    store_notify(store_id=store.pk, kind="credentials_rejected", message="Still rejected", link="/fix/2")
    store_notify(store_id=store.pk, kind="credentials_rejected", message="Loop too", link="/fix/3")
    assert (
        notification_digest_send(store_id=store.pk, kind="credentials_rejected", now=now + dt.timedelta(minutes=30))
        == 0
    )
    assert len(mail.outbox) == 2
    # Another kind is not held back by this one.
    store_notify(store_id=store.pk, kind="rma_needs_attention", message="RMA 1042: unknown SKU")
    assert (
        notification_digest_send(store_id=store.pk, kind="rma_needs_attention", now=now + dt.timedelta(minutes=31)) == 2
    )

    assert notification_digests_send_due(now=now + dt.timedelta(minutes=61)) == 2
    digest = mail.outbox[-1]
    assert digest.subject.endswith("(2)")
    assert "Still rejected" in digest.body
    assert "Loop too" in digest.body
    assert not Notification.objects.filter(sent_at__isnull=True).exists()


def test_a_kind_turned_off_is_not_sent_to_that_user(store: Store, members: list[Any]) -> None:
    NotificationOptOut.objects.create(user=members[0], kind="breaker_opened")
    store_notify(store_id=store.pk, kind="breaker_opened", message="Pushes paused")
    assert notification_digest_send(store_id=store.pk, kind="breaker_opened") == 1
    assert [m.to for m in mail.outbox] == [["noah@example.com"]]


def test_a_failed_send_is_tried_again(store: Store, members: list[Any]) -> None:
    store_notify(store_id=store.pk, kind="platform_refused", message="Loop refused process")
    smtp_down = mock.patch("django.core.mail.backends.locmem.EmailBackend.send_messages", side_effect=OSError("down"))
    with smtp_down, pytest.raises(OSError, match="down"):
        notification_digest_send(store_id=store.pk, kind="platform_refused")
    assert Notification.objects.get().sent_at is None
    assert notification_digest_send(store_id=store.pk, kind="platform_refused") == 2


def test_test_returns_are_never_emailed(store: Store, members: list[Any]) -> None:
    test_return = ReturnFactory(store=store, is_test=True, connection=None)
    assert return_notify(return_id=test_return.pk, kind="rma_needs_attention", message="x") is None
    real = ReturnFactory(store=store, connection=None)
    notification = return_notify(return_id=real.pk, kind="rma_needs_attention", message="RMA 1: unknown SKU")
    assert notification.link == f"/setup/stores/{store.slug}/returns/{real.pk}/"


def test_each_user_chooses_the_kinds(merchant_client: Client, merchant: Any) -> None:
    page = merchant_client.get("/setup/notifications/").content.decode()
    assert page.count('type="checkbox" name="kind"') == 6
    assert page.count("checked") == 6
    response = merchant_client.post("/setup/notifications/", {"kind": ["credentials_rejected", "rma_needs_attention"]})
    assert response.status_code == 302
    assert set(NotificationOptOut.objects.filter(user=merchant).values_list("kind", flat=True)) == {
        "breaker_opened",
        "platform_refused",
        "returns_overdue",
        "orphan_receipt",
    }
    merchant_client.post("/setup/notifications/", {"kind": list(Notification.Kind.values)})
    assert not NotificationOptOut.objects.filter(user=merchant).exists()
