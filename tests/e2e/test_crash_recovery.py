"""Crash recovery with real processes and real signals (issue 13, reliability.md rules 5 and 12, tests 17-20).

Separate `celery` worker and beat processes run on the test's PostgreSQL database and on a Redis server
the test owns, against ShipMonk and Loop fakes that record every request and can hold one until the test
has killed the worker that sent it (the request has landed, the answer never arrives), or answer 503 so
that the retry waits in the worker's memory when it is killed. Settings are shortened through the
environment (time limit, sweep graces and intervals); the code paths are the real ones. Each test
records what it measured in var/artifacts/crash-recovery.log.
"""

import json
import os
import re
import signal
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.utils import timezone
from pytest_httpserver import HTTPServer

from config.celery import app as celery_app
from integrations.models import Connection, Store
from returns.models import RMA, Return
from returns.services.rmas.triggers import rmas_on_return_changed
from returns.services.warehouse_events import rma_apply_warehouse_event
from tests.conftest import reset_celery_pools, use_broker, wait_for
from tests.factories import ReturnShipmentFactory
from tests.processes import (
    CeleryProcess,
    HoldingPlatform,
    HoldingShipMonk,
    RedisServer,
    celery_env,
    elapsed_since,
    record_measurement,
    redis_server,
)
from tests.returns.outcomes.conftest import make_world, received_event
from tests.returns.rmas.conftest import make_location, make_return, make_store, make_warehouse

