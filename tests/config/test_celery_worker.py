"""A real Celery worker (never eager mode) runs a task that retries with a countdown, on each broker."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache

from config.celery import app as celery_app
from config.env import BASE_DIR
from config.tasks import heartbeat_with_retry
from tests.conftest import running_worker, use_broker, wait_for


def _heartbeat_completes(key: str, *, timeout: float = 60) -> int:
    heartbeat_with_retry.delay(key, 2)
    return wait_for(lambda: cache.get(f"{key}:done"), timeout=timeout)


@pytest.mark.worker
def test_real_worker_runs_a_task_that_retries_with_countdown(celery_worker: object) -> None:
    """Whatever broker the settings chose (filesystem on a laptop, Redis in CI)."""
    key = f"hb-{uuid.uuid4()}"

    assert _heartbeat_completes(key) == 3


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_real_worker_retries_with_countdown_over_the_filesystem_broker(tmp_path: Path) -> None:
    folders = {"queue": tmp_path / "queue", "control": tmp_path / "control"}
    for folder in folders.values():
        folder.mkdir()
    options = {
        "data_folder_in": str(folders["queue"]),
        "data_folder_out": str(folders["queue"]),
        "control_folder": str(folders["control"]),
        "store_processed": False,
        "polling_interval": 0.05,
    }
    key = f"hb-fs-{uuid.uuid4()}"

    with use_broker("filesystem://", options), running_worker():
        assert celery_app.connection_for_write().transport_cls == "filesystem"
        assert _heartbeat_completes(key) == 3


@pytest.mark.worker
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_real_worker_retries_with_countdown_over_redis() -> None:
    key = f"hb-redis-{uuid.uuid4()}"

    with use_broker(settings.REDIS_URL, {"visibility_timeout": 3600}), running_worker():
        assert celery_app.connection_for_write().transport_cls == "redis"
        assert _heartbeat_completes(key) == 3


@pytest.mark.worker
@pytest.mark.redis
def test_a_separate_worker_process_consumes_from_redis() -> None:
    """`celery -A config worker` as its own process, as in production; the task only uses the Redis cache."""
    key = f"hb-proc-{uuid.uuid4()}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.django.test",
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_BROKER_URL": settings.REDIS_URL,
    }
    worker = subprocess.Popen(  # noqa: S603 (fixed argv, our own interpreter)
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "-l",
            "info",
            "-Q",
            "sync",
            "--pool",
            "solo",
            "-n",
            f"test-{uuid.uuid4().hex[:8]}@%h",
        ],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        with use_broker(settings.REDIS_URL, {"visibility_timeout": 3600}):
            assert settings.CACHES["default"]["BACKEND"].endswith("RedisCache")
            attempts = _heartbeat_completes(key, timeout=60)
    finally:
        worker.terminate()
        try:
            output, _ = worker.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            output, _ = worker.communicate()
    assert attempts == 3, output
    assert "config.tasks.heartbeat_with_retry" in output
    assert "Retry in 1s" in output


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("state", "kept"), [("SUCCESS", True), ("FAILURE", False), ("RETRY", False)])
def test_a_task_keeps_its_database_connection_only_after_a_success(state: str, kept: bool) -> None:
    """Tasks follow Django's request rules (CONN_MAX_AGE) instead of Celery's close-every-task default,
    which cost each task a new PostgreSQL connection; anything but a success drops the connection."""
    from django.db import connection

    from config.celery import _db_connections_after_task, _db_connections_before_task

    assert celery_app.conf.get("CELERY_DB_REUSE_MAX") >= 1_000_000  # Celery's own closing is off
    connection.settings_dict["CONN_MAX_AGE"], saved = 60, connection.settings_dict["CONN_MAX_AGE"]
    try:
        _db_connections_before_task()
        connection.ensure_connection()
        raw = connection.connection
        _db_connections_after_task(state=state)
        _db_connections_before_task()
        assert (connection.connection is raw) is kept
    finally:
        connection.settings_dict["CONN_MAX_AGE"] = saved


def test_filesystem_broker_messages_appear_only_when_complete(tmp_path: Path) -> None:
    """A consumer takes any `<...>.<queue>.msg` file it finds; kombu's own transport wrote that file in
    place, so a consumer could read it half-written, crash on the JSON and lose the message."""
    from kombu import Connection
    from kombu.transport import filesystem, resolve_transport

    from config import broker

    assert resolve_transport("filesystem") is broker.FilesystemTransport
    options = {"data_folder_in": str(tmp_path), "data_folder_out": str(tmp_path), "control_folder": str(tmp_path)}
    seen_while_writing: list[str] = []
    real_dumps = broker.dumps

    def dumps_and_look(message: object) -> str:
        seen_while_writing.extend(os.listdir(tmp_path))  # the folder as a consumer sees it mid-write
        return real_dumps(message)

    with Connection("filesystem://", transport_options=options) as conn:
        assert isinstance(conn.transport, broker.FilesystemTransport)
        queue = conn.SimpleQueue("atomic-test")
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(broker, "dumps", dumps_and_look)
            mp.setattr(filesystem, "dumps", dumps_and_look)  # kombu's own _put, were it still in use
            queue.put({"n": 1})
        assert not [name for name in seen_while_writing if name.endswith(".atomic-test.msg")]
        assert queue.get(timeout=5).payload == {"n": 1}
        queue.close()


@pytest.mark.parametrize("url", ["redis://127.0.0.1:6379/0", "rediss://127.0.0.1:6380/0"])
def test_redis_broker_urls_use_the_transport_that_survives_a_redis_restart(url: str) -> None:
    """config/broker.py's Redis transport (its behaviour: tests/e2e/test_crash_recovery.py)."""
    from kombu import Connection
    from kombu.transport import resolve_transport

    from config import broker

    assert resolve_transport(url.split(":")[0]) is broker.RedisTransport
    assert Connection(
        url, ssl={"ssl_cert_reqs": "required"} if url.startswith("rediss") else False
    ).transport.Channel is (broker.RedisChannel)
