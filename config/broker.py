"""Two small fixes to kombu transports, each a subclass registered under the transport's own URL scheme.

Filesystem (the quick-start broker): kombu's own `_put` writes a message file in place, while a
consumer's `_get` renames any file with the queue's suffix out of the folder and reads it: a
consumer that comes by mid-write gets an empty or partial file, fails to decode it and stops the
worker, and the message is gone (kombu#1551 reports the error). Here a message is written under a
name no consumer looks at and renamed into place when complete; a rename within one folder is
atomic.

Redis (production): a worker killed itself when Redis restarted while it ran a task
(`Unrecoverable error: AttributeError: 'NoneType' object has no attribute 'hostname'`, celery
5.7.0, kombu 5.7.0, redis-py 7.4). On a lost broker connection Celery 5.7.0's consumer first calls
`Connection.collect()`, which closes the channels and then detaches the transport from the
connection (`transport.client = None`), and then also `connection.close()` (celery#10242, new in
5.7.0; 5.6.3 only collected). When the consumer's channel had a BRPOP outstanding, its first close
failed half-way (draining that BRPOP raises on the dead socket), so the second close runs it again:
it restores the unacknowledged messages of the tasks still running (late acks) through a new
connection pool, whose parameters come from `transport.client`, now None. The AttributeError is not
one of the connection errors Celery tolerates there, so the worker shuts down. A channel whose
transport was collected cannot reach Redis any more; its close is skipped instead, which leaves the
channel as Celery 5.6.3 did: its pool still serves the acks of the tasks that finish after the
reconnect, and messages it could not restore stay in Redis's unacked set, where the visibility
timeout brings them back (and the sweepers re-publish the work sooner). Tested with real worker
processes and a real Redis restart: tests/e2e/test_crash_recovery.py, which fails without this class.
Drop it once Celery no longer closes a collected connection.
"""

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from time import monotonic
from typing import Any

from kombu.exceptions import ChannelError
from kombu.transport import TRANSPORT_ALIASES, filesystem
from kombu.transport import redis as kombu_redis
from kombu.utils.json import dumps


class FilesystemChannel(filesystem.Channel):
    # kombu's stubs give the virtual and filesystem channels different _put signatures; this is
    # filesystem.Channel's.
    def _put(self, queue: str, payload: dict[str, Any], **kwargs: Any) -> None:  # type: ignore[override]
        # Same final name as kombu's (creation time first, so consumers take messages in order).
        name = f"{int(round(monotonic() * 1000))}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        partial = os.path.join(self.data_folder_out, f"partial-{uuid.uuid4()}")  # no ".<queue>.msg" suffix
        try:
            with open(partial, "wb") as out:
                out.write(dumps(payload).encode())
            os.replace(partial, final)
        except OSError as exc:
            raise ChannelError(f"Cannot add file {final!r} to directory") from exc


class FilesystemTransport(filesystem.Transport):
    Channel = FilesystemChannel


class RedisChannel(kombu_redis.Channel):
    """kombu's Redis channel, closing safely after a collect (above) and publishing through one client.

    kombu's `conn_or_acquire()` builds a new redis-py client around the channel's connection pool for
    every command it runs without one, a publish included; building a client fills its table of about
    160 response callbacks, about 5 % of a webhook's CPU in the web process (bench/results). The client
    holds no connection of its own (each command borrows one from the pool), so one client per pool
    serves every command the same way."""

    _pool_client: Any = None

    @contextmanager
    def conn_or_acquire(self, client: Any = None) -> Iterator[Any]:
        if client:
            yield client
            return
        pool = self.pool
        if self._pool_client is None or self._pool_client.connection_pool is not pool:
            # As kombu builds its own: the transport's client class (a key prefix), the pool's credentials.
            kwargs: dict[str, Any] = {"connection_pool": pool}
            credential_provider = pool.connection_kwargs.get("credential_provider")
            if credential_provider is not None:
                kwargs["credential_provider"] = credential_provider
            self._pool_client = self.Client(**kwargs)
        yield self._pool_client

    def close(self) -> None:
        # `connection` is the channel's transport; its `client`, the kombu Connection that owns it,
        # is None once Connection.collect() has run (see the module docstring).
        if self.connection is not None and self.connection.client is None:
            return
        super().close()


class RedisTransport(kombu_redis.Transport):
    Channel = RedisChannel


def register() -> None:
    """Make `filesystem://`, `redis://` and `rediss://` broker URLs use the transports above in this process."""
    TRANSPORT_ALIASES["filesystem"] = "config.broker:FilesystemTransport"
    TRANSPORT_ALIASES["redis"] = "config.broker:RedisTransport"
    TRANSPORT_ALIASES["rediss"] = "config.broker:RedisTransport"
