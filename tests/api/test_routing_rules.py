"""Routing rules through the API: owners add, change, move and delete them, members read them and run dry runs;
a rule that cannot be saved is a 400 whose details name the rule; the dry run answers with the lines that would
go elsewhere and the RMAs per warehouse, and writes nothing."""

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from returns.models import RoutingRule
from tests.api.conftest import StoreObjects, World, assert_error, make_store_objects
from tests.factories import ReturnLineFactory, ShippingLocationFactory

RULES = "/api/v1/routing-rules/"
WRITES = ("INSERT", "UPDATE", "DELETE")


@pytest.fixture
def objs(world: World) -> StoreObjects:
    make_store_objects(world.store_b)
    return make_store_objects(world.store_a)


def _create(world: World, body: dict[str, Any]) -> Any:
    return world.merchant_a.post(RULES, {"store": world.store_a.pk, **body}, format="json")


def test_an_owner_adds_moves_and_deletes_rules_in_order(world: World, objs: StoreObjects) -> None:
    reno = objs.routing_rule.location_id
    caps = _create(world, {"name": "Caps", "location": reno, "sku_patterns": ["cap-*"]})
    assert caps.status_code == 201, caps.content
    assert caps.json()["position"] == 2
    assert caps.json()["conditions"] == "SKU pattern cap-*"
    first = _create(world, {"name": "EU", "location": reno, "countries": ["de", "FR"], "position": 1})
    assert (first.json()["position"], first.json()["countries"]) == (1, ["DE", "FR"])
    listed = world.member_a.get(RULES, {"store": world.store_a.pk}).json()["results"]
    assert [(r["position"], r["name"]) for r in listed] == [(1, "EU"), (2, "West"), (3, "Caps")]
    moved = world.merchant_a.patch(f"{RULES}{caps.json()['id']}/", {"position": 1}, format="json")
    assert moved.status_code == 200
    assert world.merchant_a.delete(f"{RULES}{first.json()['id']}/").status_code == 204
    listed = world.member_a.get(RULES, {"store": world.store_a.pk}).json()["results"]
    assert [(r["position"], r["name"]) for r in listed] == [(1, "Caps"), (2, "West")]


def test_a_location_of_another_store_is_refused_naming_the_rule(world: World, objs: StoreObjects) -> None:
    theirs = RoutingRule.objects.get(store=world.store_b).location_id
    error = assert_error(_create(world, {"name": "Sneaky", "location": theirs, "regions": ["CA"]}), 400, "invalid")
    assert error["details"] == {
        "location": [f"Rule 2 “Sneaky”: shipping location {theirs} is not one of this store's."]
    }


def test_a_location_without_a_warehouse_is_refused(world: World, objs: StoreObjects) -> None:
    popup = ShippingLocationFactory(store=world.store_a, name="Popup", warehouse_connection=None)
    error = assert_error(_create(world, {"name": "Popup", "location": popup.pk, "regions": ["NV"]}), 400)
    assert error["details"]["location"] == [
        "Rule 2 “Popup”: the shipping location “Popup” is not linked to a warehouse; link it first."
    ]


def test_an_empty_rule_is_refused(world: World, objs: StoreObjects) -> None:
    error = assert_error(_create(world, {"name": "Nothing", "location": objs.location.pk}), 400, "invalid")
    assert error["details"]["non_field_errors"][0].startswith("Rule 2 “Nothing” has no condition")


def test_a_rule_after_a_catch_all_is_refused(world: World, objs: StoreObjects) -> None:
    assert _create(world, {"name": "Rest", "location": objs.location.pk, "match_all": True}).status_code == 201
    error = assert_error(_create(world, {"name": "Late", "location": objs.location.pk, "reasons": ["damaged"]}), 400)
    assert error["details"] == {
        "position": [
            "Rule 3 “Late” comes after rule 2 “Rest”, which takes every line, so it can never match: move it above "
            "rule 2 or delete it."
        ]
    }
    assert RoutingRule.objects.filter(store=world.store_a).count() == 2


def test_an_unknown_return_method_is_refused_by_the_schema(world: World, objs: StoreObjects) -> None:
    error = assert_error(
        _create(world, {"name": "Pigeons", "location": objs.location.pk, "return_methods": ["pigeon"]}), 400
    )
    assert "return_methods" in error["details"]


