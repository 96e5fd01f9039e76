"""Leases on Redis (production) and on files (the quick start): one holder, expiry, release by token,
across threads and across processes killed with SIGKILL."""

import os
import signal
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from config import leases
from config.env import BASE_DIR
from config.leases import FileLeases, RedisLeases, lease_acquire
from tests.conftest import wait_for

# A process that takes a lease, says so, and waits to be killed.
HOLD_AND_WAIT = """
import os, sys, time, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.django.test")
django.setup()
from config.leases import lease_acquire
with lease_acquire(key=sys.argv[1], seconds=float(sys.argv[2])) as lease:
    print("held" if lease.held else "busy", flush=True)
    time.sleep(600)
"""


@pytest.fixture(params=["files", pytest.param("redis", marks=pytest.mark.redis)])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    if request.param == "files":
        yield FileLeases(tmp_path / "leases")
    else:
        yield RedisLeases(os.environ["REDIS_URL"])


def _key() -> str:
    return f"test:{uuid.uuid4().hex}"


def test_one_holder_at_a_time_and_the_other_is_told_how_long(backend: Any) -> None:
    key = _key()
    first, _ = backend.acquire(key=key, token="a", seconds=30)
    second, wait = backend.acquire(key=key, token="b", seconds=30)

    assert first is not None
    assert second is None
    assert 25 < wait <= 30


def test_a_lease_expires_on_its_own(backend: Any) -> None:
    key = _key()
    holding, _ = backend.acquire(key=key, token="dead-holder", seconds=0.5)
    assert holding is not None

    wait_for(lambda: backend.remaining(key=key) == 0, timeout=10)
    taken, _ = backend.acquire(key=key, token="next", seconds=30)
    assert taken is not None


def test_only_the_token_that_took_it_releases_it(backend: Any) -> None:
    """A holder that outlived its lease must not release the next holder's."""
    key = _key()
    stale, _ = backend.acquire(key=key, token="stale", seconds=0.5)
    wait_for(lambda: backend.remaining(key=key) == 0, timeout=10)
    current, _ = backend.acquire(key=key, token="current", seconds=30)
    assert stale is not None
    assert current is not None

    with pytest.raises((leases.LeaseLost, leases.redis.exceptions.LockError)):
        stale.release()
    assert backend.acquire(key=key, token="third", seconds=30)[0] is None  # still the current holder's
    current.release()
    assert backend.acquire(key=key, token="third", seconds=30)[0] is not None


def test_threads_racing_for_one_key_get_one_holder(backend: Any) -> None:
    key = _key()
    start = threading.Barrier(8)
    held: list[bool] = []

    def race(n: int) -> None:
        start.wait()
        holding, _ = backend.acquire(key=key, token=f"t{n}", seconds=30)
        held.append(holding is not None)

    threads = [threading.Thread(target=race, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(held) == [False] * 7 + [True]


def test_lease_acquire_releases_on_exit_and_on_error(settings: Any, tmp_path: Path) -> None:
    settings.REDIS_URL = ""
    settings.LEASE_DIR = tmp_path / "leases"
    key = _key()
    with lease_acquire(key=key, seconds=30) as lease, lease_acquire(key=key, seconds=30) as other:
        assert (lease.held, other.held) == (True, False)
        assert 25 < other.wait_seconds <= 30

    def failing_work() -> None:
        with lease_acquire(key=key, seconds=30) as lease:
            assert lease.held
            raise RuntimeError("the work failed")

    with pytest.raises(RuntimeError):
        failing_work()
    with lease_acquire(key=key, seconds=30) as lease:
        assert lease.held


def test_the_default_lease_lasts_the_task_hard_time_limit(settings: Any) -> None:
    settings.CELERY_TASK_TIME_LIMIT = 123
    assert leases.default_lease_seconds() == 123


@pytest.mark.parametrize("store", ["files", pytest.param("redis", marks=pytest.mark.redis)])
def test_a_lease_held_by_a_killed_process_runs_out_with_its_duration(store: str, tmp_path: Path) -> None:
    """The quick start's web, worker and beat are separate processes: a worker killed with SIGKILL
    holds its lease until it expires, never longer, and never gives it to two processes."""
    key = _key()
    env = {**os.environ, "LEASE_DIR": str(tmp_path / "leases")}
    if store == "files":
        env.pop("REDIS_URL", None)
    holder = subprocess.Popen(  # noqa: S603 (our own interpreter, fixed script)
        [sys.executable, "-c", HOLD_AND_WAIT, key, "4"],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "held"
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait(timeout=30)
    finally:
        if holder.poll() is None:
            holder.kill()
    backend = FileLeases(tmp_path / "leases") if store == "files" else RedisLeases(settings.REDIS_URL)

    holding, wait = backend.acquire(key=key, token="after-the-kill", seconds=30)
    assert holding is None  # the dead holder's lease still stands ...
    assert 0 < wait <= 4  # ... only until its duration ends
    wait_for(lambda: backend.remaining(key=key) == 0, timeout=20)
    assert backend.acquire(key=key, token="after-expiry", seconds=30)[0] is not None
