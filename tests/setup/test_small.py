"""The small things a merchant notices: labels, times, the Go live button, where the cursor starts."""

import datetime as dt
import re
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from integrations.models import Connection, Store
from integrations.services.invites import invite_create
from integrations.templatetags.setup_extras import ago
from warehouses.models import ShippingLocation

pytestmark = pytest.mark.django_db


def url(store: Store, name: str) -> str:
    return reverse(f"setup:{name}", kwargs={"slug": store.slug})


def test_the_optional_sku_file_is_not_labelled_required(merchant_client: Client, store: Store) -> None:
    page = merchant_client.get(url(store, "rules")).content.decode()
    label = re.search(r'<label for="id_file">(.*?)</label>', page, re.S).group(1)
    assert "required" not in label
    empty = merchant_client.post(url(store, "rules"), {"action": "skus"})
    assert empty.status_code == 422
    assert "Choose a CSV file to upload." in empty.content.decode()
    upload = SimpleUploadedFile("skus.csv", b"platform_sku,wms_sku\nA,B\n", content_type="text/csv")
    assert merchant_client.post(url(store, "rules"), {"action": "skus", "file": upload}).status_code == 200


def test_times_under_a_minute_read_just_now() -> None:
    now = timezone.now()
    assert ago(now - dt.timedelta(seconds=5)) == "just now"
    assert ago(now - dt.timedelta(minutes=3, seconds=5)) == "3\xa0minutes ago"
    assert ago(None) == ""


def _ready_store(store: Store, status: str) -> None:
    now = timezone.now()
    Connection.objects.create(
        store=store,
        role="returns_platform",
        provider="loop",
        api_key="k",
        webhook_secret="s",
        last_success_at=now,
        last_webhook_at=now,
        status=status,
    )
    wms = Connection.objects.create(
        store=store, role="warehouse", provider="shipmonk", api_key="k", last_success_at=now, status=status
    )
    ShippingLocation.objects.create(
        store=store, name="West", warehouse_connection=wms, wms_warehouse_code="CA1", is_default=True
    )


def test_go_live_shows_until_the_store_is_live(merchant_client: Client, store: Store) -> None:
    _ready_store(store, "draft")
    before = merchant_client.get(url(store, "live")).content.decode()
    assert "Go live</button>" in before
    assert "just now" in before
    assert "0\xa0minutes ago" not in before
    merchant_client.post(url(store, "live"))
    after = merchant_client.get(url(store, "live")).content.decode()
    assert "Go live</button>" not in after
    assert "Your store is live" in after


def _autofocused(html: str) -> list[str]:
    return re.findall(r'<input[^>]*name="([^"]+)"[^>]*autofocus', html) + re.findall(
        r'<input[^>]*autofocus[^>]*name="([^"]+)"', html
    )


def test_the_invite_page_focuses_the_form_the_merchant_needs(client: Client, store: Store, admin_user: Any) -> None:
    invite = invite_create(store=store, created_by=admin_user).url.removeprefix(settings.PUBLIC_BASE_URL)
    assert _autofocused(client.get(invite).content.decode()) == ["signup-username"]
    failed_login = client.post(invite, {"action": "login", "login-username": "nobody", "login-password": "x"})
    assert _autofocused(failed_login.content.decode()) == ["login-username"]
    bad_signup = client.post(
        invite,
        {
            "action": "signup",
            "signup-username": "mia",
            "signup-email": "not-an-email",
            "signup-password1": "a long enough password 1",
            "signup-password2": "a long enough password 1",
        },
    )
    assert _autofocused(bad_signup.content.decode()) == ["signup-email"]
