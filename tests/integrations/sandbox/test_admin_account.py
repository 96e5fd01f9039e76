"""The sandbox account's admin form shows the key, base path and credentials that are really saved."""

import re

import pytest
from django.test import Client

from integrations.sandbox.models import SandboxAccount

pytestmark = pytest.mark.django_db


def _value(html: str, name: str) -> str:
    match = re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', html)
    assert match, f"no {name} input with a value"
    return match.group(1)


def test_the_key_shown_on_the_add_form_is_the_key_saved(admin_client: Client) -> None:
    add = admin_client.get("/admin/sandbox/sandboxaccount/add/").content.decode()
    key = _value(add, "key")
    assert "/sandbox//" not in add
    data = {
        "provider": "shipmonk",
        "key": key,
        "initial-key": key,
        "name": "Support's ShipMonk",
        "api_key": "sbx_support_key",
        "latency_ms": 0,
        "failures_remaining": 0,
        "retry_after_seconds": 1,
        "late_answer_seconds": 30,
        "auto_receive_delay_seconds": 5,
        "warehouses": "[]",
    }
    response = admin_client.post("/admin/sandbox/sandboxaccount/add/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    account = SandboxAccount.objects.get()
    assert account.key == key
    assert account.api_key == "sbx_support_key"

    change = admin_client.get(f"/admin/sandbox/sandboxaccount/{account.pk}/change/").content.decode()
    assert f"/sandbox/shipmonk/{key}/" in change
    assert _value(change, "api_key") == "sbx_support_key"
