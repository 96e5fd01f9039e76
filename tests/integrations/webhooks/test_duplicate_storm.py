"""A duplicate storm does not delay the original (issue 16).

Each duplicate is stored pointing at the original (duplicate_of), and the foreign-key check of its
INSERT takes FOR KEY SHARE on the original's row while it commits. The original's task must still
process it then, not skip it as "locked by another worker" and leave it to the sweeper a minute later.
"""

import threading
from typing import Any

import pytest
from django.db import connection as db
from django.db import transaction

from integrations.models import InboundWebhook, Store
from integrations.services import webhooks as svc
from returns.models import Return
from tests.conftest import load_fixture, running_worker, wait_for
from tests.factories import ConnectionFactory, StoreFactory

from .signing import signed_headers

pytestmark = [pytest.mark.postgres, pytest.mark.worker, pytest.mark.django_db(transaction=True)]
Status = InboundWebhook.Status
DUPLICATES = 5


def _receive(conn: Any, body: bytes) -> svc.ReceiveResult:
    return svc.webhook_receive(
        provider="loop",
        endpoint_token=conn.endpoint_token,
        headers=signed_headers(conn, body),
        body=body,
        remote_addr="127.0.0.1",
    )


def test_the_original_is_processed_while_its_duplicates_are_still_being_stored(monkeypatch):
    conn = ConnectionFactory(store=StoreFactory(rma_trigger=Store.RmaTrigger.ON_LABEL_CREATED))
    body = load_fixture("loop", "return_created_no_label")
    # The original is stored and committed, its publish held back until the duplicates are in flight.
    monkeypatch.setattr(svc, "webhook_publish", lambda **kwargs: True)
    original = _receive(conn, body).webhook
    monkeypatch.undo()
    assert original.status == Status.PENDING

    inserted = threading.Barrier(DUPLICATES + 1)
    release = threading.Event()
    errors: list[BaseException] = []

    def duplicate_held_open() -> None:
        try:
            with transaction.atomic():
                result = _receive(conn, body)
                assert result.webhook.duplicate_of_id == original.pk
                # Django's foreign keys are DEFERRABLE INITIALLY DEFERRED: the check (and its FOR KEY
                # SHARE lock on the original) happens at COMMIT, a short window in the endpoint's
                # autocommit. Running it now holds that window open for as long as the test needs.
                with db.cursor() as cursor:
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                inserted.wait(timeout=30)  # every duplicate now holds FOR KEY SHARE on the original
                release.wait(timeout=60)
        except BaseException as exc:  # reported by the test thread
            errors.append(exc)
            inserted.abort()
        finally:
            db.close()

    threads = [threading.Thread(target=duplicate_held_open) for _ in range(DUPLICATES)]
    for thread in threads:
        thread.start()
    try:
        inserted.wait(timeout=30)
        with running_worker(concurrency=1):
            svc.webhook_publish(webhook_id=original.pk)

            def original_settled() -> InboundWebhook | None:
                row = InboundWebhook.objects.get(pk=original.pk)
                return row if row.status != Status.PENDING else None

            # Before the fix the task answered "skipped" and the row stayed pending (until the sweeper).
            settled = wait_for(original_settled, timeout=30)
        assert (settled.status, settled.attempts) == (Status.PROCESSED, 1)
        assert InboundWebhook.objects.filter(duplicate_of=original.pk).count() == 0  # still uncommitted
    finally:
        release.set()
        for thread in threads:
            thread.join(timeout=30)
    assert errors == []
    assert InboundWebhook.objects.filter(duplicate_of=original.pk, status=Status.DUPLICATE).count() == DUPLICATES
    assert Return.objects.count() == 1
