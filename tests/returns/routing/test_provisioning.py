"""Writing routing rules (returns/routing_provisioning.py): positions stay 1..n in order, and a write that
would leave a wrong list is refused with one line naming the rule, writing nothing."""

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from returns.models import RoutingRule
from returns.routing_provisioning import (
    routing_rule_create,
    routing_rule_delete,
    routing_rule_move,
    routing_rule_update,
    routing_rules_draft,
)
from tests.factories import ShippingLocationFactory, StoreFactory
from warehouses.provisioning import location_delete

from .conftest import World

pytestmark = pytest.mark.django_db


def _order(world: World) -> list[tuple[int, str]]:
    return list(RoutingRule.objects.filter(store=world.store).order_by("position").values_list("position", "name"))


def _refused(call: Any) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        call()
    return caught.value.message_dict


def test_rules_are_added_last_or_where_asked_and_positions_stay_in_step(world: World) -> None:
    world.rule("West", world.nv1, regions=["NV"])
    world.rule("Caps", world.nj1, sku_patterns=["CAP-*"])
    world.rule("First", world.ca1, countries=["CA"], position=1)
    assert _order(world) == [(1, "First"), (2, "West"), (3, "Caps")]
    caps = RoutingRule.objects.get(name="Caps")
    routing_rule_move(rule=caps, position=1)
    assert _order(world) == [(1, "Caps"), (2, "First"), (3, "West")]
    routing_rule_delete(rule=RoutingRule.objects.get(name="First"))
    assert _order(world) == [(1, "Caps"), (2, "West")]


def test_an_update_changes_only_what_it_is_given(world: World) -> None:
    rule = world.rule("West", world.nv1, regions=["NV"], postal_prefixes=["895"])
    updated = routing_rule_update(rule=rule, data={"regions": "nv, ca", "name": " West coast "})
    assert (updated.name, updated.regions, updated.postal_prefixes, updated.location) == (
        "West coast",
        ["nv", "ca"],
        ["895"],
        world.nv1,
    )


def test_a_location_of_another_store_is_refused_naming_the_rule(world: World) -> None:
    elsewhere = ShippingLocationFactory(store=StoreFactory(), name="Elsewhere")
    errors = _refused(lambda: world.rule("Sneaky", elsewhere, regions=["NV"]))
    assert errors == {"location": [f"Rule 1 “Sneaky”: shipping location {elsewhere.pk} is not one of this store's."]}
    assert not RoutingRule.objects.exists()


def test_a_location_without_a_warehouse_is_refused(world: World) -> None:
    unlinked = ShippingLocationFactory(store=world.store, name="Popup", warehouse_connection=None)
    errors = _refused(lambda: world.rule("Popup", unlinked, regions=["NV"]))
    assert errors == {
        "location": ["Rule 1 “Popup”: the shipping location “Popup” is not linked to a warehouse; link it first."]
    }


def test_an_empty_rule_is_refused(world: World) -> None:
    errors = _refused(lambda: world.rule("Nothing", world.nv1, regions=[" ", ""]))
    assert errors["__all__"][0].startswith("Rule 1 “Nothing” has no condition: give it at least one")


def test_a_rule_after_a_catch_all_is_refused_and_so_is_moving_a_catch_all_above_rules(world: World) -> None:
    world.rule("West", world.nv1, regions=["NV"])
    rest = world.rule("Everything else", world.nj1, match_all=True)
    errors = _refused(lambda: world.rule("Caps", world.ca1, sku_patterns=["CAP-*"]))
    assert errors == {
        "position": [
            "Rule 3 “Caps” comes after rule 2 “Everything else”, which takes every line, so it can never match: "
            "move it above rule 2 or delete it."
        ]
    }
    errors = _refused(lambda: routing_rule_move(rule=rest, position=1))
    assert errors == {
        "__all__": [
            "Rule 2 “West” comes after rule 1 “Everything else”, which takes every line, so it can never match: "
            "move it above rule 1 or delete it."
        ]
    }
    assert _order(world) == [(1, "West"), (2, "Everything else")]
    world.rule("Caps", world.ca1, sku_patterns=["CAP-*"], position=2)  # above the catch-all it may go
    assert _order(world) == [(1, "West"), (2, "Caps"), (3, "Everything else")]


def test_bad_values_are_refused_by_field(world: World) -> None:
    errors = _refused(lambda: world.rule("EU", world.nv1, countries=["Germany"], outcomes=["cash"]))
    assert errors == {
        "countries": ["Rule 1 “EU”: country “Germany”: use the two-letter code (ISO 3166-1), for example US or CA."],
        "outcomes": ["Rule 1 “EU”: outcome “cash”: choose from refund, exchange, store_credit."],
    }


def test_a_name_is_needed(world: World) -> None:
    assert _refused(lambda: world.rule("  ", world.nv1, regions=["NV"])) == {"name": ["Rule 1: give it a name."]}


def test_drafts_are_checked_as_a_list_and_never_saved(world: World) -> None:
    drafts = [
        {"name": "West", "location": world.nv1.pk, "regions": ["NV"]},
        {"name": "All", "location": world.nj1.pk, "match_all": True},
    ]
    rules = routing_rules_draft(store=world.store, drafts=drafts)
    assert [(r.pk, r.position, r.location) for r in rules] == [(None, 1, world.nv1), (None, 2, world.nj1)]
    assert not RoutingRule.objects.exists()
    errors = _refused(lambda: routing_rules_draft(store=world.store, drafts=[*reversed(drafts)]))
    assert errors == {
        "__all__": [
            "Rule 2 “West” comes after rule 1 “All”, which takes every line, so it can never match: move it above "
            "rule 1 or delete it."
        ]
    }


def test_a_location_a_rule_sends_returns_to_cannot_be_deleted(world: World) -> None:
    world.rule("West", world.nv1, regions=["NV"])
    errors = _refused(lambda: location_delete(location=world.nv1))
    assert errors == {
        "location": ["Reno is where routing rule 1 “West” sends returns: change or delete the rule first."]
    }
    routing_rule_delete(rule=RoutingRule.objects.get())
    location_delete(location=world.nv1)


def test_the_demo_store_is_made_again_over_one_with_routing_rules() -> None:
    from integrations.sandbox.demo import demo_store_create

    first = demo_store_create(base_url="http://127.0.0.1:8000")
    nj1 = first.store.shipping_locations.get(wms_warehouse_code="NJ1")
    routing_rule_create(store=first.store, data={"name": "East", "location": nj1.pk, "regions": ["NJ"]})
    second = demo_store_create(base_url="http://127.0.0.1:8000")
    assert second.store.pk != first.store.pk
    assert not RoutingRule.objects.exists()


def test_a_store_has_at_most_a_hundred_rules(world: World) -> None:
    RoutingRule.objects.bulk_create(
        RoutingRule(store=world.store, position=i, name=f"R{i}", location=world.nv1, sku_patterns=[f"S{i}-*"])
        for i in range(1, 101)
    )
    errors = _refused(lambda: world.rule("One more", world.nv1, regions=["NV"]))
    assert errors == {"__all__": ["A store has at most 100 routing rules."]}
