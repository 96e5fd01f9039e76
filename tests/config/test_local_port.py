"""`PORT=8001 make run`: the development settings build invite links and sandbox URLs on that port."""

import os
import subprocess
import sys

import pytest
from cryptography.fernet import Fernet

from config.env import BASE_DIR

# environ's .env reader switched off, so a developer's .env cannot decide the outcome.
PRINT_BASE_URL = (
    "import environ, django;"
    "environ.Env.read_env = classmethod(lambda cls, *a, **k: None);"
    "django.setup();"
    "from django.conf import settings;"
    "print(settings.PUBLIC_BASE_URL)"
)


def _base_url(**env: str) -> str:
    clean = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", str(BASE_DIR)),
        "DJANGO_SETTINGS_MODULE": "config.django.local",
        "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        **env,
    }
    result = subprocess.run(  # noqa: S603 - our own interpreter and a fixed script
        [sys.executable, "-c", PRINT_BASE_URL], cwd=BASE_DIR, env=clean, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout.strip().splitlines()[-1]


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "http://127.0.0.1:8000"),
        ({"PORT": "8001"}, "http://127.0.0.1:8001"),
        ({"PORT": "8001", "PUBLIC_BASE_URL": "https://backhaul.example.com"}, "https://backhaul.example.com"),
    ],
)
def test_public_base_url_follows_the_port(env: dict[str, str], expected: str) -> None:
    assert _base_url(**env) == expected


def test_bin_dev_exports_the_port_to_web_worker_and_beat() -> None:
    script = (BASE_DIR / "bin" / "dev").read_text()
    assert 'export PORT="${PORT:-8000}"' in script
