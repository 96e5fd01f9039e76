"""Login throttling (django-axes): a username and address pair is locked out after repeated failures,
on the admin's and the merchant's log-in pages, with a clear page, until the cool-off ends."""

import datetime as dt
from typing import Any

import pytest
import time_machine
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from config.client_ip import client_ip

pytestmark = pytest.mark.django_db

PASSWORD = "right-horse-battery"


@pytest.fixture
def staff(db: None) -> Any:
    return get_user_model().objects.create_superuser("root", "root@example.com", PASSWORD)


def _admin_login(client: Client, password: str, *, address: str = "203.0.113.7", **extra: Any) -> Any:
    data = {"username": "root", "password": password, "next": "/admin/"}
    return client.post(reverse("admin:login"), data, REMOTE_ADDR=address, **extra)


def _merchant_login(client: Client, password: str, *, address: str = "203.0.113.7") -> Any:
    data = {"username": "root", "password": password}
    return client.post(reverse("setup:login"), data, REMOTE_ADDR=address)


@pytest.mark.parametrize("login", [_admin_login, _merchant_login])
def test_repeated_failures_lock_the_username_and_address_out_until_the_cool_off_ends(
    staff: Any, settings: Any, login: Any
) -> None:
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for _ in range(settings.AXES_FAILURE_LIMIT - 1):
            assert login(Client(), "wrong").status_code == 200  # the form again, with its error
        locked = login(Client(), "wrong")
        assert locked.status_code == 429
        page = locked.content.decode()
        assert "Too many failed log-ins" in page
        assert f"for {int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)} minutes" in page

        # Even the right password is refused from this address now; from another it works.
        assert login(Client(), PASSWORD).status_code == 429
        assert login(Client(), PASSWORD, address="198.51.100.9").status_code == 302

    with time_machine.travel(start + settings.AXES_COOLOFF_TIME + dt.timedelta(seconds=1), tick=False):
        assert login(Client(), PASSWORD).status_code == 302


def test_the_admin_shows_the_attempts(staff: Any, settings: Any) -> None:
    for _ in range(2):
        _admin_login(Client(), "wrong")
    attempt = AccessAttempt.objects.get()
    assert (attempt.username, attempt.ip_address, attempt.failures_since_start) == ("root", "203.0.113.7", 2)
    client = Client()
    client.force_login(staff)
    page = client.get(reverse("admin:axes_accessattempt_changelist"))
    assert page.status_code == 200
    assert "203.0.113.7" in page.content.decode()


def test_a_successful_login_resets_the_count(staff: Any, settings: Any) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _admin_login(Client(), "wrong")
    assert _admin_login(Client(), PASSWORD).status_code == 302
    assert _admin_login(Client(), "wrong").status_code == 200


def test_behind_a_proxy_the_forwarded_client_is_throttled_not_the_proxy(staff: Any, settings: Any) -> None:
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = "10.0.0.2"
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _admin_login(Client(), "wrong", address=proxy, HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert _admin_login(Client(), PASSWORD, address=proxy, HTTP_X_FORWARDED_FOR="203.0.113.7").status_code == 429
    # Another client behind the same proxy is not locked out with the first.
    assert _admin_login(Client(), PASSWORD, address=proxy, HTTP_X_FORWARDED_FOR="198.51.100.9").status_code == 302


@pytest.mark.parametrize(
    ("count", "forwarded", "expected"),
    [
        (0, "198.51.100.9", "10.0.0.2"),  # no trusted proxy: X-Forwarded-For is anyone's to send
        (1, "198.51.100.9", "198.51.100.9"),
        (1, "1.2.3.4, 198.51.100.9", "198.51.100.9"),  # the client's own (spoofed) entry is ignored
        (2, "1.2.3.4, 198.51.100.9, 10.0.0.5", "198.51.100.9"),
        (2, "198.51.100.9", "10.0.0.2"),  # fewer hops than proxies: not behind them, use the peer
        (1, "not-an-address", "10.0.0.2"),
    ],
)
def test_client_ip_reads_x_forwarded_for_only_as_far_as_the_trusted_proxies(
    settings: Any, count: int, forwarded: str, expected: str
) -> None:
    settings.TRUSTED_PROXY_COUNT = count
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected
