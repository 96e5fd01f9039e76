"""Webhook registration at Loop and Redo: idempotent re-runs, https for Redo, admin action and setup step 1."""

import json
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from config.exceptions import ApplicationError
from integrations.models import ApiCall, Connection, StoreMembership
from integrations.services.registration import webhooks_register
from tests.factories import ConnectionFactory, StoreFactory

pytestmark = pytest.mark.django_db
PUBLIC = "https://backhaul.example.com"


@pytest.fixture(autouse=True)
def _public_https(settings: Any) -> None:
    settings.PUBLIC_BASE_URL = PUBLIC


class FakeLoopWebhooks:
    """GET/POST /webhooks and PUT /webhooks/{id}, remembering what was created."""

    def __init__(self, httpserver: HTTPServer, existing: list[dict[str, Any]] | None = None) -> None:
        self.hooks = list(existing or [])
        self.posts: list[dict[str, Any]] = []
        self.puts: list[dict[str, Any]] = []
        httpserver.expect_request("/webhooks", method="GET").respond_with_handler(self.list)
        httpserver.expect_request("/webhooks", method="POST").respond_with_handler(self.create)
        for hook in self.hooks:
            httpserver.expect_request(f"/webhooks/{hook['id']}", method="PUT").respond_with_handler(self.update)

    def list(self, request: Request) -> Response:
        return Response(json.dumps({"webhooks": self.hooks}), content_type="application/json")

    def create(self, request: Request) -> Response:
        body = json.loads(request.get_data())
        self.posts.append(body)
        hook = {"id": 100 + len(self.hooks), "shop_id": 501, **body}
        self.hooks.append(hook)
        return Response(json.dumps(hook), status=201, content_type="application/json")

    def update(self, request: Request) -> Response:
        body = json.loads(request.get_data())
        self.puts.append(body)
        hook_id = int(request.path.rsplit("/", 1)[-1])
        for hook in self.hooks:
            if hook["id"] == hook_id:
                hook.update(body)
        return Response(status=204)


def _loop(httpserver: HTTPServer, **kwargs: Any) -> Connection:
    return ConnectionFactory(provider="loop", base_url=httpserver.url_for("/").rstrip("/"), **kwargs)


def test_loop_registers_every_topic_once_and_a_rerun_adds_nothing(httpserver: HTTPServer) -> None:
    connection = _loop(httpserver)
    url = PUBLIC + connection.webhook_path
    fake = FakeLoopWebhooks(
        httpserver,
        existing=[
            {"id": 1, "topic": "return", "trigger": "return.created", "url": url, "status": "active"},
            {"id": 2, "topic": "label", "trigger": "label.created", "url": url, "status": "inactive"},
            {"id": 3, "topic": "return", "trigger": "return.updated", "url": "https://elsewhere/", "status": "active"},
        ],
    )
    first = webhooks_register(connection_id=connection.pk)
    assert first.present == ["return.created"]
    assert first.reactivated == ["label.created"]
    assert first.created == [
        "return.updated",
        "return.closed",
        "label.updated",
        "label.request.issued",
        "label.request.cancelled",
    ]
    assert fake.posts[0] == {"topic": "return", "trigger": "return.updated", "url": url, "status": "active"}
    assert fake.puts == [{"topic": "label", "trigger": "label.created", "url": url, "status": "active"}]
    assert {p["topic"] for p in fake.posts} == {"return", "label", "label.request"}
    again = webhooks_register(connection_id=connection.pk)
    assert (again.created, again.reactivated, len(again.present)) == ([], [], 7)
    assert len(fake.posts) == 5
    assert "already present return.created" in again.summary


def test_loop_without_its_signing_secret_says_so(httpserver: HTTPServer) -> None:
    FakeLoopWebhooks(httpserver)
    connection = _loop(httpserver, webhook_secret="")
    assert "Enter Loop's webhook secret" in webhooks_register(connection_id=connection.pk).summary


