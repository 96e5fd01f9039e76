"""/health/: database, cache, broker and pending migrations."""

from pathlib import Path
from typing import Any

import pytest
from health_check.exceptions import ServiceUnavailable

from config.celery import app as celery_app
from config.health import Broker, PendingMigrations

CHECKS = ("Database", "Cache", "Broker", "PendingMigrations")


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
def test_anonymous_callers_see_a_failure_only_as_its_status(client: Any, django_user_model: Any) -> None:
    response = client.get("/health/?format=json")
    assert response.status_code == 500
    assert response.json() == {"status": "unavailable"}
    # A signed-in merchant is not staff either.
    client.force_login(django_user_model.objects.create_user("merchant", password="x"))
    response = client.get("/health/?format=text")
    assert (response.status_code, response.json()) == (500, {"status": "unavailable"})


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
