"""Shared fixtures: service markers that fail (never skip) in CI, network blocking, a real Celery worker."""

import contextlib
import logging
import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from celery.contrib.testing.worker import start_worker

from config.celery import app as celery_app

IN_CI = os.environ.get("CI") == "true"
# Seconds before pytest-timeout fails a test that runs real workers, processes or a browser (the
# global `timeout` in pyproject.toml is for everything else).
WORKER_TEST_TIMEOUT = 600


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Give worker and browser tests the longer timeout, unless a test sets its own."""
    for item in items:
        slow = item.get_closest_marker("worker") or item.get_closest_marker("browser")
        if (slow or "celery_worker" in getattr(item, "fixturenames", ())) and not item.get_closest_marker("timeout"):
            item.add_marker(pytest.mark.timeout(WORKER_TEST_TIMEOUT))


PROVIDERS_DIR = Path(__file__).resolve().parent.parent / "integrations" / "providers"


@pytest.fixture(autouse=True)
def _require_services(request: pytest.FixtureRequest) -> None:
    """A redis/postgres test without its service fails in CI and is skipped only on a laptop."""
    from django.db import connection

    needs = []
    if request.node.get_closest_marker("redis") and not os.environ.get("REDIS_URL"):
        needs.append("REDIS_URL")
    if request.node.get_closest_marker("postgres") and connection.vendor != "postgresql":
        needs.append("DATABASE_URL (PostgreSQL)")
    if needs:
        message = f"needs {', '.join(needs)}"
        if IN_CI:
            pytest.fail(f"{message}: CI must provide it")
        pytest.skip(message)


_real_connect = socket.socket.connect


def _loopback_only_connect(self: socket.socket, address: Any) -> Any:
    host = address[0] if isinstance(address, tuple) else address
    if isinstance(host, str) and host not in ("127.0.0.1", "localhost", "::1") and not host.startswith("/"):
        raise RuntimeError(f"tests must not reach the network (tried {address!r})")
    return _real_connect(self, address)


@pytest.fixture(autouse=True)
def _block_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never call a real provider: only loopback (local fakes, PostgreSQL, Redis) is reachable."""
    monkeypatch.setattr(socket.socket, "connect", _loopback_only_connect)


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    """Each test starts with empty rate-limit windows: the suite posts many refused webhooks from
    127.0.0.1, and one test's refusals must not have the next one's answered 429."""
    from integrations import ratelimit

    ratelimit._limiter().storage.reset()


# Run in every document a browser test opens: each Content-Security-Policy violation is handed to the
# test (the event fires for blocked inline scripts, styles, style attributes, eval and sources alike).
CSP_WATCH_SCRIPT = """
document.addEventListener('securitypolicyviolation', (event) => {
  window.__cspViolation(`${event.effectiveDirective} blocked ${event.blockedURI || 'inline'} on `
    + `${document.location.pathname} (${event.sourceFile || '-'}:${event.lineNumber}) ${event.sample || ''}`);
});
"""


class CspViolations(list[str]):
    """Every Content-Security-Policy violation in a Playwright page, across its navigations."""

    def watch(self, page: Any) -> None:
        page.expose_function("__cspViolation", self._event)
        page.add_init_script(CSP_WATCH_SCRIPT)
        # Chromium also reports each violation on the console ("Refused to ... Content Security Policy").
        page.on("console", self._console)

    def _event(self, text: str) -> None:
        self.append(text)

    def _console(self, message: Any) -> None:
        if "Content Security Policy" in message.text:
            self.append(f"console: {message.text}")


@pytest.fixture(autouse=True)
def csp_violations(request: pytest.FixtureRequest) -> Iterator[CspViolations | None]:
    """Every browser test fails on a Content-Security-Policy violation in any page it opened (issue 22)."""
    if "page" not in request.fixturenames:
        yield None
        return
    violations = CspViolations()
    violations.watch(request.getfixturevalue("page"))
    yield violations
    assert list(violations) == [], "Content-Security-Policy violations:\n" + "\n".join(violations)


def load_fixture(provider: str, name: str) -> bytes:
    """The raw bytes of integrations/providers/<provider>/fixtures/<name>.json, a body as the provider sends it
    (bytes: signatures are over raw bodies)."""
    return (PROVIDERS_DIR / provider / "fixtures" / f"{name}.json").read_bytes()


def reset_celery_pools() -> None:
    """Close and forget every broker connection and producer pool (after pointing the app elsewhere).

    kombu's pools.reset() and force_close_all() close the pools but leave them in kombu's global
    registries, so the next publish would get "Acquire on closed pool": clear the registries too.
    """
    from kombu import pools

    pools.reset()
    pools.connections.clear()
    pools.producers.clear()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@contextlib.contextmanager
def use_broker(url: str, transport_options: dict[str, Any] | None = None) -> Iterator[None]:
    """Point the app at another broker for one test, then put the configured one back."""
    saved = (celery_app.conf.broker_url, celery_app.conf.broker_transport_options)
    reset_celery_pools()
    celery_app.conf.broker_url = url
    if transport_options is not None:
        celery_app.conf.broker_transport_options = transport_options
    try:
        yield
    finally:
        reset_celery_pools()
        celery_app.conf.broker_url, celery_app.conf.broker_transport_options = saved


def purge_broker() -> None:
    """Drop messages left by earlier tests so a worker sees only this test's work."""
    with celery_app.connection_for_write() as conn:
        for queue in celery_app.conf.task_queues:
            with contextlib.suppress(Exception):
                queue.bind(conn.default_channel).purge()