pytestmark = [pytest.mark.worker, pytest.mark.redis, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

# Shortened for the test (production defaults: 90 / 120 / 60 seconds). To measure with other values,
# set CRASH_TEST_TIME_LIMIT, CRASH_TEST_GRACE and CRASH_TEST_INTERVAL.
TIME_LIMIT = int(os.environ.get("CRASH_TEST_TIME_LIMIT", "8"))
GRACE = int(os.environ.get("CRASH_TEST_GRACE", "10"))
INTERVAL = int(os.environ.get("CRASH_TEST_INTERVAL", "1"))


@dataclass
class Crash:
    folder: Path
    redis: RedisServer
    wms: HoldingShipMonk
    platform: HoldingPlatform
    server: HTTPServer
    store: Store
    connection: Connection
    env: dict[str, str]
    processes: list[CeleryProcess]

    def worker(self, name: str, *, concurrency: int = 2) -> CeleryProcess:
        process = CeleryProcess.worker(name, self.folder, self.env, concurrency=concurrency)
        self.processes.append(process)
        return process

    def beat(self) -> CeleryProcess:
        process = CeleryProcess.beat(self.folder, self.env)
        self.processes.append(process)
        return process

    def plan(self, count: int, *, first: int = 0) -> list[str]:
        """Returns whose RMAs are planned now and published on commit, as intake does."""
        for n in range(first, first + count):
            rmas_on_return_changed(return_obj=make_return(self.store, order_name=f"#{5000 + n}"), change="created")
        return [str(5000 + n) for n in range(first, first + count)]

    def submitted(self, numbers: list[str]) -> bool:
        return RMA.objects.filter(number__in=numbers, status=RMA.Status.SUBMITTED).count() == len(numbers)

    def assert_each_at_the_warehouse_once(self, numbers: list[str]) -> None:
        assert self.wms.creates == dict.fromkeys(numbers, 1)
        stored = dict(RMA.objects.filter(number__in=numbers).values_list("number", "external_id"))
        assert stored == {number: str(self.wms.ids[number]) for number in numbers}


@pytest.fixture
def crash(tmp_path: Path) -> Iterator[Crash]:
    wms = HoldingShipMonk()
    platform = HoldingPlatform()
    server = HTTPServer(threaded=True)
    server.expect_request("/v1/integrations/returns", method="POST").respond_with_handler(wms.create)
    server.expect_request("/v1/integrations/returns-list").respond_with_handler(wms.lookup)
    server.expect_request(re.compile(r"^/warehouse/return/\w+/\w+$"), method="POST").respond_with_handler(platform)
    server.start()
    (tmp_path / "redis").mkdir()
    processes: list[CeleryProcess] = []
    try:
        with redis_server(tmp_path / "redis") as redis, use_broker(redis.url, {"visibility_timeout": 3600}):
            store = make_store()
            connection = make_warehouse(store, server)
            make_location(store, connection, name="Ontario", wms_warehouse_code="CA1", is_default=True)
            env = celery_env(
                redis_url=redis.url,
                CELERY_TASK_TIME_LIMIT=TIME_LIMIT,
                CELERY_TASK_SOFT_TIME_LIMIT=TIME_LIMIT - 2,
                RMA_SWEEP_GRACE_SECONDS=GRACE,
                RMA_SWEEP_INTERVAL_SECONDS=INTERVAL,
                PLATFORM_ACTION_SWEEP_GRACE_SECONDS=GRACE,
                PLATFORM_ACTION_SWEEP_INTERVAL_SECONDS=INTERVAL,
                RMA_PUSH_BACKOFF_SECONDS=0.5,
                RMA_PUSH_MAX_RETRIES=2,
                PROVIDER_READ_TIMEOUT=60,
            )
            yield Crash(tmp_path, redis, wms, platform, server, store, connection, env, processes)
    finally:
        wms.release()
        platform.release()
        for process in processes:
            process.stop()
        server.clear()
        if server.is_running():
            server.stop()


def test_a_worker_killed_mid_push_loses_no_rma_and_doubles_none(crash: Crash) -> None:
    """SIGKILL of a whole worker (main process and pool) while a create is at the warehouse: its message
    stays unacknowledged in Redis (for the visibility timeout), its lease runs out with the time limit,
    and the sweeper re-publishes the RMA after the grace; the rerun finds it at the warehouse."""
    beat = crash.beat()
    first = crash.worker("w1")
    beat.wait_ready()
    first.wait_ready()
    crash.wms.to_hold = 1
    numbers = crash.plan(3)
    wait_for(lambda: crash.wms.holding() == 1, timeout=60)

    killed_at = time.monotonic()
    first.kill()
    crash.wms.release()
    crash.worker("w2")
    wait_for(lambda: crash.submitted(numbers), timeout=TIME_LIMIT + GRACE + 90, interval=0.2)
    recovery = elapsed_since(killed_at)

    crash.assert_each_at_the_warehouse_once(numbers)
    record_measurement(f"worker SIGKILLed mid-push: every RMA at the warehouse once, {recovery}s after the kill")
    assert recovery <= TIME_LIMIT + GRACE + INTERVAL + 30


def test_a_pool_process_killed_mid_push_is_redelivered_and_waits_for_its_lease(crash: Crash) -> None:
    """SIGKILL of the pool process only: the worker requeues the message at once (late acks, reject on
    worker lost), and the redelivered task waits for the dead process's lease, with no sweeper running.
    It used to spend its retries against the lease within seconds and stop, leaving the RMA pending."""
    worker = crash.worker("w1", concurrency=1)
    worker.wait_ready()
    crash.wms.to_hold = 1
    numbers = crash.plan(1)
    wait_for(lambda: crash.wms.holding() == 1, timeout=60)
    (child,) = worker.children()

    killed_at = time.monotonic()
    os.kill(child, signal.SIGKILL)
    crash.wms.release()
    wait_for(lambda: crash.submitted(numbers), timeout=TIME_LIMIT + 60, interval=0.2)
    recovery = elapsed_since(killed_at)

    crash.assert_each_at_the_warehouse_once(numbers)
    assert worker.alive
    assert "another worker holds the RMA" in worker.output()
    record_measurement(f"pool process SIGKILLed mid-push: RMA at the warehouse once, {recovery}s after the kill")
    assert recovery <= TIME_LIMIT + 30


def test_workers_survive_a_redis_restart_while_busy(crash: Crash) -> None:
    """Redis restarts while two workers are busy (late acks: their messages are unacknowledged and one of
    them still has a BRPOP outstanding). Celery 5.7.0 killed such a worker with AttributeError
    'NoneType' object has no attribute 'hostname' (config/broker.py); both must live on and consume."""
    beat = crash.beat()
    workers = [crash.worker("w1"), crash.worker("w2")]
    for process in [beat, *workers]:
        process.wait_ready()
    crash.wms.to_hold = 3  # two pool processes each: one worker is busy with two, the other with one
    numbers = crash.plan(3)
    wait_for(lambda: crash.wms.holding() == 3, timeout=60)

    restarted_at = time.monotonic()
    crash.redis.restart()
    crash.wms.release()
    reset_celery_pools()  # this process publishes on a fresh connection, as a restarted web process would
    numbers += crash.plan(3, first=3)
    wait_for(lambda: crash.submitted(numbers), timeout=TIME_LIMIT + GRACE + 90, interval=0.2)
    recovery = elapsed_since(restarted_at)

    crash.assert_each_at_the_warehouse_once(numbers)
    for process in workers:
        assert process.alive, process.output()[-3000:]
        assert "Unrecoverable error" not in process.output()
    replies = celery_app.control.ping(destination=[f"{p.name}@{os.uname().nodename}" for p in workers], timeout=10)
    assert len(replies) == 2, replies
    record_measurement(
        f"Redis restarted under two busy workers: both alive, every RMA at the warehouse once, {recovery}s after"
    )


# -- platform actions and later changes (the same recovery as RMA pushes) -------------------------

PROCESS = "/warehouse/return/880011/process"
RETRY_AFTER = 6  # the fakes' 503 Retry-After: the retry a killed worker held in memory was due this much later
SLACK = 15  # the call itself, a beat tick and a worker's first task on a shared 2-core machine


def _bound(crash: Crash, prefix: str, *, due_later: float = 0) -> float:
    """The documented bound, from the settings the processes run with: a sweep grace plus one interval
    after the kill (or after a retry that was due later)."""
    grace = float(crash.env[f"{prefix}_SWEEP_GRACE_SECONDS"])
    interval = float(crash.env[f"{prefix}_SWEEP_INTERVAL_SECONDS"])
    return due_later + grace + interval


def _two_workers(crash: Crash) -> None:
    """Beat and two workers, all ready: one will be killed, the other survives (the bound is the sweep's,
    not a worker's start-up on a loaded machine)."""
    processes = [crash.beat(), crash.worker("w1"), crash.worker("w2")]
    for process in processes:
        process.wait_ready()


def _holder(crash: Crash, task: str, *, received: int) -> CeleryProcess:
    """The worker that received the task's message last, once `received` messages of it arrived (the
    first publish, then its retry): the one holding it now."""
    prefix = r"^\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+):"
    pattern = re.compile(prefix + rf".*Task {re.escape(task)}\[[^\]]+\] received", re.MULTILINE)

    def seen() -> list[tuple[str, CeleryProcess]]:
        return [
            (stamp, process)
            for process in crash.processes
            if process.kind == "worker"
            for stamp in pattern.findall(process.output())
        ]

    wait_for(lambda: len(seen()) >= received, timeout=30, interval=0.05)
    return max(seen(), key=lambda hit: hit[0])[1]


def _swept(crash: Crash, task: str) -> bool:
    """Whether a sweep run by a worker re-published something (its result, logged by Celery, is the count)."""
    pattern = re.compile(rf"Task {re.escape(task)}\[[^\]]+\] succeeded in [0-9.e-]+s: [1-9]")
    return any(pattern.search(p.output()) for p in crash.processes if p.kind == "worker")


def _platform_action_queued(crash: Crash) -> Return:
    """A manual-mode Loop return whose RMA the warehouse reports received in full: "process" is decided
    and its task published on commit, as the warehouse webhook does."""
    ret, (rma,) = make_world(crash.server)
    rma_apply_warehouse_event(
        connection=rma.warehouse_connection, event=received_event("1042", {"TEE-BLK-M": 2}), webhook_id=None
    )
    ret.refresh_from_db()
    assert ret.platform_action == Return.PlatformActionStatus.PROCESS_QUEUED
    return ret


def test_a_worker_killed_mid_platform_action_never_sends_it_twice(crash: Crash) -> None:
    """SIGKILL of the whole worker while Loop holds its "process" request (landed, answer never seen).
    Its message stays unacknowledged for the visibility timeout; the platform-action sweep re-publishes
    the action after PLATFORM_ACTION_SWEEP_GRACE_SECONDS, and the rerun finds the call in flight: it is
    not sent again, and the action goes to support saying to check the return on Loop. Before, the
    action waited for reconciliation (15 minutes) and was then processed a second time."""
    _two_workers(crash)
    crash.platform.to_hold = 1
    ret = _platform_action_queued(crash)
    wait_for(lambda: crash.platform.holding() == 1, timeout=60)
    first = _holder(crash, "returns.tasks.return_platform_act", received=1)
    (second,) = [p for p in crash.processes if p.kind == "worker" and p is not first]

    killed_at = time.monotonic()
    first.kill()
    crash.platform.release()

    def resolved() -> bool:
        return Return.objects.get(pk=ret.pk).platform_action not in ("process_queued", "flag_queued")

    wait_for(resolved, timeout=_bound(crash, "PLATFORM_ACTION") + SLACK + 60, interval=0.2)
    recovery = elapsed_since(killed_at)

    ret.refresh_from_db()
    assert crash.platform.applied == {PROCESS: 1}
    assert _swept(crash, "returns.tasks.platform_actions_sweep_due")
    assert ret.platform_action == Return.PlatformActionStatus.FAILED
    failure = ret.timeline.get(kind="platform_action_failed").message
    assert "not sent again" in failure
    assert "check the return on the platform" in failure
    assert "in doubt after a worker died" in second.output()
    record_measurement(
        f"worker SIGKILLed mid platform action: sent once, handed to support {recovery}s after the kill "
        f"(bound {_bound(crash, 'PLATFORM_ACTION')}s + the call)"
    )
    assert recovery <= _bound(crash, "PLATFORM_ACTION") + SLACK


def test_a_platform_action_whose_retry_died_with_its_worker_is_sent_once(crash: Crash) -> None:
    """Loop answers the first "process" 503 (nothing applied); the retry waits in the worker's memory
    (an ETA message, unacknowledged) when the worker is SIGKILLed. The due marker says when the retry
    was due, and the sweep re-publishes it a grace later: processed, applied at Loop exactly once."""
    _two_workers(crash)
    crash.platform.fail_next = 1
    ret = _platform_action_queued(crash)

    def retry_scheduled() -> bool:
        due = Return.objects.get(pk=ret.pk).platform_action_due_at
        return crash.platform.failed.get(PROCESS) == 1 and due is not None and due > timezone.now()

    wait_for(retry_scheduled, timeout=60, interval=0.05)
    holder = _holder(crash, "returns.tasks.return_platform_act", received=2)
    killed_at = time.monotonic()
    holder.kill()

    def processed() -> bool:
        return Return.objects.get(pk=ret.pk).platform_action == Return.PlatformActionStatus.PROCESSED

    bound = _bound(crash, "PLATFORM_ACTION", due_later=RETRY_AFTER)
    wait_for(processed, timeout=bound + SLACK + 60, interval=0.2)
    recovery = elapsed_since(killed_at)

    assert crash.platform.applied == {PROCESS: 1}
    assert crash.platform.failed == {PROCESS: 1}
    assert _swept(crash, "returns.tasks.platform_actions_sweep_due")  # not the killed worker's retry
    record_measurement(
        f"worker SIGKILLed holding a platform action's retry: processed once, {recovery}s after the kill "
        f"(bound {bound}s + the call)"
    )
    assert recovery <= bound + SLACK


def test_a_tracking_update_whose_retry_died_with_its_worker_is_sent_once(crash: Crash) -> None:
    """A label arrives for a submitted RMA; ShipMonk answers the tracking upsert 503 and the retry waits in
    the worker's memory when the worker is SIGKILLed. Tracking updates used to be lost until the broker's
    visibility timeout (an hour); the RMA sweep now re-publishes it from RMA.tracking_due_at."""
    _two_workers(crash)
    (number,) = crash.plan(1)
    wait_for(lambda: crash.submitted([number]), timeout=60, interval=0.2)
    rma = RMA.objects.get(number=number)
    ReturnShipmentFactory(return_obj=rma.return_obj, tracking_number="1ZCRASH0001", shipment_key="1ZCRASH0001")
    crash.wms.fail_next = 1
    rmas_on_return_changed(return_obj=rma.return_obj, change="label_created")

    def retry_scheduled() -> bool:
        due = RMA.objects.get(pk=rma.pk).tracking_due_at
        return crash.wms.failed == 1 and due is not None and due > timezone.now()

    wait_for(retry_scheduled, timeout=60, interval=0.05)
    holder = _holder(crash, "returns.tasks.rma_tracking_push", received=2)
    killed_at = time.monotonic()
    holder.kill()

    def tracking_sent() -> bool:
        now = RMA.objects.get(pk=rma.pk)
        return now.pushed_tracking_numbers == ["1ZCRASH0001"] and now.tracking_due_at is None

    bound = _bound(crash, "RMA", due_later=RETRY_AFTER)
    wait_for(tracking_sent, timeout=bound + SLACK + 60, interval=0.2)
    recovery = elapsed_since(killed_at)

    with_tracking = [body for body in crash.wms.applied if "1ZCRASH0001" in json.dumps(body)]
    assert len(with_tracking) == 1, crash.wms.applied
    assert crash.wms.creates == {number: 2}  # the create, then the one tracking upsert
    assert _swept(crash, "returns.tasks.rmas_sweep_pending")  # not the killed worker's retry
    record_measurement(
        f"worker SIGKILLed holding a tracking update's retry: sent once, {recovery}s after the kill "
        f"(bound {bound}s + the call)"
    )
    assert recovery <= bound + SLACK