def test_a_loop_refusal_is_an_application_error(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/webhooks").respond_with_json({"error": {"message": "Forbidden scope"}}, status=403)
    connection = _loop(httpserver)
    with pytest.raises(ApplicationError, match="Loop refused the registration: .*Forbidden scope"):
        webhooks_register(connection_id=connection.pk)


def _redo(httpserver: HTTPServer, **kwargs: Any) -> Connection:
    return ConnectionFactory(
        provider="redo",
        base_url=httpserver.url_for("/").rstrip("/"),
        external_account_id="store-77",
        api_key="redo-api-secret-1",
        **kwargs,
    )


def test_redo_upserts_one_webhook_with_a_generated_bearer_token(httpserver: HTTPServer) -> None:
    seen: list[dict[str, Any]] = []

    def create(request: Request) -> Response:
        seen.append(json.loads(request.get_data()))
        status = 201 if len(seen) == 1 else 200
        return Response(json.dumps({"webhook": {"id": "wh1"}}), status=status, content_type="application/json")

    httpserver.expect_request("/stores/store-77/webhooks", method="POST").respond_with_handler(create)
    connection = _redo(httpserver, webhook_secret="")
    first = webhooks_register(connection_id=connection.pk)
    connection.refresh_from_db()
    token = connection.webhook_secret
    assert len(token) >= 32
    assert seen[0] == {
        "webhook": {
            "topic": "return",
            "kind": "redo",
            "externalId": f"backhaul-{connection.pk}",
            "backfill": False,
            "callback": {"url": PUBLIC + connection.webhook_path, "auth": {"bearer": {"token": token}}},
        }
    }
    assert first.created == ["return (wh1)"]
    again = webhooks_register(connection_id=connection.pk)
    connection.refresh_from_db()
    assert (again.created, again.present, connection.webhook_secret) == ([], ["return (wh1)"], token)
    assert seen[1] == seen[0]
    # The token never reaches the API-call log.
    assert all(token not in call.request_body for call in ApiCall.objects.all())


def test_redo_needs_an_https_public_url(httpserver: HTTPServer, settings: Any) -> None:
    settings.PUBLIC_BASE_URL = "http://127.0.0.1:8000"
    connection = _redo(httpserver)
    with pytest.raises(ApplicationError, match="Redo only accepts an https callback URL"):
        webhooks_register(connection_id=connection.pk)
    assert httpserver.log == []


def test_warehouse_systems_explain_where_their_webhooks_are_set_up() -> None:
    connection = ConnectionFactory(provider="shipmonk")
    with pytest.raises(ApplicationError, match="ShipMonk's support sets them up"):
        webhooks_register(connection_id=connection.pk)


def test_admin_action_shows_what_was_created(httpserver: HTTPServer, admin_client: Client) -> None:
    FakeLoopWebhooks(httpserver)
    connection = _loop(httpserver)
    response = admin_client.post(
        reverse("admin:integrations_connection_changelist"),
        {"action": "register_webhooks", "_selected_action": [connection.pk], "post": "yes"},
        follow=True,
    )
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("created return.created, return.updated" in t for t in texts), texts


def test_setup_step_one_offers_registration(httpserver: HTTPServer, django_user_model: Any) -> None:
    fake = FakeLoopWebhooks(httpserver)
    store = StoreFactory()
    connection = _loop(httpserver, store=store)
    user = django_user_model.objects.create_user(username="mia", password="correct horse battery")
    StoreMembership.objects.create(store=store, user=user, role=StoreMembership.Role.OWNER)
    client = Client()
    client.force_login(user)
    page = reverse("setup:platform", kwargs={"slug": store.slug})
    assert "Register webhooks for me" in client.get(page).content.decode()
    response = client.post(page, {"action": "register"}, follow=True)
    assert "created return.created" in response.content.decode()
    assert len(fake.posts) == 7
    assert Connection.objects.get(pk=connection.pk).status == connection.status
