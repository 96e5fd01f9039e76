"""/health/: database, cache, broker and pending migrations."""

import inspect
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from health_check.exceptions import ServiceUnavailable

from config.celery import app as celery_app
from config.health import Broker, PendingMigrations

CHECKS = ("Database", "Cache", "Broker", "PendingMigrations")


@pytest.fixture(autouse=True)
def _no_earlier_outcome() -> None:
    """The cache outlives a test: an earlier test's failed check would be what anonymous callers see."""
    from django.core.cache import cache

    from config.health import LAST_STATUS_KEY

    cache.delete(LAST_STATUS_KEY)


@pytest.mark.django_db
def test_health_reports_every_check_ok_to_staff(admin_client: Any) -> None:
    response = admin_client.get("/health/?format=json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body.values()) == {"OK"}
    names = " ".join(body)
    for check in CHECKS:
        assert check in names


@pytest.fixture
def broker_down(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    options = dict(celery_app.conf.broker_transport_options or {})
    options.update(data_folder_in=str(tmp_path / "gone"), data_folder_out=str(tmp_path / "gone"))
    monkeypatch.setitem(celery_app.conf, "broker_transport_options", options)
    monkeypatch.setitem(celery_app.conf, "broker_url", "filesystem://")


@pytest.mark.django_db
@pytest.mark.usefixtures("broker_down")
def test_health_fails_when_the_broker_is_down(admin_client: Any) -> None:
    response = admin_client.get("/health/?format=json")
    assert response.status_code == 500
    assert "broker folder" in " ".join(response.json().values())


@pytest.mark.django_db
@pytest.mark.parametrize("accept", ["*/*", "text/html", "text/plain", "application/json"])
@pytest.mark.parametrize("query", ["", "?format=json", "?format=text", "?format=openmetrics"])
def test_anonymous_callers_get_the_status_and_no_detail(client: Any, accept: str, query: str) -> None:
    response = client.get(f"/health/{query}", HTTP_ACCEPT=accept)
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
@pytest.mark.usefixtures("broker_down")
def test_anonymous_callers_see_a_failure_only_as_its_status(
    client: Any, admin_client: Any, django_user_model: Any
) -> None:
    # Nobody has run the checks yet: the process answers, so it is alive.
    assert client.get("/health/?format=json").json() == {"status": "ok"}
    # Staff (or the monitor's token) run them: the broker is down.
    assert admin_client.get("/health/?format=json").status_code == 500
    response = client.get("/health/?format=json")
    assert response.status_code == 500
    assert response.json() == {"status": "unavailable"}
    # A signed-in merchant is not staff either.
    client.force_login(django_user_model.objects.create_user("merchant", password="x"))
    response = client.get("/health/?format=text")
    assert (response.status_code, response.json()) == (500, {"status": "unavailable"})


# What a request to /health/ costs (issue 22) ---------------------------------------------------------

TOKEN = "health-monitor-token-0123456789abcdef"


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Counts, in every thread (the checks run in an executor), SQL statements, broker connections,
    migration-graph reads and cache reads and writes."""
    from django.core.cache import caches
    from django.db.backends.utils import CursorWrapper
    from django.db.migrations.executor import MigrationExecutor

    counted: Counter[str] = Counter()

    def count(owner: Any, name: str, label: str) -> None:
        original = getattr(owner, name)
        if inspect.iscoroutinefunction(original):

            async def counting_async(*args: Any, **kwargs: Any) -> Any:
                counted[label] += 1
                return await original(*args, **kwargs)

            monkeypatch.setattr(owner, name, counting_async)
        else:

            def counting(*args: Any, **kwargs: Any) -> Any:
                counted[label] += 1
                return original(*args, **kwargs)

            monkeypatch.setattr(owner, name, counting)

    count(CursorWrapper, "execute", "sql")
    count(MigrationExecutor, "migration_plan", "migration graph")
    count(celery_app, "connection_for_write", "broker")
    backend = type(caches["default"])
    count(backend, "aget", "cache read")
    count(backend, "aset", "cache write")
    return counted


@pytest.mark.django_db
def test_an_anonymous_call_runs_no_check_only_one_cache_read(client: Any, calls: Counter[str]) -> None:
    for _ in range(3):
        response = client.get("/health/")
        assert (response.status_code, response.json()) == (200, {"status": "ok"})
    assert dict(calls) == {"cache read": 3}


@pytest.mark.django_db
def test_staff_get_every_check_run_now(admin_client: Any, calls: Counter[str]) -> None:
    calls.clear()  # the log-in's own queries
    response = admin_client.get("/health/?format=json")
    assert (response.status_code, set(response.json().values())) == (200, {"OK"})
    assert calls["sql"] >= 1  # the Database check's SELECT 1 (and the session's user)
    assert (calls["broker"], calls["migration graph"]) == (1, 1)
    assert calls["cache write"] >= 2  # the Cache check's probe, and the outcome kept for everyone else


@pytest.mark.django_db
def test_the_monitor_token_gets_every_check(client: Any, settings: Any, calls: Counter[str]) -> None:
    settings.HEALTH_CHECK_TOKEN = TOKEN
    response = client.get("/health/?format=json", headers={"X-Health-Check-Token": TOKEN})
    assert response.status_code == 200
    names = " ".join(response.json())
    assert all(check in names for check in CHECKS), names
    assert (calls["broker"], calls["migration graph"]) == (1, 1)
    assert calls["sql"] >= 1


@pytest.mark.django_db
@pytest.mark.parametrize(("configured", "sent"), [(TOKEN, TOKEN[:-1] + "x"), (TOKEN, ""), ("", "anything")])
def test_a_wrong_token_is_refused_and_runs_nothing(
    client: Any, settings: Any, calls: Counter[str], configured: str, sent: str
) -> None:
    settings.HEALTH_CHECK_TOKEN = configured
    response = client.get("/health/", headers={"X-Health-Check-Token": sent})
    assert (response.status_code, response.json()) == (
        403,
        {"status": "forbidden", "reason": "wrong X-Health-Check-Token"},
    )
    assert dict(calls) == {}


@pytest.mark.django_db
def test_the_token_is_compared_in_constant_time(client: Any, settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import hmac

    compared: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest
    monkeypatch.setattr(hmac, "compare_digest", lambda a, b: compared.append((a, b)) or real(a, b))
    settings.HEALTH_CHECK_TOKEN = TOKEN
    client.get("/health/", headers={"X-Health-Check-Token": "guess"})
    assert compared == [(b"guess", TOKEN.encode())]


@pytest.mark.django_db
def test_a_cache_that_is_down_leaves_the_liveness_answer_alive(client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from django.core.cache import caches

    async def down(*args: Any, **kwargs: Any) -> Any:
        raise ConnectionError("cache unreachable")

    monkeypatch.setattr(type(caches["default"]), "aget", down)
    response = client.get("/health/")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


def test_broker_check_passes_on_the_configured_broker() -> None:
    Broker().run()


def test_broker_check_fails_on_an_unreachable_redis() -> None:
    # Port 1 on loopback: refused at once, and tests never leave the machine.
    with pytest.raises(ServiceUnavailable, match="Broker unreachable"):
        Broker(url="redis://127.0.0.1:1/0").run()


def test_broker_check_never_shows_the_url() -> None:
    assert "hunter2" not in repr(Broker(url="redis://:hunter2@127.0.0.1:1/0"))


@pytest.mark.redis
def test_broker_check_passes_on_redis() -> None:
    import os

    Broker(url=os.environ["REDIS_URL"]).run()


@pytest.mark.django_db
def test_pending_migrations_check_passes_when_migrated() -> None:
    PendingMigrations().run()


@pytest.mark.django_db
def test_pending_migrations_check_fails_with_an_unapplied_migration(monkeypatch: pytest.MonkeyPatch) -> None:
    from django.db.migrations.executor import MigrationExecutor

    real_plan = MigrationExecutor.migration_plan

    def plan_with_one_unapplied(self: MigrationExecutor, targets: Any, clean_start: bool = False) -> list:
        # Target the state before returns' first migration: applying forward from there is pending work.
        plan = real_plan(self, [("returns", None)], clean_start)
        return plan or [("unapplied", False)]

    monkeypatch.setattr(MigrationExecutor, "migration_plan", plan_with_one_unapplied)
    with pytest.raises(ServiceUnavailable, match="unapplied migration"):
        PendingMigrations().run()
