"""A returns platform's id for a shipping location is stored generically (warehouses.LocationDestination) and
named by the platform's declaration: through the API, the routing lookup and the migration from the old columns."""

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from rest_framework.test import APIClient

from tests.factories import ConnectionFactory, ShippingLocationFactory, StoreFactory
from warehouses.models import LocationDestination
from warehouses.selectors import location_for_destination


@pytest.fixture
def staff_api(db: None) -> APIClient:
    client = APIClient()
    client.force_authenticate(get_user_model().objects.create_superuser("support", password="x"))
    return client


def test_the_api_sets_changes_and_removes_a_platforms_id(staff_api: APIClient) -> None:
    location = ShippingLocationFactory()
    url = f"/api/v1/locations/{location.pk}/"
    set_both = staff_api.patch(url, {"destinations": {"loop": "dest_ca1", "redo": "loc-9"}}, format="json")
    assert set_both.status_code == 200, set_both.content
    assert set_both.json()["destinations"] == {"loop": "dest_ca1", "redo": "loc-9"}
    # Platforms left out keep theirs; a blank id removes one.
    changed = staff_api.patch(url, {"destinations": {"redo": ""}}, format="json")
    assert changed.json()["destinations"] == {"loop": "dest_ca1"}
    assert location_for_destination(store_id=location.store_id, platform="loop", destination_key="dest_ca1") == location
    assert location_for_destination(store_id=location.store_id, platform="redo", destination_key="loc-9") is None


@pytest.mark.parametrize(
    ("destinations", "words"),
    [
        ({"shipmonk": "x"}, "shipmonk: not a returns platform with location ids (loop, redo)"),
        ({"acme": "x"}, "acme: not a returns platform"),
        ({"loop": "x" * 101}, "no more than 100 characters"),
    ],
)
def test_the_api_refuses_what_no_platform_names(staff_api: APIClient, destinations: dict, words: str) -> None:
    location = ShippingLocationFactory()
    response = staff_api.patch(f"/api/v1/locations/{location.pk}/", {"destinations": destinations}, format="json")
    assert response.status_code == 400
    assert words in str(response.json()["error"]["details"]["destinations"])
    assert not LocationDestination.objects.exists()


@pytest.mark.django_db
def test_a_destination_routes_only_within_its_own_store() -> None:
    wms = ConnectionFactory(provider="shipmonk")
    ours = ShippingLocationFactory(store=wms.store, warehouse_connection=wms, destinations={"loop": "dest_1"})
    other = StoreFactory()
    ShippingLocationFactory(store=other, destinations={"loop": "dest_1"})
    assert location_for_destination(store_id=wms.store_id, platform="loop", destination_key="dest_1") == ours


@pytest.mark.django_db(transaction=True)
def test_the_migration_moves_the_old_columns_into_rows_and_back() -> None:
    executor = MigrationExecutor(connection)
    before, after = [("warehouses", "0001_initial")], [("warehouses", "0004_remove_platform_location_columns")]
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    store = old.get_model("integrations", "Store").objects.create(name="Old", slug="old")
    location = old.get_model("warehouses", "ShippingLocation").objects.create(
        store=store, name="CA", loop_destination_id="dest_ca", redo_location_id="loc_ca"
    )
    executor.loader.build_graph()
    executor.migrate(after)
    new: Any = executor.loader.project_state(after).apps
    rows = new.get_model("warehouses", "LocationDestination").objects.filter(location_id=location.pk)
    assert sorted(rows.values_list("provider", "external_id")) == [("loop", "dest_ca"), ("redo", "loc_ca")]
    executor.loader.build_graph()
    executor.migrate(before)
    back = executor.loader.project_state(before).apps.get_model("warehouses", "ShippingLocation").objects.get()
    assert (back.loop_destination_id, back.redo_location_id) == ("dest_ca", "loc_ca")
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
