"""Reliability tests 1-11 (docs/reliability.md): store first, verify, dedupe, hand off, sweep, replay."""

import datetime as dt
import json
import threading
from typing import Any

import pytest
import time_machine
from django.db import transaction
from django.test import Client
from django.utils import timezone

from config.exceptions import ApplicationError
from integrations.models import InboundWebhook
from integrations.services import webhooks as svc
from integrations.services.rotation import (
    connection_rotate_endpoint_token,
    connection_rotate_webhook_password,
    connection_rotate_webhook_secret,
)
from returns.models import Return, ReturnLine, TimelineEvent
from tests.conftest import load_fixture, use_broker
from tests.factories import ConnectionFactory, StoreFactory

from .conftest import post_webhook
from .signing import signed_headers

Status = InboundWebhook.Status


class Published:
    """Records webhook ids handed to the broker instead of publishing them."""

    def __init__(self) -> None:
        self.ids: list[int] = []
        self.fail = False

    def delay(self, webhook_id: int) -> None:
        if self.fail:
            raise ConnectionRefusedError("broker down")
        self.ids.append(webhook_id)


@pytest.fixture
def published(monkeypatch: pytest.MonkeyPatch) -> Published:
    from integrations import tasks

    recorder = Published()
    monkeypatch.setattr(tasks.webhook_process, "delay", recorder.delay)
    return recorder


def _post(client: Client, conn: Any, fixture: str, provider: str = "loop", **kw: Any) -> Any:
    return post_webhook(client, conn, load_fixture(provider, fixture), **kw)


# 1. Duplicate delivery ------------------------------------------------------------------


@pytest.mark.django_db
def test_duplicate_sequential_is_one_set_of_rows_and_2xx(client, published, django_capture_on_commit_callbacks):
    conn = ConnectionFactory()
    with django_capture_on_commit_callbacks(execute=True):
        assert _post(client, conn, "return_created").status_code == 202
    svc.webhook_process(webhook_id=published.ids[0])
    with django_capture_on_commit_callbacks(execute=True):
        assert _post(client, conn, "return_created").status_code == 200
    assert published.ids == [published.ids[0]]  # the duplicate of a processed event is a no-op
    first, second = InboundWebhook.objects.order_by("id")
    assert (first.status, second.status, second.duplicate_of_id, second.dedupe_key) == (
        Status.PROCESSED,
        Status.DUPLICATE,
        first.pk,
        None,
    )
    assert Return.objects.count() == 1
    assert ReturnLine.objects.get().quantity == 2


# In-memory SQLite (the test database) raises "database table is locked" under concurrent
# writers instead of waiting, so this runs on PostgreSQL (fails, never skips, in CI).
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_duplicate_concurrent_five_threads(published):
    conn = ConnectionFactory()
    body = load_fixture("loop", "return_created")
    headers = signed_headers(conn, body)
    barrier = threading.Barrier(5)
    codes: list[int] = []

    def deliver() -> None:
        from django.db import connection as db

        try:
            barrier.wait()
            response = post_webhook(Client(), conn, body, headers=headers)
            codes.append(response.status_code)
        finally:
            db.close()

    threads = [threading.Thread(target=deliver) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(codes) == [200, 200, 200, 200, 202]
    assert InboundWebhook.objects.count() == 5
    assert InboundWebhook.objects.filter(status=Status.PENDING).count() == 1
    assert InboundWebhook.objects.filter(status=Status.DUPLICATE).count() == 4
    assert len(published.ids) == 1
    svc.webhook_process(webhook_id=published.ids[0])
    svc.webhook_process(webhook_id=published.ids[0])  # a second run (redelivered message) is a no-op
    assert Return.objects.count() == 1
    assert ReturnLine.objects.count() == 1


# 2. Redelivery after a failed first attempt ----------------------------------------------


@pytest.mark.django_db
def test_redelivery_after_failure_is_processed(client, published, monkeypatch, django_capture_on_commit_callbacks):
    from returns.services import intake

    real = intake.return_apply_event
    monkeypatch.setattr(intake, "return_apply_event", lambda **kw: (_ for _ in ()).throw(RuntimeError("boom")))
    conn = ConnectionFactory()
    with django_capture_on_commit_callbacks(execute=True):
        _post(client, conn, "return_created")
    original = InboundWebhook.objects.get()
    assert svc.webhook_process(webhook_id=original.pk) == Status.FAILED
    original.refresh_from_db()
    assert (original.status, original.attempts) == (Status.FAILED, 1)
    assert "RuntimeError: boom" in original.error
    assert "Traceback" in original.traceback
    assert Return.objects.count() == 0

    monkeypatch.setattr(intake, "return_apply_event", real)
    with django_capture_on_commit_callbacks(execute=True):
        assert _post(client, conn, "return_created").status_code == 202
    assert published.ids == [original.pk, original.pk]  # the original row is queued again
    assert svc.webhook_process(webhook_id=original.pk) == Status.PROCESSED
    original.refresh_from_db()
    assert (original.error, original.attempts) == ("", 2)
    assert Return.objects.count() == 1


# 3. Bad signature / missing header / wrong secret; unknown endpoint; garbage ---------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({}, "missing X-Loop-Signature header"),
        ({"X-Loop-Signature": "bm9wZQ=="}, "X-Loop-Signature does not match"),
        (None, "X-Loop-Signature does not match"),  # signed with the wrong secret
    ],
)
def test_unverified_is_401_kept_never_processed(client, published, headers, reason, django_capture_on_commit_callbacks):
    conn = ConnectionFactory()
    body = load_fixture("loop", "return_created")
    if headers is None:
        headers = signed_headers(conn, body, secret="wrong-secret")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = post_webhook(client, conn, body, headers=headers)
    assert response.status_code == 401
    assert callbacks == []
    webhook = InboundWebhook.objects.get()
    assert (webhook.status, webhook.verification, webhook.verification_reason) == (
        Status.REJECTED,
        InboundWebhook.Verification.INVALID,
        reason,
    )
    assert bytes(webhook.body) == body
    assert webhook.remote_addr == "127.0.0.1"
    assert svc.webhook_process(webhook_id=webhook.pk) == "skipped"
    assert Return.objects.count() == 0
    with pytest.raises(ApplicationError):
        svc.webhook_replay(webhook_id=webhook.pk)


