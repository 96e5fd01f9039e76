"""Roles bind in the API (docs/security.md): store members read and retry, owners change and act, view-only
staff read and never write, staff act as their model permissions say. Each id is `<role>-<operation>`."""

from typing import Any

import pytest

from integrations.models import Connection
from tests.api.conftest import StoreObjects, World, assert_error, make_store_objects
from tests.api.test_permissions import CREATE_ENDPOINTS, OBJECT_ENDPOINTS, Endpoint

ENDPOINTS: dict[str, Endpoint] = {
    **OBJECT_ENDPOINTS,
    **CREATE_ENDPOINTS,
    "connection-pause": Endpoint("post", lambda o: f"/api/v1/connections/{o.warehouse_connection.pk}/pause/"),
    "connection-resume": Endpoint("post", lambda o: f"/api/v1/connections/{o.warehouse_connection.pk}/resume/"),
    "store-go-live": Endpoint("post", lambda o: f"/api/v1/stores/{o.return_obj.store_id}/go-live/"),
    "return-platform-action-retry": Endpoint(
        "post", lambda o: f"/api/v1/returns/{o.return_obj.pk}/platform-action/retry/"
    ),
}
# A dry run is a POST of draft rules that reads and writes nothing: whoever may read the rules may run it.
READS = {name for name, e in ENDPOINTS.items() if e.method == "get"} | {"store-routing-dry-run-post"}
# What a store member may do besides reading: retry what needs attention, test a connection, link a parcel that
# arrived without an RMA to its return (it applies what arrived once, like a retry; dismissing one is the owners').
MEMBER_WRITES = {"rma-retry", "return-platform-action-retry", "connection-test", "orphan-receipt-link"}
OWNER_WRITES = set(ENDPOINTS) - READS

ALLOWED: dict[str, set[str]] = {
    "anonymous": set(),
    "owner": READS | OWNER_WRITES,
    "member": READS | MEMBER_WRITES,
    "viewer": READS,
    "staff": set(ENDPOINTS),
    "superuser": set(ENDPOINTS),
}
CLIENTS = {
    "anonymous": "anonymous",
    "owner": "merchant_a",
    "member": "member_a",
    "viewer": "viewer",
    "staff": "staff",
    "superuser": "superuser",
}
CASES = [(role, name) for role in ALLOWED for name in sorted(ENDPOINTS)]


@pytest.fixture
def objs(world: World, fake_services: dict) -> StoreObjects:
    return make_store_objects(world.store_a)


@pytest.mark.parametrize(("role", "name"), CASES, ids=[f"{r}-{n}" for r, n in CASES])
def test_api_role(world: World, objs: StoreObjects, fake_services: dict, role: str, name: str) -> None:
    endpoint = ENDPOINTS[name]
    response = endpoint.call(getattr(world, CLIENTS[role]), objs)
    if role == "anonymous":
        assert_error(response, 401, "not_authenticated")
        assert not any(fake_services.values())
    elif name in ALLOWED[role]:
        # Allowed: the operation ran (a service may still refuse it for its own reason, with a 400).
        assert response.status_code in (200, 201, 204, 400), response.content
        if response.status_code == 400:
            assert response.json()["error"]["code"] in ("application_error", "invalid"), response.content
    else:
        error = assert_error(response, 403, "permission_denied")
        assert error["message"].startswith("Only "), error
        assert not any(fake_services.values()), "a refused operation must not reach its service"


def test_only_staff_who_may_create_stores(world: World) -> None:
    for client in (world.merchant_a, world.member_a, world.viewer):
        assert_error(client.post("/api/v1/stores/", {"name": "Mine"}, format="json"), 403, "permission_denied")
    assert world.staff.post("/api/v1/stores/", {"name": "Mine"}, format="json").status_code == 201


def test_a_refused_owner_action_says_who_may(world: World, objs: StoreObjects) -> None:
    error = assert_error(
        world.member_a.patch(f"/api/v1/connections/{objs.returns_connection.pk}/", {"api_key": "x"}, format="json"),
        403,
    )
    assert error["message"] == (
        "Only the store's owners can change connections (credentials, addresses, webhooks). Ask an owner of the store."
    )
    objs.returns_connection.refresh_from_db()
    assert objs.returns_connection.api_key != "x"


def test_staff_without_view_permissions_see_no_store(world: World, objs: StoreObjects, django_user_model: Any) -> None:
    from tests.api.conftest import token_client

    bare = token_client(django_user_model.objects.create_user("bare-staff", password="x", is_staff=True))
    assert bare.get("/api/v1/returns/").json()["results"] == []
    assert_error(bare.get(f"/api/v1/rmas/{objs.rma.pk}/"), 404)
    assert_error(bare.post(f"/api/v1/rmas/{objs.rma.pk}/retry/"), 404)