@pytest.fixture(autouse=True)
def _root_log_level_put_back() -> Iterator[None]:
    """A Celery worker started in this process (running_worker, or start_worker in a test) sets the root logger's
    level to ERROR; it is put back after every test, or every later test's warnings would vanish from caplog."""
    root_level = logging.getLogger().level
    yield
    logging.getLogger().setLevel(root_level)


@contextlib.contextmanager
def running_worker(concurrency: int = 2, pool: str = "threads") -> Iterator[Any]:
    """A real Celery worker (consumer, acks, retries, countdowns) in this process, on the configured broker."""
    purge_broker()
    yield from _worker_started(concurrency, pool)


def _worker_started(concurrency: int, pool: str) -> Iterator[Any]:
    with start_worker(
        celery_app,
        pool=pool,
        concurrency=concurrency,
        perform_ping_check=False,
        queues=["webhooks", "rmas", "sync"],
        shutdown_timeout=30,
    ) as worker:
        _wait_until_consuming()
        yield worker


def _wait_until_consuming(timeout: float = 30.0) -> None:
    """Hand the worker to the test only once it has run a task: a cold first start can take a while
    to bind its queues, and a test's own timeout should measure the test, not the start-up."""
    import time
    import uuid

    from django.core.cache import cache

    from config.tasks import heartbeat_with_retry

    key = f"worker-ready-{uuid.uuid4()}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        heartbeat_with_retry.delay(key, 0)
        for _ in range(40):
            if cache.get(f"{key}:done"):
                return
            time.sleep(0.05)
    pytest.fail(f"the test worker ran no task within {timeout}s of starting")


@pytest.fixture
def celery_worker(transactional_db: None) -> Iterator[Any]:
    """A real worker; its tests use transactional_db so rows commit and on_commit publishes."""
    with running_worker() as worker:
        yield worker


def wait_for(predicate: Any, *, timeout: float = 20.0, interval: float = 0.05) -> Any:
    """Poll until predicate() is truthy (a worker runs in another thread); fail with a clear message."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout}s waiting for {getattr(predicate, '__name__', 'condition')}")


def admin_log_in(page: Any, base_url: str, *, username: str, password: str) -> None:
    """Log in to the admin in a Playwright page at 1366x768, the size every console page is judged at."""
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(f"{base_url}/admin/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


class TaskRuns:
    """Counts, through Celery's signals, the task messages published and the task runs finished in this
    process (the test and its in-process worker), so a test can wait until everything it set off has
    run instead of sleeping and hoping nothing more happens. Messages are matched by task id (a retry
    is a new message with the same id), so runs of messages published before it started do not count."""

    def __init__(self) -> None:
        import threading
        from collections import Counter

        self._lock = threading.Lock()
        self.published: Counter[str] = Counter()
        self.finished: Counter[str] = Counter()
        self.runs_done: list[tuple[str, tuple[Any, ...], str, Any]] = []  # (task name, args, state, return value)
        self.retried: list[str] = []

    def _on_publish(self, headers: dict[str, Any] | None = None, **kwargs: Any) -> None:
        with self._lock:
            self.published[str((headers or {}).get("id"))] += 1

    def _on_postrun(
        self,
        task_id: str | None = None,
        task: Any = None,
        args: Any = None,
        state: str | None = None,
        retval: Any = None,
        **kwargs: Any,
    ) -> None:
        with self._lock:
            if str(task_id) in self.published:
                self.finished[str(task_id)] += 1
                self.runs_done.append((task.name, tuple(args or ()), state or "", retval))

    def _on_retry(self, sender: Any = None, **kwargs: Any) -> None:
        with self._lock:
            self.retried.append(sender.name)

    def __enter__(self) -> "TaskRuns":
        from celery import signals

        signals.before_task_publish.connect(self._on_publish, weak=False)
        signals.task_postrun.connect(self._on_postrun, weak=False)
        signals.task_retry.connect(self._on_retry, weak=False)
        return self

    def __exit__(self, *exc: object) -> None:
        from celery import signals

        signals.before_task_publish.disconnect(self._on_publish)
        signals.task_postrun.disconnect(self._on_postrun)
        signals.task_retry.disconnect(self._on_retry)

    def runs(self, name: str) -> list[tuple[tuple[Any, ...], str, Any]]:
        """The finished runs of one task (its short name, e.g. "rma_push"): (args, state, return value)."""
        with self._lock:
            return [(args, state, retval) for task, args, state, retval in self.runs_done if task.endswith(f".{name}")]

    def wait_idle(self, *, timeout: float = 30.0) -> None:
        """Wait until every message published since the start has been run (retries publish anew)."""

        def idle() -> bool:
            with self._lock:
                return all(self.finished[task_id] >= count for task_id, count in self.published.items())

        wait_for(idle, timeout=timeout)


@pytest.fixture
def task_runs() -> Iterator[TaskRuns]:
    with TaskRuns() as runs:
        yield runs


@pytest.fixture
def server_errors(page: Any) -> Iterator[list[str]]:
    """Every 5xx the browser saw during the test (the test fails on any); a 20 s default wait for the page."""
    seen: list[str] = []

    def record(response: Any) -> None:
        if response.status >= 500:
            seen.append(f"{response.status} {response.request.method} {response.url}")

    page.on("response", record)
    page.set_default_timeout(20_000)
    yield seen
    assert seen == [], f"5xx answers: {seen}"
