"""A session cookie or a log-in name carrying NUL (or other garbage) gets a normal page, never a 500.
On PostgreSQL, which refuses NUL in any text it is given (psycopg raises DataError before the query)."""

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

GARBAGE = ["abcdefgh\x00ijklmnop", "\x00" * 40, "é" * 40, "a" * 5000, "'; DROP TABLE x; --"]
PAGES = ["/", "/admin/", "/admin/login/", "/setup/", "/setup/login/", "/api/v1/stores/", "/health/"]


def _client_with_session_cookie(value: str) -> Client:
    # Set as the raw header a browser or a script would send, not through the test client's cookie jar.
    client = Client(raise_request_exception=False)
    client.cookies.load({})
    client.defaults["HTTP_COOKIE"] = f"sessionid={value}"
    return client


@pytest.mark.parametrize("value", GARBAGE, ids=range(len(GARBAGE)))
@pytest.mark.parametrize("path", PAGES)
def test_a_garbage_session_cookie_is_no_session(path: str, value: str) -> None:
    response = _client_with_session_cookie(value).get(path)
    assert response.status_code < 500, response.content[:300]


def test_a_garbage_session_cookie_on_a_log_in_post_logs_in() -> None:
    get_user_model().objects.create_superuser("root", "root@example.com", "right-horse-battery")
    client = _client_with_session_cookie("abcdefgh\x00ijklmnop")
    client.enforce_csrf_checks = False
    response = client.post(reverse("admin:login"), {"username": "root", "password": "right-horse-battery"})
    assert response.status_code == 302


@pytest.mark.parametrize(
    "username",
    ["ro%00ot", "%00", "root%ED%A0%80", "root%FF%FE"],  # NUL, an encoded lone surrogate, bytes that are not UTF-8
)
@pytest.mark.parametrize("login_url", ["admin:login", "setup:login"])
def test_a_nul_in_the_log_in_name_is_a_form_error(username: str, login_url: str, settings: Any) -> None:
    get_user_model().objects.create_superuser("root", "root@example.com", "right-horse-battery")
    client = Client(raise_request_exception=False)
    body = f"username={username}&password=wrong"
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):  # past the lockout limit too: axes counts it like any other
        response = client.post(
            reverse(login_url), body, content_type="application/x-www-form-urlencoded", REMOTE_ADDR="203.0.113.7"
        )
        assert response.status_code in (200, 429), response.content[:300]
