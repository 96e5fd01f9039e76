"""Failed log-ins and lockouts log one line each, at INFO and WARNING, without the password, the
credentials or the typed user name (config/login_log.py; django-axes' own lines are off)."""

import logging
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

PASSWORD = "right-horse-battery"
TYPED_NAME = "root-typed-name"


def _lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    """Lines about the log-in; not the per-request lines every response gets (django_structlog's, and
    django.request's "Too Many Requests" for the 429 as for any 4xx)."""
    generic = ("django_structlog", "django.request")
    return [r for r in caplog.records if r.levelno >= logging.INFO and not r.name.startswith(generic)]


@pytest.mark.parametrize("login_url", ["admin:login", "setup:login"])
def test_each_failure_and_the_lockout_log_one_line_without_credentials(
    login_url: str, settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    get_user_model().objects.create_superuser(TYPED_NAME, "root@example.com", PASSWORD)
    caplog.set_level(logging.DEBUG)
    for attempt in range(1, settings.AXES_FAILURE_LIMIT + 1):
        caplog.clear()
        data = {"username": TYPED_NAME, "password": "wrong-secret-pw"}
        Client().post(reverse(login_url), data, REMOTE_ADDR="203.0.113.7")
        lines = _lines(caplog)
        locked = attempt == settings.AXES_FAILURE_LIMIT
        assert [(r.name, r.levelname, r.getMessage()) for r in lines] == [
            ("config.login", "WARNING" if locked else "INFO", "login locked out" if locked else "login failed")
        ]
        assert (lines[0].path, lines[0].ip) == (reverse(login_url), "203.0.113.7")  # type: ignore[attr-defined]
        everything = " ".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
        for secret in ("wrong-secret-pw", TYPED_NAME, "********"):
            assert secret not in everything


def test_a_successful_log_in_logs_no_axes_line(settings: Any, caplog: pytest.LogCaptureFixture) -> None:
    get_user_model().objects.create_superuser(TYPED_NAME, "root@example.com", PASSWORD)
    caplog.set_level(logging.DEBUG)
    response = Client().post(reverse("admin:login"), {"username": TYPED_NAME, "password": PASSWORD})
    assert response.status_code == 302
    assert [r.getMessage() for r in caplog.records if r.name.startswith("axes")] == []
