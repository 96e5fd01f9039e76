"""Emails to a store's members when something needs them, at most one per store and kind an hour.

`store_notify` records what happened (a Notification row, with the page that fixes it) and asks
for a digest; `notification_digest_send` sends every pending notification of one store and kind
in one email once the last such email is an hour old. The hour is claimed with one conditional
UPDATE on the store's NotificationDigest row, so two workers never both send; the email goes out
after that commit (no network call inside a transaction), and a failed send gives the claim back
so the task's retry sends it.
"""

import datetime as dt
import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from config.publishing import task_publish
from integrations.handlers import store_digest_lines
from integrations.models import Connection, Notification, NotificationDigest, NotificationOptOut, Store

logger = logging.getLogger(__name__)

Kind = Notification.Kind
DIGEST_INTERVAL = dt.timedelta(hours=1)


def _absolute(path: str) -> str:
    return settings.PUBLIC_BASE_URL.rstrip("/") + path if path else ""


def store_home_path(*, store: Store) -> str:
    return reverse("setup:home", kwargs={"slug": store.slug})


def connection_fix_path(*, connection: Connection) -> str:
    """The wizard step where the merchant changes this connection's credentials."""
    step = "platform" if connection.role == Connection.Role.RETURNS_PLATFORM else "warehouse"
    return reverse(f"setup:{step}", kwargs={"slug": connection.store.slug})


def return_path(*, store: Store, return_id: int) -> str:
    return reverse("setup:return_detail", kwargs={"slug": store.slug, "pk": return_id})


def _digest_due(*, store_id: int, kind: str, now: dt.datetime) -> bool:
    last = NotificationDigest.objects.filter(store_id=store_id, kind=kind).values_list("last_sent_at", flat=True)
    last_sent = next(iter(last), None)
    return last_sent is None or last_sent <= now - DIGEST_INTERVAL


def _publish(store_id: int, kind: str) -> None:
    # A broker that is down: the periodic sweep sends what is due.
    task_publish("integrations.tasks.notification_digest_send", store_id, kind)


def store_notify(*, store_id: int, kind: str, message: str, link: str = "") -> Notification:
    """Record something the store's members must act on, and have it emailed in the next digest."""
    notification = Notification.objects.create(store_id=store_id, kind=kind, message=message[:1000], link=link)
    try:
        with transaction.atomic():
            NotificationDigest.objects.get_or_create(store_id=store_id, kind=kind)
    except IntegrityError:  # another worker created it at the same moment
        pass
    # Within the hour after the last email, the periodic sweep sends the digest once it is due
    # (a countdown of up to an hour would outlast the broker's redelivery timeout).
    if _digest_due(store_id=store_id, kind=kind, now=timezone.now()):
        transaction.on_commit(lambda: _publish(store_id, kind), robust=True)
    return notification


def connection_notify(*, connection_id: int, kind: str, message: str) -> Notification | None:
    """store_notify for a connection's trouble, linked to the step that fixes its credentials."""
    connection = Connection.objects.select_related("store").filter(pk=connection_id).first()
    if connection is None:
        return None
    return store_notify(
        store_id=connection.store_id, kind=kind, message=message, link=connection_fix_path(connection=connection)
    )


def return_notify(*, return_id: int, kind: str, message: str) -> Notification | None:
    """store_notify for one return's trouble, linked to the merchant's page of that return."""
    from returns.models import Return

    return_obj = Return.objects.select_related("store").filter(pk=return_id).first()
    if return_obj is None or return_obj.is_test:
        # A test return's trouble is shown where the merchant is running it, never emailed.
        return None
    path = return_path(store=return_obj.store, return_id=return_obj.pk)
    return store_notify(store_id=return_obj.store_id, kind=kind, message=message, link=path)


def _recipients(store: Store, kind: str) -> list[Any]:
    opted_out = NotificationOptOut.objects.filter(kind=kind).values("user_id")
    users = (
        get_user_model()
        .objects.filter(store_memberships__store=store, is_active=True)
        .exclude(email="")
        .exclude(pk__in=opted_out)
        .order_by("pk")
        .distinct()
    )
    return list(users)


