"""Every endpoint: anonymous gets 401, a merchant of store B cannot see or touch store A, A's merchant and staff can."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from tests.api.conftest import StoreObjects, World, assert_error, make_store_objects


@dataclass(frozen=True)
class Endpoint:
    method: str
    url: Callable[[StoreObjects], str]
    body: Callable[[StoreObjects], dict] | None = None
    ok: int = 200

    def call(self, client: Any, objs: StoreObjects) -> Any:
        body = self.body(objs) if self.body else None
        return getattr(client, self.method)(self.url(objs), body, format="json")


# Operations on one existing object of store A.
OBJECT_ENDPOINTS = {
    "store-get": Endpoint("get", lambda o: f"/api/v1/stores/{o.return_obj.store_id}/"),
    "store-patch": Endpoint("patch", lambda o: f"/api/v1/stores/{o.return_obj.store_id}/", lambda o: {"name": "New"}),
    "connection-get": Endpoint("get", lambda o: f"/api/v1/connections/{o.returns_connection.pk}/"),
    "connection-patch": Endpoint(
        "patch", lambda o: f"/api/v1/connections/{o.returns_connection.pk}/", lambda o: {"api_key": "rotated"}
    ),
    "connection-test": Endpoint("post", lambda o: f"/api/v1/connections/{o.returns_connection.pk}/test/"),
    "location-get": Endpoint("get", lambda o: f"/api/v1/locations/{o.location.pk}/"),
    "location-patch": Endpoint("patch", lambda o: f"/api/v1/locations/{o.location.pk}/", lambda o: {"city": "Reno"}),
    "location-delete": Endpoint("delete", lambda o: f"/api/v1/locations/{o.location.pk}/", ok=204),
    "sku-mapping-get": Endpoint("get", lambda o: f"/api/v1/sku-mappings/{o.sku_mapping.pk}/"),
    "sku-mapping-patch": Endpoint(
        "patch", lambda o: f"/api/v1/sku-mappings/{o.sku_mapping.pk}/", lambda o: {"wms_sku": "X"}
    ),
    "sku-mapping-delete": Endpoint("delete", lambda o: f"/api/v1/sku-mappings/{o.sku_mapping.pk}/", ok=204),
    "disposition-rule-get": Endpoint("get", lambda o: f"/api/v1/disposition-rules/{o.disposition_rule.pk}/"),
    "disposition-rule-patch": Endpoint(
        "patch", lambda o: f"/api/v1/disposition-rules/{o.disposition_rule.pk}/", lambda o: {"priority": 5}
    ),
    "disposition-rule-delete": Endpoint(
        "delete", lambda o: f"/api/v1/disposition-rules/{o.disposition_rule.pk}/", ok=204
    ),
    "status-mapping-get": Endpoint("get", lambda o: f"/api/v1/status-mappings/{o.status_mapping.pk}/"),
    "status-mapping-patch": Endpoint(
        "patch", lambda o: f"/api/v1/status-mappings/{o.status_mapping.pk}/", lambda o: {"action": "ignore"}
    ),
    "status-mapping-delete": Endpoint("delete", lambda o: f"/api/v1/status-mappings/{o.status_mapping.pk}/", ok=204),
    "grade-mapping-get": Endpoint("get", lambda o: f"/api/v1/grade-mappings/{o.grade_mapping.pk}/"),
    "grade-mapping-patch": Endpoint(
        "patch", lambda o: f"/api/v1/grade-mappings/{o.grade_mapping.pk}/", lambda o: {"disposition_outcome": "donate"}
    ),
    "grade-mapping-delete": Endpoint("delete", lambda o: f"/api/v1/grade-mappings/{o.grade_mapping.pk}/", ok=204),
    "routing-rule-get": Endpoint("get", lambda o: f"/api/v1/routing-rules/{o.routing_rule.pk}/"),
    "routing-rule-patch": Endpoint(
        "patch", lambda o: f"/api/v1/routing-rules/{o.routing_rule.pk}/", lambda o: {"regions": ["NV", "CA"]}
    ),
    "routing-rule-delete": Endpoint("delete", lambda o: f"/api/v1/routing-rules/{o.routing_rule.pk}/", ok=204),
    "store-routing-dry-run-get": Endpoint("get", lambda o: f"/api/v1/stores/{o.return_obj.store_id}/routing-dry-run/"),
    "store-routing-dry-run-post": Endpoint(
        "post",
        lambda o: f"/api/v1/stores/{o.return_obj.store_id}/routing-dry-run/",
        lambda o: {"rules": [{"name": "All", "location": o.routing_rule.location_id, "match_all": True}]},
    ),
    "return-get": Endpoint("get", lambda o: f"/api/v1/returns/{o.return_obj.pk}/"),
    "rma-get": Endpoint("get", lambda o: f"/api/v1/rmas/{o.rma.pk}/"),
    "rma-retry": Endpoint("post", lambda o: f"/api/v1/rmas/{o.rma.pk}/retry/"),
    "rma-cancel": Endpoint("post", lambda o: f"/api/v1/rmas/{o.rma.pk}/cancel/", lambda o: {"reason": "x"}),
    "webhook-get": Endpoint("get", lambda o: f"/api/v1/webhooks/{o.webhook.pk}/"),
    "webhook-replay": Endpoint("post", lambda o: f"/api/v1/webhooks/{o.webhook.pk}/replay/"),
    "orphan-receipt-get": Endpoint("get", lambda o: f"/api/v1/orphan-receipts/{o.orphan_receipt.pk}/"),
    "orphan-receipt-link": Endpoint(
        "post",
        lambda o: f"/api/v1/orphan-receipts/{o.orphan_receipt.pk}/link/",
        lambda o: {"return_id": o.return_obj.pk},
    ),
    "orphan-receipt-dismiss": Endpoint(
        "post",
        lambda o: f"/api/v1/orphan-receipts/{o.orphan_receipt.pk}/dismiss/",
        lambda o: {"reason": "Return to sender"},
    ),
}

# Creating in store A.
CREATE_ENDPOINTS = {
    "connection-create": Endpoint(
        "post",
        lambda o: "/api/v1/connections/",
        lambda o: {"store": o.return_obj.store_id, "provider": "trackstar", "wms_name": "x", "access_token": "t"},
        ok=201,
    ),
    "location-create": Endpoint(
        "post",
        lambda o: "/api/v1/locations/",
        lambda o: {"store": o.return_obj.store_id, "name": "East", "warehouse_connection": o.warehouse_connection.pk},
        ok=201,
    ),
    "sku-mapping-create": Endpoint(
        "post",
        lambda o: "/api/v1/sku-mappings/",
        lambda o: {"store": o.return_obj.store_id, "platform_sku": "A", "wms_sku": "B"},
        ok=201,
    ),
    "disposition-rule-create": Endpoint(
        "post",
        lambda o: "/api/v1/disposition-rules/",
        lambda o: {"store": o.return_obj.store_id, "instruction": "inspect", "match_reason": "damaged"},
        ok=201,
    ),
    "status-mapping-create": Endpoint(
        "post",
        lambda o: "/api/v1/status-mappings/",
        lambda o: {"store": o.return_obj.store_id, "outcome": "damaged", "action": "flag"},
        ok=201,
    ),
    "grade-mapping-create": Endpoint(
        "post",
        lambda o: "/api/v1/grade-mappings/",
        lambda o: {
            "store": o.return_obj.store_id,
            "warehouse": "trackstar",
            "kind": "condition",
            "word": "Like new",
            "condition_category": "grade_a",
            "disposition_outcome": "back_to_stock",
        },
        ok=201,
    ),
    "routing-rule-create": Endpoint(
        "post",
        lambda o: "/api/v1/routing-rules/",
        lambda o: {
            "store": o.return_obj.store_id,
            "name": "Caps",
            "location": o.routing_rule.location_id,
            "sku_patterns": ["CAP-*"],
        },
        ok=201,
    ),
}

# Lists, and the id of store A's object each one must show or hide.
LIST_ENDPOINTS: dict[str, tuple[str, Callable[[StoreObjects], int]]] = {
    "stores": ("/api/v1/stores/", lambda o: o.return_obj.store_id),
    "connections": ("/api/v1/connections/", lambda o: o.returns_connection.pk),
    "locations": ("/api/v1/locations/", lambda o: o.location.pk),
    "sku-mappings": ("/api/v1/sku-mappings/", lambda o: o.sku_mapping.pk),
    "disposition-rules": ("/api/v1/disposition-rules/", lambda o: o.disposition_rule.pk),
    "status-mappings": ("/api/v1/status-mappings/", lambda o: o.status_mapping.pk),
    "grade-mappings": ("/api/v1/grade-mappings/", lambda o: o.grade_mapping.pk),
    "routing-rules": ("/api/v1/routing-rules/", lambda o: o.routing_rule.pk),
    "returns": ("/api/v1/returns/", lambda o: o.return_obj.pk),
    "rmas": ("/api/v1/rmas/", lambda o: o.rma.pk),
    "webhooks": ("/api/v1/webhooks/", lambda o: o.webhook.pk),
    "orphan-receipts": ("/api/v1/orphan-receipts/", lambda o: o.orphan_receipt.pk),
}

ALL_ENDPOINTS = {
    **OBJECT_ENDPOINTS,
    **CREATE_ENDPOINTS,
    **{f"{name}-list": Endpoint("get", lambda o, url=url: url) for name, (url, _) in LIST_ENDPOINTS.items()},
    "store-create": Endpoint("post", lambda o: "/api/v1/stores/", lambda o: {"name": "New store"}, ok=201),
}


@pytest.fixture
def objs(world: World, fake_services: dict) -> StoreObjects:
    make_store_objects(world.store_b)
    return make_store_objects(world.store_a)


@pytest.mark.parametrize("name", sorted(ALL_ENDPOINTS))
def test_anonymous_gets_401_in_the_error_shape(world: World, objs: StoreObjects, name: str) -> None:
    assert_error(ALL_ENDPOINTS[name].call(world.anonymous, objs), 401, "not_authenticated")


@pytest.mark.parametrize("name", sorted(ALL_ENDPOINTS))
def test_a_bad_token_gets_401(world: World, objs: StoreObjects, name: str) -> None:
    world.anonymous.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert_error(ALL_ENDPOINTS[name].call(world.anonymous, objs), 401, "authentication_failed")


@pytest.mark.parametrize("name", sorted(OBJECT_ENDPOINTS))
def test_merchant_of_another_store_gets_404(world: World, objs: StoreObjects, fake_services: dict, name: str) -> None:
    assert_error(OBJECT_ENDPOINTS[name].call(world.merchant_b, objs), 404, "not_found")
    assert not any(fake_services.values()), "no action service may run for another store's object"


@pytest.mark.parametrize("name", sorted(CREATE_ENDPOINTS))
def test_merchant_cannot_create_in_another_store(world: World, objs: StoreObjects, name: str) -> None:
    error = assert_error(CREATE_ENDPOINTS[name].call(world.merchant_b, objs), 400, "invalid")
    assert "store" in error["details"]


@pytest.mark.parametrize("name", sorted(LIST_ENDPOINTS))
def test_lists_show_a_merchant_only_their_stores(world: World, objs: StoreObjects, name: str) -> None:
    url, own_id = LIST_ENDPOINTS[name]
    ids_b = {row["id"] for row in world.merchant_b.get(url).json()["results"]}
    ids_a = {row["id"] for row in world.merchant_a.get(url).json()["results"]}
    ids_staff = {row["id"] for row in world.staff.get(url).json()["results"]}
    assert own_id(objs) in ids_a
    assert own_id(objs) not in ids_b
    assert ids_b, "store B's own rows are listed for its merchant"
    assert ids_a.isdisjoint(ids_b)
    assert ids_a | ids_b <= ids_staff


@pytest.mark.parametrize("client_name", ["merchant_a", "staff"])
@pytest.mark.parametrize("name", sorted({**OBJECT_ENDPOINTS, **CREATE_ENDPOINTS}))
def test_store_member_and_staff_may(world: World, objs: StoreObjects, client_name: str, name: str) -> None:
    endpoint = ALL_ENDPOINTS[name]
    response = endpoint.call(getattr(world, client_name), objs)
    assert response.status_code == endpoint.ok, response.content


def test_only_staff_create_stores(world: World) -> None:
    assert_error(world.merchant_a.post("/api/v1/stores/", {"name": "Mine"}, format="json"), 403, "permission_denied")
    assert world.staff.post("/api/v1/stores/", {"name": "Mine"}, format="json").status_code == 201


def test_a_user_without_stores_sees_nothing(world: World, objs: StoreObjects, django_user_model: Any) -> None:
    from tests.api.conftest import token_client

    client = token_client(django_user_model.objects.create_user("nobody", password="x"))
    for url, _ in LIST_ENDPOINTS.values():
        assert client.get(url).json()["results"] == [], url


def test_merchant_cannot_link_a_location_to_another_stores_connection(world: World, objs: StoreObjects) -> None:
    other = make_store_objects_for_c(world)
    response = world.merchant_a.post(
        "/api/v1/locations/",
        {"store": world.store_a.pk, "name": "Sneaky", "warehouse_connection": other.pk},
        format="json",
    )
    assert "warehouse_connection" in assert_error(response, 400, "invalid")["details"]


def test_staff_cannot_link_a_location_to_another_stores_connection(world: World, objs: StoreObjects) -> None:
    other = make_store_objects_for_c(world)
    response = world.staff.patch(
        f"/api/v1/locations/{objs.location.pk}/", {"warehouse_connection": other.pk}, format="json"
    )
    assert "warehouse_connection" in assert_error(response, 400)["details"]


def make_store_objects_for_c(world: World) -> Any:
    from tests.factories import ConnectionFactory, StoreFactory

    return ConnectionFactory(store=StoreFactory(), provider="shipstream")


def test_session_authentication_works(world: World, objs: StoreObjects, client: Any, django_user_model: Any) -> None:
    client.force_login(django_user_model.objects.get(username="merchant-a"))
    response = client.get("/api/v1/returns/")
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [objs.return_obj.pk]
