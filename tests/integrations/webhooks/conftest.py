"""Webhook test helpers: post a signed fixture, process it inline, compare the rows it produced."""

from collections.abc import Callable, Mapping
from typing import Any

import pytest
from django.db.models import Model
from django.test import Client

from integrations.models import Connection, InboundWebhook
from integrations.services.webhooks import webhook_process
from tests.conftest import load_fixture
from tests.factories import ConnectionFactory
from tests.integrations.webhooks.signing import signed_headers


def post_webhook(
    client: Client, connection: Connection, body: bytes, headers: Mapping[str, str] | None = None, **sign: Any
) -> Any:
    """POST raw bytes to the connection's endpoint, signed unless headers are given."""
    headers = signed_headers(connection, body, **sign) if headers is None else headers
    return client.generic(
        "POST", connection.webhook_path, data=body, content_type="application/json", headers=dict(headers)
    )


def rows_of(model: type[Model], fields: list[str]) -> list[dict[str, Any]]:
    return list(model.objects.order_by("id").values(*fields))  # type: ignore[attr-defined]


@pytest.fixture
def connection_for(db: None) -> Callable[..., Connection]:
    """One connection per provider, in one store (a returns platform plus warehouses)."""
    cache: dict[str, Connection] = {}

    def make(provider: str, **kwargs: Any) -> Connection:
        if provider not in cache or kwargs:
            store = next(iter(cache.values())).store if cache else None
            extra = {"store": store} if store is not None else {}
            if provider == "trackstar":
                extra["wms_name"] = "shipmonk"
            cache[provider] = ConnectionFactory(provider=provider, **extra, **kwargs)
        return cache[provider]

    return make


@pytest.fixture
def check_webhook(client: Client, connection_for: Callable[..., Connection]) -> Callable[..., InboundWebhook]:
    """check_webhook(provider, fixture, rows={Model: [{field: value}, ...]}, status=..., webhook_status=...)."""

    def check(
        provider: str,
        fixture: str,
        rows: Mapping[type[Model], list[dict[str, Any]]] | None = None,
        *,
        status: int = 202,
        webhook_status: str | None = None,
        **sign: Any,
    ) -> InboundWebhook:
        connection = connection_for(provider)
        response = post_webhook(client, connection, load_fixture(provider, fixture), **sign)
        assert response.status_code == status, response.content
        webhook = InboundWebhook.objects.order_by("-id").first()
        assert webhook is not None
        if webhook.status == InboundWebhook.Status.PENDING:
            # The test transaction never commits, so nothing was published: process inline.
            webhook_process(webhook_id=webhook.pk)
            webhook.refresh_from_db()
        if webhook_status is not None:
            assert webhook.status == webhook_status, (webhook.status, webhook.error, webhook.traceback)
        for model, expected in (rows or {}).items():
            fields = sorted({key for row in expected for key in row}) or ["id"]
            assert rows_of(model, fields) == expected, model.__name__
        return webhook

    return check


def assert_pages_show(webhook_ids: list[int]) -> None:
    """The webhooks list API, each row's API detail, the admin list and each row's admin page answer 200."""
    from django.contrib.auth import get_user_model
    from django.urls import reverse
    from rest_framework.test import APIClient

    user_model = get_user_model()
    staff = user_model.objects.filter(username="pages-staff").first() or user_model.objects.create_superuser(
        "pages-staff", "pages@example.com", "pw"
    )
    api = APIClient()
    api.force_authenticate(staff)
    admin = Client()
    admin.force_login(staff)
    listed = api.get("/api/v1/webhooks/", {"page_size": 100})
    assert listed.status_code == 200, listed.content[:300]
    assert admin.get(reverse("admin:integrations_inboundwebhook_changelist")).status_code == 200
    for webhook_id in webhook_ids:
        detail = api.get(f"/api/v1/webhooks/{webhook_id}/")
        assert detail.status_code == 200, (webhook_id, detail.content[:300])
        page = admin.get(reverse("admin:integrations_inboundwebhook_change", args=[webhook_id]))
        assert page.status_code == 200, (webhook_id, page.content[:300])