def _body(store: Store, kind: str, notifications: list[Notification]) -> str:
    lines = [f"{store.name}: {Kind(kind).label.lower()}.", ""]
    for notification in notifications:
        lines.append(f"- {notification.message}")
        if notification.link:
            lines.append(f"  Fix it here: {_absolute(notification.link)}")
    for extra in store_digest_lines.collect(store=store):
        lines += ["", *extra] if extra else []
    lines += [
        "",
        f"Everything that needs you: {_absolute(store_home_path(store=store))}",
        f"Choose which emails you get: {_absolute(reverse('setup:notifications'))}",
        "",
        "At most one email like this an hour; later ones are collected into the next.",
    ]
    return "\n".join(lines)


def _claim(*, store_id: int, kind: str, now: dt.datetime) -> tuple[list[Notification], dt.datetime | None] | None:
    """Take the hour and the pending notifications, or None when an email went out less than an hour ago."""
    with transaction.atomic():
        digest = NotificationDigest.objects.filter(store_id=store_id, kind=kind).first()
        if digest is None:
            return None
        previous = digest.last_sent_at
        due = Q(last_sent_at__isnull=True) | Q(last_sent_at__lte=now - DIGEST_INTERVAL)
        if not NotificationDigest.objects.filter(due, pk=digest.pk).update(last_sent_at=now, updated_at=now):
            return None
        pending = list(
            Notification.objects.select_for_update()
            .filter(store_id=store_id, kind=kind, sent_at__isnull=True)
            .order_by("created_at", "id")[:200]
        )
        if not pending:
            # Nothing to send: the hour is not spent.
            NotificationDigest.objects.filter(pk=digest.pk).update(last_sent_at=previous)
            return None
        Notification.objects.filter(pk__in=[n.pk for n in pending]).update(sent_at=now, updated_at=now)
    return pending, previous


def _unclaim(*, store_id: int, kind: str, notifications: Iterable[Notification], previous: dt.datetime | None) -> None:
    with transaction.atomic():
        Notification.objects.filter(pk__in=[n.pk for n in notifications]).update(sent_at=None)
        NotificationDigest.objects.filter(store_id=store_id, kind=kind).update(last_sent_at=previous)


def notification_digest_send(*, store_id: int, kind: str, now: dt.datetime | None = None) -> int:
    """Email the store's members (who did not turn this kind off) every pending notification of one kind,
    if the last such email is an hour old; returns how many emails went out."""
    now = now or timezone.now()
    claimed = _claim(store_id=store_id, kind=kind, now=now)
    if claimed is None:
        return 0
    pending, previous = claimed
    store = Store.objects.get(pk=store_id)
    recipients = _recipients(store, kind)
    subject = f"[Backhaul] {store.name}: {Kind(kind).label.lower()}"
    if len(pending) > 1:
        subject += f" ({len(pending)})"
    body = _body(store, kind, pending)
    messages = [EmailMessage(subject=subject, body=body, to=[user.email]) for user in recipients]
    try:
        sent = get_connection().send_messages(messages) if messages else 0
    except Exception:
        _unclaim(store_id=store_id, kind=kind, notifications=pending, previous=previous)
        raise
    logger.info("notification digest sent", extra={"store_id": store_id, "kind": kind, "emails": sent})
    return int(sent or 0)


def notification_digests_send_due(*, now: dt.datetime | None = None) -> int:
    """Send every digest that is due and has something pending (the safety net for a lost publish)."""
    now = now or timezone.now()
    due = (
        Notification.objects.filter(sent_at__isnull=True, created_at__lte=now)
        .values_list("store_id", "kind")
        .distinct()
    )
    sent = 0
    for store_id, kind in list(due)[:500]:
        sent += notification_digest_send(store_id=store_id, kind=kind, now=now)
    return sent


def notification_opt_outs_set(*, user: Any, disabled: Iterable[str]) -> set[str]:
    """Turn the given kinds off for a user and every other kind on; returns the kinds now off."""
    wanted = {str(kind) for kind in disabled if kind in Kind.values}
    with transaction.atomic():
        NotificationOptOut.objects.filter(user=user).exclude(kind__in=wanted).delete()
        existing = set(NotificationOptOut.objects.filter(user=user).values_list("kind", flat=True))
        NotificationOptOut.objects.bulk_create(
            [NotificationOptOut(user=user, kind=kind) for kind in sorted(wanted - existing)], ignore_conflicts=True
        )
    return wanted
