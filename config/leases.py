"""Leases: one holder at a time per key, across processes and hosts, that die with their holder.

A lease is taken once (never waited for), expires on its own after `seconds`, and is released
only by the token that took it, so a holder whose lease already expired cannot release a
newer holder's. With the default duration, the Celery hard time limit, a holder killed at any
moment (SIGKILL, OOM, time limit) frees the lease by the time any task could still be running
under it; a waiting task is told how long that is.

Backends:
- Redis (whenever REDIS_URL is set, so always in production): redis-py's `Lock`, an atomic
  `SET NX PX` with a random token and a Lua compare-and-delete on release.
  https://redis-py.readthedocs.io/en/stable/lock.html
- Files (the quick start without Redis: web, worker and beat on one machine): a JSON record per
  key in one of a few stripe files under LEASE_DIR, read and rewritten under `flock`, with the
  same expiry and token rules. flock works across processes and threads on one host only.
"""

import contextlib
import fcntl
import functools
import json
import logging
import os
import time
import uuid
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import redis
from django.conf import settings

logger = logging.getLogger(__name__)

REDIS_KEY_PREFIX = "backhaul:lease:"
# When the lease store itself cannot be reached, callers come back after this long.
UNREACHABLE_WAIT_SECONDS = 5.0


@dataclass(frozen=True)
class Lease:
    """The outcome of one attempt to take a lease."""

    key: str
    held: bool
    # When not held: seconds until the current holder's lease expires (0 when unknown).
    wait_seconds: float = 0.0


class _Holding(Protocol):
    def release(self) -> None: ...


class _Backend(Protocol):
    def acquire(self, *, key: str, token: str, seconds: float) -> tuple[_Holding | None, float]: ...

    def remaining(self, *, key: str) -> float: ...


class RedisLeases:
    """redis-py `Lock` per key: atomic acquire with expiry, release by token."""

    def __init__(self, url: str) -> None:
        # Bounded socket waits: a lease is asked for at the start of a task, and a Redis that
        # does not answer must turn into "come back later", not a hung worker.
        self.client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)

    def acquire(self, *, key: str, token: str, seconds: float) -> tuple[_Holding | None, float]:
        lock = self.client.lock(REDIS_KEY_PREFIX + key, timeout=seconds, blocking=False, thread_local=False)
        try:
            if lock.acquire(token=token):
                return lock, 0.0
            return None, self.remaining(key=key)
        except redis.RedisError as exc:
            logger.warning("lease store unreachable for %s: %s", key, type(exc).__name__)
            return None, UNREACHABLE_WAIT_SECONDS

    def remaining(self, *, key: str) -> float:
        milliseconds: int = self.client.pttl(REDIS_KEY_PREFIX + key)  # type: ignore[assignment]  # sync client
        return max(float(milliseconds), 0.0) / 1000  # -2: gone, -1: no expiry (never set by us)


class _FileHolding:
    def __init__(self, leases: "FileLeases", key: str, token: str) -> None:
        self.leases, self.key, self.token = leases, key, token

    def release(self) -> None:
        self.leases.release(key=self.key, token=self.token)


class FileLeases:
    """Lease records in stripe files under one folder, each read and rewritten under flock."""

    STRIPES = 32

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)

    def acquire(self, *, key: str, token: str, seconds: float) -> tuple[_Holding | None, float]:
        with self._stripe(key) as (records, save):
            now = time.time()
            current = records.get(key)
            if current is not None and current["expires"] > now:
                return None, current["expires"] - now
            records[key] = {"token": token, "expires": now + seconds}
            save()
        return _FileHolding(self, key, token), 0.0

    def release(self, *, key: str, token: str) -> None:
        with self._stripe(key) as (records, save):
            current = records.get(key)
            if current is None or current["token"] != token:
                raise LeaseLost(key)
            del records[key]
            save()

    def remaining(self, *, key: str) -> float:
        with self._stripe(key) as (records, _save):
            current = records.get(key)
            return max(current["expires"] - time.time(), 0.0) if current else 0.0

    @contextlib.contextmanager
    def _stripe(self, key: str) -> Iterator[tuple[dict[str, dict[str, Any]], "_Save"]]:
        """The stripe's live records under its lock; save() writes them back atomically."""
        stripe = zlib.crc32(key.encode()) % self.STRIPES
        data = self.folder / f"leases-{stripe:02d}.json"
        # The lock file is never replaced, so every process locks the same inode; the data file
        # is replaced by rename, so a reader never sees half a write.
        fd = os.open(self.folder / f"leases-{stripe:02d}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                records = json.loads(data.read_text())
            except (FileNotFoundError, ValueError):
                records = {}
            now = time.time()
            records = {k: v for k, v in records.items() if v.get("expires", 0) > now}

            def save() -> None:
                partial = data.with_name(f"{data.name}.{uuid.uuid4().hex}.partial")
                partial.write_text(json.dumps(records))
                os.replace(partial, data)

            yield records, save
        finally:
            os.close(fd)  # also drops the flock


class _Save(Protocol):
    def __call__(self) -> None: ...


class LeaseLost(Exception):
    """The lease expired (and may belong to someone else) before its holder released it."""


@functools.cache
def _redis_backend(url: str) -> RedisLeases:
    return RedisLeases(url)


@functools.cache
def _file_backend(folder: str) -> FileLeases:
    return FileLeases(Path(folder))


def leases_backend() -> _Backend:
    """Redis when REDIS_URL is set, else files under LEASE_DIR (the quick start)."""
    if settings.REDIS_URL:
        return _redis_backend(settings.REDIS_URL)
    return _file_backend(str(settings.LEASE_DIR))


def default_lease_seconds() -> float:
    """The Celery hard time limit: no task can hold a lease longer, so a dead holder's lease ends by then."""
    return float(settings.CELERY_TASK_TIME_LIMIT)


@contextlib.contextmanager
def lease_acquire(*, key: str, seconds: float | None = None) -> Iterator[Lease]:
    """Try once to take the lease on `key`; hold it for the block, then release it by its token."""
    token = uuid.uuid4().hex
    holding, wait = leases_backend().acquire(key=key, token=token, seconds=seconds or default_lease_seconds())
    try:
        yield Lease(key=key, held=holding is not None, wait_seconds=wait)
    finally:
        if holding is not None:
            try:
                holding.release()
            except (redis.exceptions.LockError, LeaseLost):
                # It outlived its duration (threads pool without time limits, a stalled process):
                # whoever holds it now keeps it.
                logger.warning("lease %s expired before its holder released it", key)
            except redis.RedisError as exc:
                logger.warning("could not release lease %s (%s); it expires on its own", key, type(exc).__name__)
