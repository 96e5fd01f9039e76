"""Roles bind in the admin (docs/security.md): every action declares the permission it needs, asked of
integrations.access; view-only staff see the console and run no action, including the return case page's."""

from typing import Any

import pytest
from django.contrib import admin
from django.test import Client, RequestFactory
from django.urls import reverse

from returns.admin import CASE_ACTIONS
from returns.models import RMA
from tests.factories import InboundWebhookFactory, RMAFactory
from tests.roles import staff_user

pytestmark = pytest.mark.django_db
REGISTERED = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)


def _request(user: Any) -> Any:
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


def test_every_admin_action_declares_its_permission(django_user_model: Any) -> None:
    superuser = django_user_model.objects.create_superuser("root", "root@example.com", "pw")
    undeclared = []
    for model, model_admin in REGISTERED:
        for name, (func, _name, _description) in model_admin.get_actions(_request(superuser)).items():
            if not getattr(func, "allowed_permissions", ()):
                undeclared.append(f"{model._meta.label}.{name}")
    assert undeclared == []


@pytest.mark.parametrize(("model", "model_admin"), REGISTERED, ids=[m._meta.label for m, _ in REGISTERED])
def test_view_only_staff_get_no_admin_action(model: Any, model_admin: admin.ModelAdmin) -> None:
    viewer = staff_user("viewer", view_only=True)
    assert model_admin.get_actions(_request(viewer)) == {}


def test_full_staff_get_the_connection_and_store_actions() -> None:
    from integrations.models import Connection, Store

    staff = staff_user("support")
    assert {"pause", "resume", "rotate_webhook_secret", "test_connection"} <= set(
        admin.site._registry[Connection].get_actions(_request(staff))
    )
    assert "create_invite_link" in admin.site._registry[Store].get_actions(_request(staff))


def test_view_only_staff_cannot_replay_a_webhook_by_posting_the_action(monkeypatch: pytest.MonkeyPatch) -> None:
    from integrations.services import webhooks

    calls: list[int] = []
    monkeypatch.setattr(webhooks, "webhook_replay", lambda *, webhook_id: calls.append(webhook_id))
    hook = InboundWebhookFactory()
    client = Client()
    client.force_login(staff_user("viewer", view_only=True))
    data = {"action": "replay_selected", "_selected_action": [hook.pk], "post": "yes"}
    client.post(reverse("admin:integrations_inboundwebhook_changelist"), data)
    assert calls == []


@pytest.mark.parametrize("action", sorted(CASE_ACTIONS))
def test_view_only_staff_cannot_run_a_case_action(action: str) -> None:
    rma = RMAFactory(status=RMA.Status.FAILED)
    client = Client()
    client.force_login(staff_user("viewer", view_only=True))
    case = client.get(reverse("admin:returns_return_change", args=[rma.return_obj_id]))
    assert case.status_code == 200
    assert "case-action" not in case.content.decode()
    url = reverse("admin:returns_return_case_action", args=[rma.return_obj_id, action]) + f"?rma={rma.pk}"
    assert client.get(url).status_code == 403
    assert client.post(url, {"post": "yes", "rma": rma.pk, "reason": "x", "status": "received"}).status_code == 403
    rma.refresh_from_db()
    assert rma.status == RMA.Status.FAILED


def test_staff_with_rma_permissions_but_not_return_permissions_get_only_the_rma_actions() -> None:
    from django.contrib.auth.models import Permission

    rma = RMAFactory(status=RMA.Status.FAILED)
    user = staff_user("rma-only", view_only=True)
    user.user_permissions.add(Permission.objects.get(codename="change_rma"))
    client = Client()
    client.force_login(user)
    allowed = {
        name: client.get(
            reverse("admin:returns_return_case_action", args=[rma.return_obj_id, name]) + f"?rma={rma.pk}"
        ).status_code
        for name in CASE_ACTIONS
    }
    assert allowed == {
        "replan": 200,
        "retry_push": 200,
        "cancel_rma": 200,
        "correct_status": 200,
        "retry_platform_action": 403,
        "resync": 403,
    }


def test_api_tokens_in_the_admin_show_name_prefix_owner_and_expiry_never_a_key(admin_client: Client) -> None:
    import datetime as dt

    from config.models import ApiToken

    token, key = ApiToken.objects.create(
        user=staff_user("owner-of-token"), expiry=dt.timedelta(days=5), name="warehouse sync"
    )
    pages = [
        admin_client.get(reverse("admin:config_apitoken_changelist")),
        admin_client.get(reverse("admin:config_apitoken_change", args=[token.pk])),
    ]
    for page in pages:
        html = page.content.decode()
        assert page.status_code == 200
        assert "warehouse sync" in html
        assert key not in html
    assert token.token_key in pages[0].content.decode()
    assert admin_client.get(reverse("admin:config_apitoken_add")).status_code == 403


def test_staff_revoke_a_token_in_the_admin(admin_client: Client) -> None:
    import datetime as dt

    from rest_framework.test import APIClient

    from config.models import ApiToken

    token, key = ApiToken.objects.create(user=staff_user("api-user"), expiry=dt.timedelta(days=5), name="laptop")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/stores/").status_code == 200
    data = {"action": "revoke", "_selected_action": [token.pk], "post": "yes"}
    admin_client.post(reverse("admin:config_apitoken_changelist"), data)
    assert not ApiToken.objects.filter(pk=token.pk).exists()
    assert api.get("/api/v1/stores/").status_code == 401


def test_view_only_staff_cannot_revoke_tokens() -> None:
    import datetime as dt

    from config.models import ApiToken

    token, _key = ApiToken.objects.create(user=staff_user("api-user"), expiry=dt.timedelta(days=5), name="laptop")
    client = Client()
    client.force_login(staff_user("viewer", view_only=True))
    data = {"action": "revoke", "_selected_action": [token.pk], "post": "yes"}
    client.post(reverse("admin:config_apitoken_changelist"), data)
    assert ApiToken.objects.filter(pk=token.pk).exists()
