"""The operations console: a smoke test for every registered ModelAdmin, write-only secrets, actions."""

import importlib
import json
import sys
import types
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db.models import ForeignKey, Model
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from config.exceptions import ApplicationError
from integrations.models import ApiCall, Connection, InboundWebhook, StoreMembership
from returns.models import (
    DispositionRule,
    OrphanReceipt,
    RmaNumberSequence,
    RoutingRule,
    StatusMapping,
    TimelineEvent,
)
from tests.factories import (
    ConnectionFactory,
    FulfillmentFactory,
    InboundWebhookFactory,
    ReturnLineFactory,
    ReturnShipmentFactory,
    RMAFactory,
    RMALineFactory,
    ShippingLocationFactory,
)
from warehouses.models import SkuMapping

OUR_APPS = {"integrations", "returns", "warehouses"}
REGISTERED = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)


def _admin_url(model: type[Model], view: str, *args: Any) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def superuser() -> Any:
    return get_user_model().objects.create_superuser("root", "root@example.com", "pw")


@pytest.fixture
def staff_client(superuser: Any) -> Client:
    client = Client()
    client.force_login(superuser)
    return client


def _make_world(user: Any) -> None:
    """At least one row of every registered model, so each change page renders a real object."""
    from django_celery_beat.models import (
        ClockedSchedule,
        CrontabSchedule,
        IntervalSchedule,
        PeriodicTask,
        SolarSchedule,
    )

    from config.models import ApiToken

    rma = RMAFactory()
    store = rma.store
    RMALineFactory(rma=rma)
    ReturnLineFactory(return_obj=rma.return_obj)
    ReturnShipmentFactory(return_obj=rma.return_obj)
    ShippingLocationFactory(store=store, warehouse_connection=rma.warehouse_connection, is_default=True)
    FulfillmentFactory(store=store)
    SkuMapping.objects.create(store=store, platform_sku="TEE-BLK-M", wms_sku="TBM")
    StoreMembership.objects.create(store=store, user=user)
    webhook = InboundWebhookFactory(connection=rma.return_obj.connection, body=b'{"topic": "return"}')
    call = ApiCall.objects.create(
        connection=rma.warehouse_connection, provider="shipmonk", method="POST", url="https://api.test/x", rma=rma
    )
    TimelineEvent.objects.create(
        return_obj=rma.return_obj, rma=rma, kind="rma.created", message="RMA created", webhook=webhook, api_call=call
    )
    RmaNumberSequence.objects.create(store=store, order_key="1001", allocated=1)
    OrphanReceipt.objects.create(
        store=store,
        warehouse_connection=rma.warehouse_connection,
        wms_key="id:5599",
        external_id="5599",
        webhook=webhook,
    )
    DispositionRule.objects.create(store=store, instruction="restock")
    StatusMapping.objects.create(store=store, outcome="fully_received", action="process")
    RoutingRule.objects.create(
        store=store, position=1, name="West", location=store.shipping_locations.get(), regions=["NV"]
    )
    Group.objects.create(name="support")
    ApiToken.objects.create(user=user, name="sync script")
    interval = IntervalSchedule.objects.create(every=10, period=IntervalSchedule.SECONDS)
    CrontabSchedule.objects.create(minute="*")
    SolarSchedule.objects.create(event="sunrise", latitude=1, longitude=1)
    ClockedSchedule.objects.create(clocked_time=timezone.now())
    PeriodicTask.objects.create(name="t", task="config.tasks.heartbeat_with_retry", interval=interval)


@pytest.mark.django_db
@pytest.mark.parametrize(("model", "model_admin"), REGISTERED, ids=[m._meta.label for m, _ in REGISTERED])
def test_every_model_admin_renders(model: type[Model], model_admin: admin.ModelAdmin, superuser: Any) -> None:
    client = Client()
    client.force_login(superuser)
    _make_world(superuser)

    assert client.get(_admin_url(model, "changelist")).status_code == 200
    assert client.get(_admin_url(model, "changelist"), {"q": "zzz"}).status_code == 200

    add = client.get(_admin_url(model, "add"))
    assert add.status_code == (200 if model_admin.has_add_permission(_request(superuser)) else 403)

    obj = model_admin.get_queryset(_request(superuser)).first() or _autofill(model)
    assert obj is not None, f"add a {model._meta.label} row to _make_world so its change page is tested"
    assert client.get(_admin_url(model, "change", obj.pk)).status_code == 200