@pytest.mark.django_db
def test_unknown_endpoint_token_is_stored_then_404(client):
    response = client.post("/webhooks/loop/not-a-token/", data=b'{"a": 1}', content_type="application/json")
    assert response.status_code == 404
    webhook = InboundWebhook.objects.get()
    assert (webhook.connection_id, webhook.endpoint_token, webhook.status) == (None, "not-a-token", Status.REJECTED)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"not json at all", "body is not JSON"),
        (b"[1, 2]", "expected a JSON object, got list"),
        (b'{"hello": "world"}', "missing topic or trigger: not a Loop webhook"),
    ],
)
def test_garbage_is_400_with_a_one_line_reason_and_kept(client, body, reason):
    conn = ConnectionFactory()
    response = post_webhook(client, conn, body)
    assert response.status_code == 400
    assert response.content.decode().startswith(reason)
    assert response.content.decode().count("\n") == 1
    webhook = InboundWebhook.objects.get()
    assert (webhook.status, webhook.verification) == (Status.REJECTED, InboundWebhook.Verification.VALID)
    assert bytes(webhook.body) == body


@pytest.mark.django_db
def test_a_request_that_crashes_verification_is_still_stored_with_its_traceback(monkeypatch):
    from integrations.providers.loop.webhooks import LoopWebhooks

    def crash(self: Any, **kwargs: Any) -> Any:
        raise RuntimeError("verifier bug")

    monkeypatch.setattr(LoopWebhooks, "verify", crash)
    conn = ConnectionFactory()
    response = post_webhook(Client(raise_request_exception=False), conn, load_fixture("loop", "return_created"))
    # Not a 500: the request is kept for support, and the sender is told it was not verified.
    assert (response.status_code, response.content) == (401, b"unauthorized: the request could not be verified\n")
    webhook = InboundWebhook.objects.get()
    assert (webhook.status, webhook.error) == (Status.FAILED, "RuntimeError: verifier bug")
    assert "verifier bug" in webhook.traceback
    assert bytes(webhook.body) == load_fixture("loop", "return_created")


@pytest.mark.django_db(transaction=True)  # autocommit, as the endpoint runs: no savepoint around the insert
def test_an_accepted_delivery_is_one_insert(published, django_assert_num_queries):
    """The hot path: read the connection, then insert the row already verified, typed and
    holding its dedupe key (was INSERT + UPDATE in a transaction + UPDATE published_at)."""
    conn = ConnectionFactory(last_webhook_at=timezone.now())
    body = load_fixture("loop", "return_created")
    with django_assert_num_queries(2) as queries:
        result = svc.webhook_receive(
            provider="loop",
            endpoint_token=conn.endpoint_token,
            headers=signed_headers(conn, body),
            body=body,
            remote_addr="127.0.0.1",
        )
    assert [q["sql"].split()[0] for q in queries.captured_queries] == ["SELECT", "INSERT"]
    assert (result.status_code, result.webhook.status, result.webhook.event_type) == (
        202,
        Status.PENDING,
        "return:return.created",
    )
    assert InboundWebhook.objects.get().dedupe_key


