"""The admin's webhook pages, in Debian's chromium, for rows that hostile requests left (issue 13).

Screenshots at 1366x768 go to var/artifacts/webhook-admin/ for a person to look at.
"""

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from playwright.sync_api import Page, expect

from config.env import VAR_DIR
from integrations.models import InboundWebhook
from tests.conftest import admin_log_in, load_fixture
from tests.factories import ConnectionFactory
from tests.setup.conftest import browser_type_launch_args  # noqa: F401 (the fixture: Debian's chromium)

from .conftest import post_webhook

ARTIFACTS = VAR_DIR / "artifacts" / "webhook-admin"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_admin_shows_every_hostile_row(live_server: Any, page: Page, django_user_model: Any) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    conn = ConnectionFactory()
    client = Client(raise_request_exception=False)
    rows = {
        "deep-brackets": client.post("/webhooks/loop/no-such-token/", data=b"[" * 150_000, content_type="text/plain"),
        "nul-token": client.post("/webhooks/loop/%C3%A9%00x/", data=b"{}", content_type="application/json"),
        "too-large": post_webhook(client, conn, b'{"pad": "' + b"x" * 3_000_000 + b'"}'),
        "get": client.get(conn.webhook_path),
        "accepted": post_webhook(client, conn, load_fixture("loop", "return_created")),
    }
    assert {name: r.status_code for name, r in rows.items()} == {
        "deep-brackets": 404,
        "nul-token": 404,
        "too-large": 413,
        "get": 405,
        "accepted": 202,
    }
    ids = dict(zip(rows, InboundWebhook.objects.order_by("id").values_list("id", flat=True), strict=True))
    django_user_model.objects.create_superuser("support", "support@example.com", "correct horse battery")
    admin_log_in(page, live_server.url, username="support", password="correct horse battery")

    response = page.goto(f"{live_server.url}{reverse('admin:integrations_inboundwebhook_changelist')}")
    assert response is not None
    assert response.status == 200
    page.screenshot(path=str(ARTIFACTS / "changelist.png"))
    shown = {
        "deep-brackets": "only the first 16,384 of 150,000 bytes were stored",
        "nul-token": "é\ufffdx",
        "too-large": f"none of {3_000_011:,} bytes were stored",
        "get": "method GET not allowed: POST only",
        "accepted": json.dumps("880011"),
    }
    for name, webhook_id in ids.items():
        response = page.goto(
            f"{live_server.url}{reverse('admin:integrations_inboundwebhook_change', args=[webhook_id])}"
        )
        assert response is not None
        assert response.status == 200, name
        expect(page.locator("#content")).to_contain_text(shown[name])
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"))
        # The body's end, where the note says what was left out.
        page.locator(".field-body_pretty").evaluate("field => field.scrollIntoView({block: 'end'})")
        page.screenshot(path=str(ARTIFACTS / f"{name}-body.png"))