def _autofill(model: type[Model]) -> Model | None:
    """A row for a model _make_world does not know (a newly registered admin), from field types alone."""
    from django.db import IntegrityError, models, transaction

    values: dict[str, Any] = {}
    for field in model._meta.concrete_fields:
        if field.primary_key or field.has_default() or field.null or getattr(field, "auto_now_add", False):
            continue
        if getattr(field, "auto_now", False):
            continue
        if isinstance(field, models.ForeignKey):
            related = field.related_model
            values[field.name] = related._default_manager.first() or (related is not model and _autofill(related))
        elif isinstance(field, models.URLField):
            values[field.name] = "https://example.com/"
        elif isinstance(field, models.CharField | models.TextField):
            values[field.name] = field.choices[0][0] if field.choices else "x"
        elif isinstance(field, models.IntegerField | models.FloatField | models.DecimalField):
            values[field.name] = 1
        elif isinstance(field, models.DateTimeField):
            values[field.name] = timezone.now()
        elif isinstance(field, models.JSONField):
            values[field.name] = {}
    try:
        with transaction.atomic():
            return model._default_manager.create(**values)
    except (IntegrityError, TypeError, ValueError):
        return None


def _request(user: Any) -> Any:
    from django.test import RequestFactory

    request = RequestFactory().get("/admin/")
    request.user = user
    return request


@pytest.mark.parametrize(
    "model_admin",
    [ma for m, ma in REGISTERED if m._meta.app_label in OUR_APPS],
    ids=[m._meta.label for m, _ in REGISTERED if m._meta.app_label in OUR_APPS],
)
def test_every_admin_has_search_filters_and_no_n_plus_one_on_foreign_keys(model_admin: admin.ModelAdmin) -> None:
    assert model_admin.search_fields
    assert model_admin.list_filter
    fk_names = {f.name for f in model_admin.model._meta.fields if isinstance(f, ForeignKey)}
    listed_fks = fk_names & {name for name in model_admin.list_display if isinstance(name, str)}
    if listed_fks:
        assert model_admin.list_select_related, "list_display shows foreign keys: set list_select_related"
    editable_fks = fk_names - set(model_admin.readonly_fields)
    if editable_fks and model_admin.has_add_permission is not admin.ModelAdmin.has_add_permission:
        return  # read-only logs render no widgets
    widgets = set(model_admin.raw_id_fields) | set(model_admin.autocomplete_fields)
    assert editable_fks <= widgets, f"FKs without raw_id/autocomplete: {sorted(editable_fks - widgets)}"


# --- Connection secrets -------------------------------------------------------------------------

SECRETS = {
    "api_key": "sk_live_API_KEY_4f9a1c",
    "access_token": "ts_ACCESS_TOKEN_88d1",
    "api_password": "ss_PASSWORD_77c2",
    "webhook_secret": "whsec_WEBHOOK_SECRET_19be",
    "previous_webhook_secret": "whsec_PREVIOUS_SECRET_0a0a",
    "webhook_password": "basic_PASSWORD_5e5e",
    "previous_webhook_password": "basic_PREVIOUS_3c3c",
}


@pytest.fixture
def secret_connection(db: None) -> Connection:
    return ConnectionFactory(provider="shipstream", **SECRETS)


def _assert_no_secret(html: str) -> None:
    for name, value in SECRETS.items():
        assert value not in html, f"{name} leaked into the page"
        assert value[-6:] not in html, f"part of {name} leaked into the page"


@pytest.mark.django_db
def test_connection_change_page_never_shows_a_stored_secret(
    staff_client: Client, secret_connection: Connection
) -> None:
    response = staff_client.get(_admin_url(Connection, "change", secret_connection.pk))

    html = response.content.decode()
    assert response.status_code == 200
    _assert_no_secret(html)
    # Only ShipStream's own secrets are fields on its page (issue 15): its password, its webhook
    # secret and the previous one kept through a rotation.
    assert html.count("Currently set.") == 3
    assert 'name="api_password"' in html
    assert 'name="api_key"' not in html
    assert 'type="password"' in html