@pytest.mark.django_db
def test_secrets_are_not_stored_in_headers(client):
    conn = ConnectionFactory(provider="redo")
    _post(client, conn, "created", provider="redo")
    webhook = InboundWebhook.objects.get()
    assert conn.webhook_secret not in json.dumps(webhook.headers)
    assert webhook.headers["Authorization"] == "Bearer [redacted]"


# 6. Secret rotation -----------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("provider", ["loop", "redo", "trackstar", "shipstream", "shipmonk", "shipbob"])
def test_rotation_old_and_new_verify_in_window_old_fails_after(client, provider):
    conn = ConnectionFactory(provider=provider)
    old = conn.webhook_secret
    new = connection_rotate_webhook_secret(connection=conn)
    assert new != old
    assert conn.webhook_secret == new
    handler = svc.get_webhook_handler(provider)
    body = b'{"x": 1}'
    now = timezone.now()

    def ok(secret: str, at: dt.datetime) -> bool:
        return handler.verify(connection=conn, headers=signed_headers(conn, body, secret=secret), body=body, now=at).ok

    assert ok(new, now)
    assert ok(old, now)
    after = conn.previous_webhook_secret_expires_at + dt.timedelta(seconds=1)
    with time_machine.travel(after, tick=False):
        assert ok(new, after)
        assert not ok(old, after)


@pytest.mark.django_db
def test_shipmonk_password_rotation(client):
    conn = ConnectionFactory(provider="shipmonk", webhook_secret="")
    old = conn.webhook_password
    new = connection_rotate_webhook_password(connection=conn)
    handler = svc.get_webhook_handler("shipmonk")
    now = timezone.now()
    assert handler.verify(connection=conn, headers=signed_headers(conn, b"{}", password=new), body=b"{}", now=now).ok
    assert handler.verify(connection=conn, headers=signed_headers(conn, b"{}", password=old), body=b"{}", now=now).ok
    later = now + dt.timedelta(days=30)
    assert not handler.verify(
        connection=conn, headers=signed_headers(conn, b"{}", password=old), body=b"{}", now=later
    ).ok


@pytest.mark.django_db
def test_endpoint_token_rotation_retires_the_old_url(client):
    conn = ConnectionFactory()
    old_path = conn.webhook_path
    connection_rotate_endpoint_token(connection=conn)
    body = load_fixture("loop", "return_created")
    headers = signed_headers(conn, body)
    assert client.generic("POST", old_path, body, "application/json", headers=headers).status_code == 404
    assert post_webhook(client, conn, body).status_code == 202


# 8. Test-mode / sandbox events ----------------------------------------------------------


@pytest.mark.django_db
def test_test_mode_event_on_a_live_store_is_planned_but_never_sent_to_the_live_wms(client):
    from integrations.models import ApiCall, Connection
    from returns.models import RMA
    from returns.services.rmas.push import rma_push
    from tests.factories import ShippingLocationFactory

    conn = ConnectionFactory()
    live_wms = ConnectionFactory(
        store=conn.store,
        provider="shipmonk",
        base_url="https://api.shipmonk.com",
        api_key="k",
        external_account_id="1",
    )
    assert live_wms.role == Connection.Role.WAREHOUSE
    ShippingLocationFactory(store=conn.store, warehouse_connection=live_wms, wms_warehouse_code="CA1", is_default=True)
    _post(client, conn, "return_created_test_mode")
    svc.webhook_process(webhook_id=InboundWebhook.objects.get().pk)
    return_obj = Return.objects.get()
    assert return_obj.is_test is True
    rma = RMA.objects.get(return_obj=return_obj)
    rma_push(rma_id=rma.pk)
    rma.refresh_from_db()
    assert rma.status == RMA.Status.CANCELLED
    assert "never sent to a live warehouse" in rma.last_error
    assert TimelineEvent.objects.filter(return_obj=return_obj, kind="rma_test_planned").exists()
    assert not ApiCall.objects.exists()


@pytest.mark.django_db
def test_sandbox_store_marks_returns_as_test(client, monkeypatch):
    from returns.services import intake

    calls: list[bool] = []
    monkeypatch.setattr(intake, "rmas_on_return_changed", lambda **kw: calls.append(kw["return_obj"].is_test))
    conn = ConnectionFactory(store=StoreFactory(is_sandbox=True))
    _post(client, conn, "return_created_no_label")
    svc.webhook_process(webhook_id=InboundWebhook.objects.get().pk)
    # Routed: RMA planning sees an is_test return (its RMAs are test RMAs, for a sandbox warehouse).
    assert calls == [True]


