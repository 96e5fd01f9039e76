"""Crash recovery with real processes and real signals (issue 13, reliability.md rules 5 and 12, tests 17-20).

Separate `celery` worker and beat processes run on the test's PostgreSQL database and on a Redis server
the test owns, against a ShipMonk fake that records every create and can hold one until the test has
killed the worker that sent it (the request has landed, the answer never arrives). Settings are
shortened through the environment (time limit, sweep grace and interval); the code paths are the real
ones. Each test records what it measured in var/artifacts/crash-recovery.log.
"""

import os
import signal
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from config.celery import app as celery_app
from integrations.models import Connection, Store
from returns.models import RMA
from returns.services.rmas.triggers import rmas_on_return_changed
from tests.conftest import reset_celery_pools, use_broker, wait_for
from tests.processes import (
    CeleryProcess,
    HoldingShipMonk,
    RedisServer,
    celery_env,
    elapsed_since,
    record_measurement,
    redis_server,
)
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
    server = HTTPServer(threaded=True)
    server.expect_request("/v1/integrations/returns", method="POST").respond_with_handler(wms.create)
    server.expect_request("/v1/integrations/returns-list").respond_with_handler(wms.lookup)
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
                RMA_PUSH_BACKOFF_SECONDS=0.5,
                RMA_PUSH_MAX_RETRIES=2,
                PROVIDER_READ_TIMEOUT=60,
            )
            yield Crash(tmp_path, redis, wms, store, connection, env, processes)
    finally:
        wms.release()
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