@pytest.mark.django_db
def test_connection_list_search_and_history_pages_never_show_a_secret(
    staff_client: Client, secret_connection: Connection
) -> None:
    secret_connection.status = Connection.Status.PAUSED
    secret_connection.save()
    pages = [
        staff_client.get(_admin_url(Connection, "changelist")),
        staff_client.get(_admin_url(Connection, "changelist"), {"q": secret_connection.store.name}),
        staff_client.get(_admin_url(Connection, "history", secret_connection.pk)),
        staff_client.get(_admin_url(Connection, "delete", secret_connection.pk)),
    ]
    for page in pages:
        assert page.status_code == 200
        _assert_no_secret(page.content.decode())


@pytest.mark.django_db
def test_connection_change_page_shows_the_webhook_url(
    staff_client: Client, secret_connection: Connection, settings: Any
) -> None:
    settings.PUBLIC_BASE_URL = "https://backhaul.example.com"

    response = staff_client.get(_admin_url(Connection, "change", secret_connection.pk))

    expected = f"https://backhaul.example.com/webhooks/shipstream/{secret_connection.endpoint_token}/"
    assert expected in response.content.decode()


def _change_form_data(connection: Connection, **overrides: Any) -> dict[str, Any]:
    data = {
        "store": connection.store_id,
        "role": connection.role,
        "provider": connection.provider,
        "wms_name": connection.wms_name,
        "name": connection.name,
        "status": connection.status,
        "base_url": connection.base_url,
        "options": json.dumps(connection.options),
        "external_account_id": connection.external_account_id,
        "api_username": connection.api_username,
        "webhook_username": connection.webhook_username,
        "previous_webhook_secret_expires_at_0": "",
        "previous_webhook_secret_expires_at_1": "",
        **dict.fromkeys(SECRETS, ""),
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_blank_secret_inputs_keep_the_stored_values(staff_client: Client, secret_connection: Connection) -> None:
    url = _admin_url(Connection, "change", secret_connection.pk)

    response = staff_client.post(url, _change_form_data(secret_connection, name="Renamed"))

    assert response.status_code == 302, response.content.decode()[:2000]
    secret_connection.refresh_from_db()
    assert secret_connection.name == "Renamed"
    assert {name: getattr(secret_connection, name) for name in SECRETS} == SECRETS
    assert secret_connection.credentials_updated_at is None


@pytest.mark.django_db
def test_a_new_secret_replaces_the_old_one_and_stamps_credentials_updated_at(
    staff_client: Client, secret_connection: Connection
) -> None:
    url = _admin_url(Connection, "change", secret_connection.pk)

    response = staff_client.post(url, _change_form_data(secret_connection, api_password="ss_NEW_PASSWORD"))

    assert response.status_code == 302
    secret_connection.refresh_from_db()
    assert secret_connection.api_password == "ss_NEW_PASSWORD"
    assert secret_connection.webhook_secret == SECRETS["webhook_secret"]
    assert secret_connection.credentials_updated_at is not None
    history = secret_connection.history.first()
    assert history.credentials_updated_at == secret_connection.credentials_updated_at


@pytest.mark.django_db
def test_a_ticked_secret_is_cleared(staff_client: Client, secret_connection: Connection) -> None:
    url = _admin_url(Connection, "change", secret_connection.pk)

    response = staff_client.post(url, _change_form_data(secret_connection, clear_secrets=["previous_webhook_secret"]))

    assert response.status_code == 302
    secret_connection.refresh_from_db()
    assert secret_connection.previous_webhook_secret == ""
    assert secret_connection.webhook_secret == SECRETS["webhook_secret"]
    assert secret_connection.credentials_updated_at is not None


@pytest.mark.django_db
def test_an_unset_secret_says_not_set(staff_client: Client) -> None:
    connection = ConnectionFactory(provider="loop", api_key="", webhook_secret="")

    html = staff_client.get(_admin_url(Connection, "change", connection.pk)).content.decode()

    assert "Currently not set." in html


# --- Read-only logs -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_webhook_detail_pretty_prints_the_body_and_redacts_secret_headers(staff_client: Client) -> None:
    webhook = InboundWebhookFactory(
        body=b'{"topic":"return.created","id":42}',
        headers={"X-Loop-Signature": "sig-VALUE-123", "Authorization": "Bearer tok-456", "Content-Type": "json"},
        verification=InboundWebhook.Verification.INVALID,
        verification_reason="signature mismatch",
        traceback="Traceback (most recent call last):\n  boom",
    )

    html = staff_client.get(_admin_url(InboundWebhook, "change", webhook.pk)).content.decode()

    assert "&quot;topic&quot;: &quot;return.created&quot;" in html
    assert "sig-VALUE-123" not in html
    assert "tok-456" not in html
    assert "[redacted]" in html
    assert "signature mismatch" in html
    assert "most recent call last" in html


@pytest.mark.django_db
def test_logs_cannot_be_added_edited_or_deleted_even_by_a_superuser(staff_client: Client, superuser: Any) -> None:
    webhook = InboundWebhookFactory()
    model_admin = admin.site._registry[InboundWebhook]
    staff = get_user_model().objects.create_user("support", password="pw", is_staff=True)
    staff.user_permissions.add(*Permission.objects.filter(content_type__app_label="integrations"))
    staff = get_user_model().objects.get(pk=staff.pk)

    assert staff_client.get(_admin_url(InboundWebhook, "add")).status_code == 403
    response = staff_client.post(_admin_url(InboundWebhook, "change", webhook.pk), {"event_type": "x"})
    assert response.status_code == 403
    # Evidence: no Delete button, no bulk delete action, for anyone (retention removes old rows).
    assert model_admin.has_delete_permission(_request(superuser), webhook) is False
    assert model_admin.has_delete_permission(_request(staff), webhook) is False
    assert "delete_selected" not in model_admin.get_actions(_request(superuser))
    change = staff_client.get(_admin_url(InboundWebhook, "change", webhook.pk)).content.decode()
    assert 'class="deletelink"' not in change
    assert staff_client.get(_admin_url(InboundWebhook, "delete", webhook.pk)).status_code == 403


@pytest.mark.django_db
def test_webhook_list_filters_by_provider_verification_status_and_event_type(staff_client: Client) -> None:
    InboundWebhookFactory(event_type="return.created")
    filters = admin.site._registry[InboundWebhook].list_filter
    names = {f if isinstance(f, str) else getattr(f, "parameter_name", None) for f in filters}

    # No store filter: a list of every store is not how support narrows a million webhooks.
    assert names >= {"provider", "verification", "status", "event_type"}
    response = staff_client.get(_admin_url(InboundWebhook, "changelist"), {"event_type": "return.created"})
    assert response.status_code == 200
    assert response.context["cl"].result_count == 1


@pytest.mark.django_db
def test_rma_list_shows_number_status_store_connection_age_and_last_error(staff_client: Client) -> None:
    rma = RMAFactory(number="1042_01", last_error="Unknown SKU TEE-BLK-M")

    html = staff_client.get(_admin_url(rma.__class__, "changelist")).content.decode()

    for text in ("1042_01", rma.get_status_display(), rma.store.name, "Unknown SKU TEE-BLK-M"):
        assert text in html


@pytest.mark.django_db
def test_rma_detail_shows_its_api_calls(staff_client: Client) -> None:
    rma = RMAFactory()
    ApiCall.objects.create(provider="shipmonk", operation="create_rma_op", method="POST", url="https://x.test", rma=rma)

    html = staff_client.get(_admin_url(rma.__class__, "change", rma.pk)).content.decode()

    assert "create_rma_op" in html


# --- Actions ------------------------------------------------------------------------------------


def stub_service(monkeypatch: pytest.MonkeyPatch, module: str, name: str, fake: Callable[..., Any]) -> None:
    """Replace a service the action imports; works before the real module exists (contract test)."""
    try:
        target = importlib.import_module(module)
    except ImportError:
        target = types.ModuleType(module)
        monkeypatch.setitem(sys.modules, module, target)
    monkeypatch.setattr(target, name, fake, raising=False)


def _run_action(client: Client, model: type[Model], action: str, pks: list[int], **extra: str) -> Any:
    data = {"action": action, "_selected_action": [str(pk) for pk in pks], **extra}
    return client.post(_admin_url(model, "changelist"), data)


def _messages(response: Any) -> list[str]:
    return [str(m) for m in response.wsgi_request._messages]


@pytest.mark.django_db
def test_replay_action_calls_the_replay_service_per_webhook(
    staff_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    hooks = [InboundWebhookFactory(), InboundWebhookFactory()]
    calls: list[int] = []
    stub_service(
        monkeypatch, "integrations.services.webhooks", "webhook_replay", lambda *, webhook_id: calls.append(webhook_id)
    )

    confirm = _run_action(staff_client, InboundWebhook, "replay_selected", [h.pk for h in hooks])
    assert confirm.status_code == 200
    assert "admin/confirm_action.html" in [t.name for t in confirm.templates]
    assert "2 inbound webhooks" in confirm.content.decode()
    assert calls == []

    response = _run_action(staff_client, InboundWebhook, "replay_selected", [h.pk for h in hooks], post="yes")

    assert response.status_code == 302
    assert sorted(calls) == sorted(h.pk for h in hooks)
    assert "Replayed: 2." in _messages(response)


@pytest.mark.django_db
@pytest.mark.parametrize("ok", [True, False])
def test_test_connection_action_asks_first_then_reports_the_result(
    staff_client: Client, monkeypatch: pytest.MonkeyPatch, ok: bool
) -> None:
    connection = ConnectionFactory(provider="loop")
    calls: list[int] = []

    def fake(*, connection: Connection) -> Any:
        calls.append(connection.pk)
        return types.SimpleNamespace(ok=ok, message="Connected" if ok else "401 bad API key")

    stub_service(monkeypatch, "integrations.services.connections", "connection_test", fake)

    confirm = _run_action(staff_client, Connection, "test_connection", [connection.pk])
    assert confirm.status_code == 200
    assert calls == []
    response = _run_action(staff_client, Connection, "test_connection", [connection.pk], post="yes")

    assert calls == [connection.pk]
    assert f"{connection}: {'Connected' if ok else '401 bad API key'}" in _messages(response)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("action", "task"),
    [("test_connection", "connection_test_run"), ("register_webhooks", "connection_webhooks_register")],
)
def test_provider_calls_for_several_connections_run_in_a_task(
    staff_client: Client, monkeypatch: pytest.MonkeyPatch, action: str, task: str
) -> None:
    from integrations import tasks

    connections = [ConnectionFactory(provider="loop"), ConnectionFactory(provider="redo")]
    queued: list[int] = []
    monkeypatch.setattr(getattr(tasks, task), "delay", lambda connection_id: queued.append(connection_id))

    confirm = _run_action(staff_client, Connection, action, [c.pk for c in connections])
    assert confirm.status_code == 200
    assert "2 connections" in confirm.content.decode()
    assert queued == []
    response = _run_action(staff_client, Connection, action, [c.pk for c in connections], post="yes")

    assert response.status_code == 302
    assert sorted(queued) == sorted(c.pk for c in connections)
    assert any("in the background" in m for m in _messages(response))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("action", "service", "summary"),
    [
        ("pause", "connection_pause", "Paused: 1."),
        ("resume", "connection_resume", "Resumed: 1."),
        ("reset_circuit_breaker", "connection_reset_breaker", "Circuit breaker reset: 1."),
    ],
)
def test_connection_state_actions_call_their_service(
    staff_client: Client, monkeypatch: pytest.MonkeyPatch, action: str, service: str, summary: str
) -> None:
    connection = ConnectionFactory()
    calls: list[int] = []
    stub_service(
        monkeypatch, "integrations.services.connections", service, lambda *, connection: calls.append(connection.pk)
    )

    confirm = _run_action(staff_client, Connection, action, [connection.pk])
    assert confirm.status_code == 200
    assert str(connection) in confirm.content.decode()
    assert calls == []

    response = _run_action(staff_client, Connection, action, [connection.pk], post="yes")

    assert calls == [connection.pk]
    assert summary in _messages(response)