# 9. Rollback ------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_rollback_publishes_nothing(published):
    conn = ConnectionFactory()
    body = load_fixture("loop", "return_created")

    def receive_then_fail() -> None:
        with transaction.atomic():
            svc.webhook_receive(
                provider="loop",
                endpoint_token=conn.endpoint_token,
                headers=signed_headers(conn, body),
                body=body,
                remote_addr="127.0.0.1",
            )
            raise RuntimeError("the surrounding transaction fails")

    with pytest.raises(RuntimeError):
        receive_then_fail()
    assert published.ids == []
    assert InboundWebhook.objects.count() == 0
    # Control: the same call committed publishes exactly once, after the commit.
    result = svc.webhook_receive(
        provider="loop",
        endpoint_token=conn.endpoint_token,
        headers=signed_headers(conn, body),
        body=body,
        remote_addr="127.0.0.1",
    )
    assert published.ids == [result.webhook.pk]


# 10. Broker down -------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_broker_down_still_2xx_and_persisted_sweeper_publishes_exactly_the_pending(published):
    conn = ConnectionFactory()
    client = Client()
    ok = _post(client, conn, "return_created")
    assert ok.status_code == 202
    published.fail = True
    down = [_post(client, conn, "return_created_no_label"), _post(client, conn, "return_created_test_mode")]
    assert [r.status_code for r in down] == [202, 202]
    published.fail = False
    svc.webhook_process(webhook_id=published.ids[0])  # the one published before the outage is done
    pending = set(InboundWebhook.objects.filter(status=Status.PENDING, published_at=None).values_list("pk", flat=True))
    assert len(pending) == 2

    assert svc.webhooks_sweep_pending() == []  # inside the grace period: nothing yet
    later = timezone.now() + dt.timedelta(seconds=61)
    swept = svc.webhooks_sweep_pending(now=later)
    assert set(swept) == pending
    assert published.ids[1:] == swept  # exactly the pending rows, once each
    # Just published: not again until a grace period after that publish.
    assert svc.webhooks_sweep_pending(now=timezone.now() + dt.timedelta(seconds=30)) == []
    for webhook_id in swept:
        svc.webhook_process(webhook_id=webhook_id)
    assert Return.objects.count() == 3


@pytest.mark.django_db(transaction=True)
def test_broker_at_a_dead_address_does_not_fail_the_endpoint():
    from config.celery import app as celery_app

    conn = ConnectionFactory()
    # Point the real publish path at a port nothing listens on.
    with use_broker("redis://127.0.0.1:1/0"):
        assert celery_app.conf.broker_url == "redis://127.0.0.1:1/0"
        response = _post(Client(), conn, "return_created")
    assert response.status_code == 202
    webhook = InboundWebhook.objects.get()
    assert (webhook.status, webhook.published_at) == (Status.PENDING, None)


# 11. Crash between commit and publish ---------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_crash_between_commit_and_publish_is_recovered_by_the_sweeper(published, monkeypatch):
    conn = ConnectionFactory()
    monkeypatch.setattr(svc, "webhook_publish", lambda **kw: None)  # the process dies right after COMMIT
    assert _post(Client(), conn, "return_created").status_code == 202
    monkeypatch.undo()
    from integrations import tasks

    monkeypatch.setattr(tasks.webhook_process, "delay", published.delay)
    webhook = InboundWebhook.objects.get()
    assert (webhook.status, webhook.published_at, published.ids) == (Status.PENDING, None, [])
    assert svc.webhooks_sweep_pending(now=timezone.now() + dt.timedelta(minutes=5)) == [webhook.pk]
    assert published.ids == [webhook.pk]
    assert svc.webhook_process(webhook_id=webhook.pk) == Status.PROCESSED


# Replay ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_replay_requeues_idempotently_and_shows_on_the_timeline(client, published, django_capture_on_commit_callbacks):
    conn = ConnectionFactory()
    _post(client, conn, "return_created")
    webhook = InboundWebhook.objects.get()
    svc.webhook_process(webhook_id=webhook.pk)
    with django_capture_on_commit_callbacks(execute=True):
        replayed = svc.webhook_replay(webhook_id=webhook.pk)
        svc.webhook_replay(webhook_id=webhook.pk)  # already queued: nothing more
    assert replayed.status == Status.PENDING
    assert published.ids == [webhook.pk]
    entries = TimelineEvent.objects.filter(kind="webhook_replayed")
    assert [e.message for e in entries] == [f"Webhook #{webhook.pk} replayed by support"]
    assert svc.webhook_process(webhook_id=webhook.pk) == Status.PROCESSED
    assert Return.objects.count() == 1
    assert ReturnLine.objects.get().quantity == 2


@pytest.mark.django_db
def test_replaying_a_duplicate_replays_its_original(client):
    conn = ConnectionFactory()
    _post(client, conn, "return_created")
    original = InboundWebhook.objects.get()
    svc.webhook_process(webhook_id=original.pk)
    _post(client, conn, "return_created")
    duplicate = InboundWebhook.objects.exclude(pk=original.pk).get()
    assert svc.webhook_replay(webhook_id=duplicate.pk).pk == original.pk
