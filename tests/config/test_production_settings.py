"""Production settings: `check --deploy` passes, and start-up refuses to run without its secrets."""

import os
import secrets
import subprocess
import sys

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


def test_production_refuses_an_empty_encryption_key_list() -> None:
    result = manage("check", env=production_env(FIELD_ENCRYPTION_KEYS=""))

    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_KEYS must list at least one Fernet key" in result.stderr