@pytest.mark.django_db
def test_an_expected_service_error_is_shown_not_raised(staff_client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    connection = ConnectionFactory()

    def fake(*, connection: Connection) -> None:
        raise ApplicationError("Connection is a draft")

    stub_service(monkeypatch, "integrations.services.connections", "connection_pause", fake)

    response = _run_action(staff_client, Connection, "pause", [connection.pk], post="yes")

    assert f"{connection}: Connection is a draft" in _messages(response)


@pytest.mark.django_db
def test_rotate_webhook_secret_asks_first_then_shows_the_new_secret_once(
    staff_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    connection = ConnectionFactory()
    calls: list[int] = []

    def fake(*, connection: Connection) -> str:
        calls.append(connection.pk)
        return "whsec_NEW_ONE_abc123"

    stub_service(monkeypatch, "integrations.services.rotation", "connection_rotate_webhook_secret", fake)

    confirm = _run_action(staff_client, Connection, "rotate_webhook_secret", [connection.pk])
    assert confirm.status_code == 200
    assert "admin/confirm_action.html" in [t.name for t in confirm.templates]
    assert calls == []

    done = _run_action(staff_client, Connection, "rotate_webhook_secret", [connection.pk], post="yes")
    assert calls == [connection.pk]
    assert "whsec_NEW_ONE_abc123" in done.content.decode()
    assert "no-cache" in done["Cache-Control"] or "no-store" in done["Cache-Control"]
    # Rendered in this response, never parked in the message cookie for the next page.
    assert "whsec_NEW_ONE_abc123" not in str(done.cookies.get("messages", ""))
    later = staff_client.get(_admin_url(Connection, "changelist")).content.decode()
    assert "whsec_NEW_ONE_abc123" not in later


@pytest.mark.django_db
def test_rotate_endpoint_url_asks_first_then_shows_the_new_url(
    staff_client: Client, monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    settings.PUBLIC_BASE_URL = "https://backhaul.example.com"
    connection = ConnectionFactory()

    def fake(*, connection: Connection) -> None:
        Connection.objects.filter(pk=connection.pk).update(endpoint_token="fresh-token")

    stub_service(monkeypatch, "integrations.services.rotation", "connection_rotate_endpoint_token", fake)

    confirm = _run_action(staff_client, Connection, "rotate_endpoint_url", [connection.pk])
    assert confirm.status_code == 200
    assert Connection.objects.get(pk=connection.pk).endpoint_token == connection.endpoint_token

    done = _run_action(staff_client, Connection, "rotate_endpoint_url", [connection.pk], post="yes")
    assert any("https://backhaul.example.com/webhooks/loop/fresh-token/" in m for m in _messages(done))


@pytest.mark.django_db
def test_retry_push_asks_first_then_calls_rma_retry(staff_client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    rma = RMAFactory()
    calls: list[int] = []
    stub_service(monkeypatch, "returns.services.rmas.support", "rma_retry", lambda *, rma_id, by: calls.append(rma_id))

    confirm = _run_action(staff_client, rma.__class__, "retry_push", [rma.pk])
    assert confirm.status_code == 200
    assert calls == []
    response = _run_action(staff_client, rma.__class__, "retry_push", [rma.pk], post="yes")

    assert calls == [rma.pk]
    assert "Queued for another push: 1." in _messages(response)


@pytest.mark.django_db
def test_cancel_rma_asks_first_then_cancels_with_a_reason(
    staff_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    rma = RMAFactory()
    calls: list[tuple[int, str]] = []
    stub_service(
        monkeypatch,
        "returns.services.rmas.support",
        "rma_cancel",
        lambda *, rma_id, reason, by: calls.append((rma_id, reason)),
    )

    confirm = _run_action(staff_client, rma.__class__, "cancel_rma", [rma.pk])
    assert confirm.status_code == 200
    assert calls == []

    done = _run_action(staff_client, rma.__class__, "cancel_rma", [rma.pk], post="yes")
    assert done.status_code == 302
    assert calls == [(rma.pk, "Cancelled by support")]


@pytest.mark.django_db
def test_admin_shows_the_environment_banner(staff_client: Client) -> None:
    html = staff_client.get(reverse("admin:index")).content.decode()

    assert "Backhaul" in html
    assert "Environment: Test" in html


def test_history_is_kept_for_connections() -> None:
    from simple_history.admin import SimpleHistoryAdmin

    assert isinstance(admin.site._registry[Connection], SimpleHistoryAdmin)


# --- Actions against the real services (the tests above pin the admin's side of the contract) ----


@pytest.mark.django_db
def test_pause_action_with_the_real_service_pauses_the_connection(staff_client: Client) -> None:
    connection = ConnectionFactory(status=Connection.Status.ACTIVE)

    _run_action(staff_client, Connection, "pause", [connection.pk], post="yes")

    connection.refresh_from_db()
    assert connection.status == Connection.Status.PAUSED


@pytest.mark.django_db
def test_rotate_action_with_the_real_service_shows_the_secret_it_stored(staff_client: Client) -> None:
    connection = ConnectionFactory(provider="loop", webhook_secret="old-secret")

    done = _run_action(staff_client, Connection, "rotate_webhook_secret", [connection.pk], post="yes")

    connection.refresh_from_db()
    assert connection.webhook_secret not in ("", "old-secret")
    assert connection.webhook_secret in done.content.decode()
    assert "old-secret" not in done.content.decode()