def test_view_only_staff_read_every_store(world: World, objs: StoreObjects) -> None:
    other = make_store_objects(world.store_b)
    ids = {row["id"] for row in world.viewer.get("/api/v1/rmas/").json()["results"]}
    assert {objs.rma.pk, other.rma.pk} <= ids


# --- Service-owned fields ---------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["active", "paused", "draft"])
def test_a_connections_status_cannot_be_written(world: World, objs: StoreObjects, status: str) -> None:
    connection = objs.warehouse_connection
    Connection.objects.filter(pk=connection.pk).update(status=Connection.Status.CREDENTIALS_REJECTED)
    response = world.merchant_a.patch(f"/api/v1/connections/{connection.pk}/", {"status": status}, format="json")
    error = assert_error(response, 400, "invalid")
    assert "pause" in error["details"]["status"][0]
    connection.refresh_from_db()
    assert connection.status == Connection.Status.CREDENTIALS_REJECTED


def test_a_new_connection_cannot_start_active(world: World) -> None:
    body = {"store": world.store_a.pk, "provider": "loop", "status": "active", "api_key": "k"}
    assert_error(world.merchant_a.post("/api/v1/connections/", body, format="json"), 400, "invalid")
    assert not Connection.objects.filter(store=world.store_a).exists()


@pytest.mark.parametrize("field", ["consecutive_failures", "breaker_opened_at", "last_error", "endpoint_token"])
def test_other_service_owned_connection_fields_are_refused(world: World, objs: StoreObjects, field: str) -> None:
    url = f"/api/v1/connections/{objs.warehouse_connection.pk}/"
    error = assert_error(world.staff.patch(url, {field: "0"}, format="json"), 400, "invalid")
    assert field in error["details"]


@pytest.mark.parametrize("field", ["is_active", "is_sandbox"])
def test_store_support_fields_are_staff_only(world: World, field: str) -> None:
    url = f"/api/v1/stores/{world.store_a.pk}/"
    error = assert_error(world.merchant_a.patch(url, {field: True}, format="json"), 400, "invalid")
    assert "support" in error["details"][field][0]
    assert world.merchant_a.patch(url, {"default_instructions": "Check seams"}, format="json").status_code == 200
    assert world.staff.patch(url, {field: True}, format="json").status_code == 200


def test_pause_then_resume_a_live_connection(world: World, objs: StoreObjects) -> None:
    connection = objs.warehouse_connection
    paused = world.merchant_a.post(f"/api/v1/connections/{connection.pk}/pause/")
    assert paused.status_code == 200, paused.content
    assert paused.json()["status"] == "paused"
    assert paused.json()["health_message"] == "Paused by merchant-a"
    resumed = world.merchant_a.post(f"/api/v1/connections/{connection.pk}/resume/")
    assert resumed.status_code == 200, resumed.content
    assert resumed.json()["status"] == "active"


@pytest.mark.parametrize(
    ("status", "breaker_open", "words"),
    [
        ("failing", True, "circuit breaker is open"),
        ("paused", True, "circuit breaker is open"),
        ("credentials_rejected", False, "rejected this connection's credentials"),
        ("draft", False, "not live yet"),
    ],
)
def test_resume_is_refused_with_what_to_do(
    world: World, objs: StoreObjects, status: str, breaker_open: bool, words: str
) -> None:
    from django.utils import timezone

    connection = objs.warehouse_connection
    Connection.objects.filter(pk=connection.pk).update(
        status=status, breaker_opened_at=timezone.now() if breaker_open else None
    )
    error = assert_error(
        world.merchant_a.post(f"/api/v1/connections/{connection.pk}/resume/"), 400, "application_error"
    )
    assert words in error["message"]
    connection.refresh_from_db()
    assert connection.status == status


def test_go_live_runs_the_wizards_checks(world: World) -> None:
    from tests.factories import ConnectionFactory

    draft = ConnectionFactory(store=world.store_a, status=Connection.Status.DRAFT)
    error = assert_error(world.merchant_a.post(f"/api/v1/stores/{world.store_a.pk}/go-live/"), 400, "application_error")
    assert "Connect and check your returns platform (step 1)." in error["message"]
    draft.refresh_from_db()
    assert draft.status == Connection.Status.DRAFT


def test_go_live_activates_a_ready_store(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from integrations.wizard.services import go_live as services
    from tests.factories import ConnectionFactory

    draft = ConnectionFactory(store=world.store_a, status=Connection.Status.DRAFT)
    monkeypatch.setattr(services, "store_go_live_blockers", lambda *, store: [])
    monkeypatch.setattr(services, "connections_in_use", lambda *, store: [draft])
    response = world.merchant_a.post(f"/api/v1/stores/{world.store_a.pk}/go-live/")
    assert response.status_code == 200, response.content
    assert response.json()["activated"] == [draft.pk]
    draft.refresh_from_db()
    assert draft.status == Connection.Status.ACTIVE
