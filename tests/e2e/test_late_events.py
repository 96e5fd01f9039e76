"""Issue 16 on a real Celery worker and PostgreSQL: events that arrive late or in another order.

Webhooks go through the real endpoint (signed as Loop signs them); a worker in this process runs
intake, planning and the pushes to a local ShipMonk fake.
"""

import json
from typing import Any

import pytest
from django.db import OperationalError
from pytest_httpserver import HTTPServer

from integrations.models import InboundWebhook
from returns.models import RMA, Return, ReturnShipment
from tests.conftest import TaskRuns, load_fixture, running_worker, wait_for
from tests.e2e.test_full_loop import World

pytestmark = [pytest.mark.worker, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _fast(settings: Any) -> None:
    from django.core.cache import cache

    from integrations import ratelimit

    settings.RMA_PUSH_BACKOFF_SECONDS = 0.05
    settings.RMA_PUSH_MAX_RETRIES = 3
    settings.PROVIDER_READ_TIMEOUT = 3.0
    cache.clear()
    ratelimit._limiter().storage.reset()


@pytest.fixture
def celery_worker() -> Any:
    with running_worker(concurrency=2) as worker:
        yield worker


def _quiet(query: Any) -> Any:
    try:
        return query()
    except OperationalError:
        return None


def _label(tracking: str, updated_at: str) -> bytes:
    body = json.loads(load_fixture("loop", "label_updated"))
    body.update(id="880012", shipment_id=3301, tracking_number=tracking, label_updated_at=updated_at)
    return json.dumps(body).encode()


def _processed(world: World, count: int) -> bool:
    done = InboundWebhook.objects.filter(store=world.store, status__in=["processed", "ignored"]).count()
    return done >= count


def test_an_older_label_event_changes_nothing_and_the_timeline_says_so(
    httpserver: HTTPServer, celery_worker: Any, task_runs: TaskRuns
) -> None:
    world = World(httpserver)
    assert world.post(world.loop, load_fixture("loop", "return_created_no_label")) == 202
    wait_for(lambda: _quiet(lambda: RMA.objects.filter(store=world.store, status="submitted").first()), interval=0.2)
    # Tracking Y, label updated at T2; then the same label (shipment 3301) with tracking X at the earlier T1.
    assert world.post(world.loop, _label("1ZNEWER0000000002", "2025-03-03T09:00:00Z")) == 202
    wait_for(lambda: _processed(world, 2), interval=0.2)
    assert world.post(world.loop, _label("1ZOLDER0000000001", "2025-03-02T09:00:00Z")) == 202
    wait_for(lambda: _processed(world, 3), interval=0.2)
    task_runs.wait_idle()

    ret = Return.objects.get(store=world.store, external_id="880012")
    shipments = list(ReturnShipment.objects.filter(return_obj=ret).values_list("tracking_number", flat=True))
    assert shipments == ["1ZNEWER0000000002"]
    assert world.rma_create.requests  # the RMA and its tracking update reached ShipMonk
    assert not any("1ZOLDER" in json.dumps(r["body"]) for r in world.rma_create.requests)
    ignored = ret.timeline.get(kind="stale_label_ignored")
    assert ignored.message.startswith("Older label event ignored: UPS 1ZOLDER0000000001")
    assert ignored.data["reason"] == "older"
    assert ignored.webhook_id is not None


def _shipmonk(name: str, rma: RMA, **changes: Any) -> bytes:
    body = json.loads(load_fixture("shipmonk", name))
    body.update(rma=rma.number, **changes)
    return json.dumps({k: v for k, v in body.items() if v is not None}).encode()


def test_each_ignored_event_says_why_on_the_timeline(
    httpserver: HTTPServer, celery_worker: Any, task_runs: TaskRuns
) -> None:
    world = World(httpserver)
    created = load_fixture("loop", "return_created")
    assert world.post(world.loop, created) == 202
    rma = wait_for(
        lambda: _quiet(lambda: RMA.objects.filter(store=world.store, status="submitted").first()), interval=0.2
    )
    # Loop delivers the same event again: stored as a duplicate, answered 200, never processed.
    assert world.post(world.loop, created) == 200
    # ShipMonk: received, then an en_route without a timestamp (nothing to call it older by): a state regression.
    assert world.post(world.shipmonk, _shipmonk("return_status_returned", rma)) == 202
    wait_for(lambda: RMA.objects.filter(pk=rma.pk, status="received").exists(), interval=0.2)
    assert world.post(world.shipmonk, _shipmonk("return_status_en_route", rma, updated_at=None)) == 202
    # ... and an older one (its updated_at is before the receipt's).
    assert world.post(world.shipmonk, _shipmonk("return_status_en_route", rma, status="in_progress")) == 202
    ret = rma.return_obj
    kinds = ("duplicate_event_ignored", "warehouse_state_regression_ignored", "stale_warehouse_event_ignored")
    wait_for(lambda: ret.timeline.filter(kind__in=kinds).count() == 3, interval=0.2)
    task_runs.wait_idle()

    rma.refresh_from_db()
    assert rma.status == "received"
    entries = {e.kind: e for e in ret.timeline.filter(kind__in=kinds)}
    original = InboundWebhook.objects.filter(store=world.store, status="processed", provider="loop").get()
    duplicate = InboundWebhook.objects.get(store=world.store, status="duplicate")
    assert entries["duplicate_event_ignored"].message == (
        f"Duplicate delivery ignored: the same return:return.created as webhook #{original.pk} (processed)"
    )
    assert entries["duplicate_event_ignored"].webhook_id == duplicate.pk
    assert entries["warehouse_state_regression_ignored"].message == (
        f"ShipMonk update for RMA {rma.number} ignored: it says in transit (en_route), but the RMA is already "
        "received, and an RMA's state never goes back"
    )
    assert entries["stale_warehouse_event_ignored"].message.startswith(f"Older ShipMonk update for RMA {rma.number}")
    assert {e.data["reason"] for e in entries.values()} == {"duplicate", "state_regression", "older"}
