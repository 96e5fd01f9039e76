"""Real processes for crash tests: a Redis server the test owns, `celery` worker and beat processes, and
a ShipMonk fake that can hold a request until the test has killed the worker that sent it."""

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import redis
from django.db import connection
from werkzeug import Request, Response

from config.env import BASE_DIR
from tests.conftest import wait_for


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class RedisServer:
    """A redis-server of the test's own on a free port, with an append-only file, so it can be restarted
    (shutdown, then start again on the same port and data) without touching the shared Redis."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        binary = shutil.which("redis-server")
        assert binary, "redis-server is not installed"
        self.process = subprocess.Popen(  # noqa: S603 (fixed argv)
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.folder)]
            + ["--save", "", "--appendonly", "yes", "--appendfsync", "always"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(self.ping, timeout=20)

    def ping(self) -> bool:
        try:
            return bool(redis.Redis(port=self.port, socket_connect_timeout=0.5).ping())
        except redis.RedisError:
            return False

    def stop(self) -> None:
        """Shut down as an operator's restart does (SIGTERM: clients see their connections closed)."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()


@contextlib.contextmanager
def redis_server(folder: Path) -> Iterator[RedisServer]:
    server = RedisServer(folder)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def database_url_for_subprocess() -> str:
    """The URL of the database this test runs on (pytest-django's test database), for a subprocess."""
    conf = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{conf['NAME']}"
    auth = conf["USER"] + (f":{conf['PASSWORD']}" if conf.get("PASSWORD") else "")
    return f"postgres://{auth}@{conf['HOST'] or '127.0.0.1'}:{conf['PORT'] or 5432}/{conf['NAME']}"


class CeleryProcess:
    """`celery -A config worker|beat` in its own process group, logging to a file."""

    def __init__(self, kind: str, name: str, log: Path, env: dict[str, str], *args: str) -> None:
        self.kind, self.name, self.log = kind, name, log
        argv = [sys.executable, "-m", "celery", "-A", "config", kind, "-l", "info", *args]
        with log.open("wb") as out:
            self.process = subprocess.Popen(  # noqa: S603 (our own interpreter, fixed argv)
                argv, cwd=BASE_DIR, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )

    @classmethod
    def worker(cls, name: str, folder: Path, env: dict[str, str], *, concurrency: int = 2) -> "CeleryProcess":
        return cls(
            "worker",
            name,
            folder / f"{name}.log",
            env,
            "-Q",
            "webhooks,rmas,sync",
            "-P",
            "prefork",
            "-c",
            str(concurrency),
            "-n",
            f"{name}@%h",
        )

    @classmethod
    def beat(cls, folder: Path, env: dict[str, str]) -> "CeleryProcess":
        return cls(
            "beat",
            "beat",
            folder / "beat.log",
            env,
            "--scheduler",
            "django_celery_beat.schedulers:DatabaseScheduler",
            "--max-interval",
            "1",
        )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_ready(self, timeout: float = 60) -> None:
        marker = f"{self.name}@" if self.kind == "worker" else "beat: Starting"

        def ready() -> bool:
            assert self.alive, f"{self.name} exited:\n{self.output()[-3000:]}"
            text = self.output()
            return marker in text and (" ready." in text or self.kind == "beat")

        wait_for(ready, timeout=timeout, interval=0.2)

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def children(self) -> list[int]:
        """The pool processes of a prefork worker."""
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in path.read_text().split()]

    def kill(self) -> None:
        """SIGKILL the whole process group: the main process and its pool, at once."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.alive:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


def celery_env(*, redis_url: str, **settings: float | str) -> dict[str, str]:
    """The environment of a worker or beat process on the test's database and the given Redis."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.django.test",
        "DATABASE_URL": database_url_for_subprocess(),
        "REDIS_URL": redis_url,
        "CELERY_BROKER_URL": redis_url,
        "LOG_FORMAT": "console",
    }
    env.update({name: str(value) for name, value in settings.items()})
    return env


class HoldingShipMonk:
    """ShipMonk's create and lookup, recording every create per RMA number. While `holding` is set, a
    create is recorded (it has landed at the warehouse) and then held until `release()`: its worker
    can be killed while it waits for the answer, the ambiguous moment of a push."""

    def __init__(self, *, hold: int = 0) -> None:
        self.lock = threading.Lock()
        self.creates: dict[str, int] = {}
        self.ids: dict[str, int] = {}
        self.to_hold = hold
        self.held = 0
        self.released = threading.Event()
        self.next_id = 7000
        # Set fail_next to answer that many creates (upserts) 503 with Retry-After, applying nothing.
        self.fail_next = 0
        self.failed = 0
        self.applied: list[dict[str, object]] = []  # the body of every create / upsert that landed

    def create(self, request: Request) -> Response:
        body = json.loads(request.get_data())
        number = body["rma"]
        with self.lock:
            if self.fail_next > 0:
                self.fail_next -= 1
                self.failed += 1
                return Response("busy", status=503, headers={"Retry-After": "6"})
            self.applied.append(body)
            self.creates[number] = self.creates.get(number, 0) + 1
            self.next_id += 1
            external_id = self.ids.setdefault(number, self.next_id)
            hold = self.held < self.to_hold
            if hold:
                self.held += 1
        if hold:
            self.released.wait(timeout=120)
        body = {"status": 200, "data": {"message": "Return created", "id": external_id}}
        return Response(json.dumps(body), content_type="application/json")

    def lookup(self, request: Request) -> Response:
        number = request.args.get("rma", "")
        with self.lock:
            found = self.ids.get(number)
            rows = [{"id": found, "rma": number, "status": "status_created"}] if found else []
        body = {"status": 200, "data": {"returns_list": rows}}
        return Response(json.dumps(body), content_type="application/json")

    def release(self) -> None:
        self.released.set()

    def holding(self) -> int:
        with self.lock:
            return self.held


class HoldingPlatform:
    """Loop's warehouse actions (POST /warehouse/return/{id}/{process|flag|note}), recording every request
    per path. `fail_next` answers that many requests 503 with Retry-After (nothing applied); while
    `to_hold` is set, a request is recorded as applied and then held until `release()`, so its worker
    can be killed while it waits for the answer."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.applied: dict[str, int] = {}
        self.failed: dict[str, int] = {}
        self.fail_next = 0
        self.to_hold = 0
        self.held = 0
        self.released = threading.Event()

    def __call__(self, request: Request) -> Response:
        with self.lock:
            if self.fail_next > 0:
                self.fail_next -= 1
                self.failed[request.path] = self.failed.get(request.path, 0) + 1
                return Response("busy", status=503, headers={"Retry-After": "6"})
            self.applied[request.path] = self.applied.get(request.path, 0) + 1
            hold = self.held < self.to_hold
            if hold:
                self.held += 1
        if hold:
            self.released.wait(timeout=120)
        return Response("true", content_type="application/json")

    def release(self) -> None:
        self.released.set()

    def holding(self) -> int:
        with self.lock:
            return self.held


def elapsed_since(start: float) -> float:
    return round(time.monotonic() - start, 1)


def record_measurement(text: str) -> None:
    """Keep what a crash test measured in var/artifacts/crash-recovery.log (git-ignored)."""
    folder = BASE_DIR / "var" / "artifacts"
    folder.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y-%m-%d %H:%M:%S")
    with (folder / "crash-recovery.log").open("a") as log:
        log.write(f"{stamp} [{connection.vendor}] {text}\n")