def test_a_member_reads_rules_and_runs_dry_runs_but_cannot_save(world: World, objs: StoreObjects) -> None:
    assert world.member_a.get(f"{RULES}{objs.routing_rule.pk}/").json()["name"] == "West"
    refused = world.member_a.patch(f"{RULES}{objs.routing_rule.pk}/", {"name": "East"}, format="json")
    assert assert_error(refused, 403)["message"] == (
        "Only the store's owners can change routing rules. Ask an owner of the store."
    )
    url = f"/api/v1/stores/{world.store_a.pk}/routing-dry-run/"
    assert world.member_a.get(url).status_code == 200
    assert world.member_a.post(url, {"rules": []}, format="json").status_code == 200


def test_the_dry_run_reports_differences_and_writes_nothing(world: World, objs: StoreObjects) -> None:
    ret = objs.return_obj
    ret.customer_region = "Nevada"
    ret.save()
    objs.rma.lines.update(return_line=ret.lines.get())  # the tee went to the default on its RMA
    cap = ReturnLineFactory(return_obj=ret, sku="CAP-RED", line_key="CAP-RED")  # not planned: West sends it to Reno
    url = f"/api/v1/stores/{world.store_a.pk}/routing-dry-run/"
    drafts = {"rules": [{"name": "Caps", "location": objs.location.pk, "sku_patterns": ["CAP-*"]}]}
    with CaptureQueriesContext(connection) as queries:
        response = world.member_a.post(url, drafts, format="json")
    assert response.status_code == 200, response.content
    writes = [q["sql"] for q in queries.captured_queries if q["sql"].split()[0].upper() in WRITES]
    # Token authentication touches nothing either (knox's last-use update is off); the dry run writes nothing.
    assert writes == []
    body = response.json()
    assert (body["returns"], body["lines"], body["limit"]) == (1, 2, 200)
    (change,) = body["changes"]
    assert (change["line_id"], change["before"]["rule"], change["after"]["location_name"], change["after"]["rule"]) == (
        cap.pk,
        "Rule 1 “West”",
        objs.location.name,
        "Rule 1 “Caps”",
    )
    assert body["rules"] == [{"position": 1, "rule": "Rule 1 “Caps”", "lines": 1}]
    assert [(w["location_name"], w["rmas_before"], w["rmas_after"]) for w in body["warehouses"]] == sorted(
        [(objs.location.name, 1, 1), (objs.routing_rule.location.name, 1, 0)]
    )
    # The saved rules: "West" would take the tee too, which went to the default before the rule existed.
    saved = world.member_a.get(url, {"limit": 50}).json()
    assert [(c["sku"], c["before"]["rule"], c["after"]["rule"]) for c in saved["changes"]] == [
        ("TEE-BLK-M", "", "Rule 1 “West”")
    ]


def test_the_dry_run_refuses_drafts_that_could_not_be_saved(world: World, objs: StoreObjects) -> None:
    url = f"/api/v1/stores/{world.store_a.pk}/routing-dry-run/"
    everything = {"name": "All", "location": objs.location.pk, "match_all": True}
    drafts = {"rules": [everything, {"name": "Late", "location": objs.location.pk, "regions": ["NV"]}]}
    error = assert_error(world.merchant_a.post(url, drafts, format="json"), 400, "invalid")
    assert error["details"]["non_field_errors"][0].startswith("Rule 2 “Late” comes after rule 1 “All”")
    assert_error(world.merchant_a.get(url, {"limit": 0}), 400, "invalid")
    assert_error(world.merchant_b.get(url), 404)


def test_a_dry_run_takes_at_most_a_hundred_draft_rules(world: World, objs: StoreObjects) -> None:
    url = f"/api/v1/stores/{world.store_a.pk}/routing-dry-run/"
    drafts = [{"name": f"R{i}", "location": objs.location.pk, "sku_patterns": [f"S{i}-*"]} for i in range(101)]
    error = assert_error(world.member_a.post(url, {"rules": drafts}, format="json"), 400, "invalid")
    assert "rules" in error["details"]
