"""Production settings: `check --deploy` passes, start-up refuses to run without its secrets or its
services, and the deploy check refuses the quick start's stand-ins (SQLite, filesystem broker,
a cache or leases that are not shared)."""

import os
import secrets
import subprocess
import sys
from typing import Any

import pytest
from cryptography.fernet import Fernet

from config.env import BASE_DIR

# Run manage.py with environ's .env reader switched off, so a developer's .env (written by
# `make run`) cannot supply the very secrets these tests remove.
RUN_MANAGE_WITHOUT_DOTENV = (
    "import environ, runpy, sys;"
    "environ.Env.read_env = classmethod(lambda cls, *a, **k: None);"
    "sys.argv = ['manage.py', *sys.argv[1:]];"
    "runpy.run_path('manage.py', run_name='__main__')"
)


def production_env(**overrides: str | None) -> dict[str, str]:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", str(BASE_DIR)),
        "DJANGO_SETTINGS_MODULE": "config.django.production",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "PUBLIC_BASE_URL": "https://backhaul.example.com",
        "ALLOWED_HOSTS": "backhaul.example.com",
        # W021 is a warning without it; a deployment that is not on the preload list yet may
        # instead run `check --deploy` at the default fail level (errors only), as the Procfile does.
        "SECURE_HSTS_PRELOAD": "true",
        # The Procfile's platforms terminate TLS at their router, which sets X-Forwarded-Proto.
        "BEHIND_TLS_PROXY": "true",
        # Required in production. `check` never connects, so hosts that do not resolve prove it.
        "DATABASE_URL": "postgres://backhaul@db.invalid:5432/backhaul",
        "REDIS_URL": "redis://redis.invalid:6379/0",
    }
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 (fixed argv, our own interpreter)
        [sys.executable, "-c", RUN_MANAGE_WITHOUT_DOTENV, *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_passes_with_production_settings() -> None:
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())

    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_check_deploy_flags_an_insecure_production_setting() -> None:
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env(SECURE_SSL_REDIRECT="false"))

    assert result.returncode != 0
    assert "security.W008" in result.stderr


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("SECRET_KEY", "Set the SECRET_KEY environment variable"),
        ("FIELD_ENCRYPTION_KEYS", "FIELD_ENCRYPTION_KEYS"),
    ],
)
def test_production_refuses_to_start_without_its_secrets(missing: str, message: str) -> None:
    result = manage("check", env=production_env(**{missing: None}))

    assert result.returncode != 0
    assert message in result.stderr


@pytest.mark.parametrize("value", [None, ""])
def test_production_refuses_to_start_without_its_public_address(value: str | None) -> None:
    """Before, it fell back to http://127.0.0.1:8000, which then went into the webhook URLs given to providers."""
    result = manage("check", env=production_env(PUBLIC_BASE_URL=value))

    assert result.returncode != 0
    assert "PUBLIC_BASE_URL must be set in production" in result.stderr


SHOW_PROXY = (
    "from django.conf import settings as s; from django.test import RequestFactory;"
    "r = RequestFactory().get('/', headers={'X-Forwarded-Proto': 'https'});"
    "print(s.SECURE_PROXY_SSL_HEADER, r.is_secure())"
)


def test_x_forwarded_proto_is_believed_only_behind_a_tls_proxy() -> None:
    """Without a proxy that overwrites it, X-Forwarded-Proto is whatever the client sent."""
    alone = manage("shell", "-v", "0", "-c", SHOW_PROXY, env=production_env(BEHIND_TLS_PROXY=None))
    proxied = manage("shell", "-v", "0", "-c", SHOW_PROXY, env=production_env(BEHIND_TLS_PROXY="true"))

    assert (alone.returncode, proxied.returncode) == (0, 0), alone.stderr + proxied.stderr
    assert alone.stdout.split() == ["None", "False"]
    assert proxied.stdout.strip() == "('HTTP_X_FORWARDED_PROTO', 'https') True"


def test_check_deploy_warns_when_the_https_redirect_cannot_see_https() -> None:
    result = manage("check", "--deploy", env=production_env(BEHIND_TLS_PROXY=None))

    assert result.returncode == 0, result.stderr  # a warning: gunicorn may serve TLS itself
    assert "config.W002" in result.stderr
    assert "config.W002" not in manage("check", "--deploy", env=production_env()).stderr


def test_production_refuses_an_empty_encryption_key_list() -> None:
    result = manage("check", env=production_env(FIELD_ENCRYPTION_KEYS=""))

    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_KEYS must list at least one Fernet key" in result.stderr


@pytest.mark.parametrize("missing", ["DATABASE_URL", "REDIS_URL"])
@pytest.mark.parametrize("value", [None, ""])
def test_production_refuses_to_start_without_postgresql_or_redis(missing: str, value: str | None) -> None:
    """No silent fallback to the quick start's SQLite file, filesystem broker and file cache."""
    result = manage("check", env=production_env(**{missing: value}))

    assert result.returncode != 0
    assert f"{missing} must be set in production" in result.stderr


def test_check_deploy_refuses_sqlite_and_the_filesystem_broker(tmp_path: Any) -> None:
    env = production_env(DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3", CELERY_BROKER_URL="filesystem://")
    result = manage("check", "--deploy", env=env)

    assert result.returncode != 0
    assert "config.E001" in result.stderr
    assert "config.E002" in result.stderr


def test_check_deploy_refuses_caches_and_leases_that_are_not_shared(settings: Any) -> None:
    from config.checks import check_broker_and_cache_are_shared

    settings.REDIS_URL = ""
    settings.CELERY_BROKER_URL = "redis://redis.invalid:6379/0"
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": "var/cache"},
        "local": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    }
    errors = check_broker_and_cache_are_shared(None)

    assert sorted(e.id for e in errors if e.id) == ["config.E003", "config.E003", "config.E004"]


def test_the_service_checks_accept_redis_for_broker_cache_and_leases(settings: Any) -> None:
    from config.checks import check_broker_and_cache_are_shared

    settings.REDIS_URL = settings.CELERY_BROKER_URL = "redis://redis.invalid:6379/0"
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": settings.REDIS_URL}
    }

    assert check_broker_and_cache_are_shared(None) == []


def test_the_quick_start_keeps_its_embedded_defaults(tmp_path: Any) -> None:
    """Without DATABASE_URL and REDIS_URL, `make run`'s settings still start: SQLite, filesystem broker, files."""
    env = {key: value for key, value in production_env().items() if key not in ("DATABASE_URL", "REDIS_URL")}
    env["DJANGO_SETTINGS_MODULE"] = "config.django.local"
    show = (
        "from django.conf import settings as s;"
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_BROKER_URL,"
        " s.CACHES['default']['BACKEND'], s.REDIS_URL or '-')"
    )
    result = manage("shell", "-v", "0", "-c", show, env=env)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.db.backends.sqlite3",
        "filesystem://",
        "django.core.cache.backends.filebased.FileBasedCache",
        "-",
    ]
