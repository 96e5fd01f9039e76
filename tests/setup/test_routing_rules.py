"""The Rules step's routing rules, through the Django test client: an owner adds a rule (refused first with the
rule's name and what to change), runs its dry run (nothing saved), saves it, edits it, reorders and deletes
rules; a member gets the 403 page; another store's rule is a 404. The walk in chromium is
tests/setup/test_routing_rules_browser.py."""

import html
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from integrations.models import Store, StoreMembership
from returns.models import Return, ReturnLine, RoutingRule
from returns.routing_provisioning import routing_rule_create
from tests.factories import ConnectionFactory, ShippingLocationFactory
from tests.roles import store_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def locations(store: Store) -> dict[str, Any]:
    wms = ConnectionFactory(store=store, provider="shipmonk")
    ca1 = ShippingLocationFactory(store=store, warehouse_connection=wms, name="Ontario", is_default=True)
    nv1 = ShippingLocationFactory(store=store, warehouse_connection=wms, name="Reno", wms_warehouse_code="NV1")
    return {"ca1": ca1, "nv1": nv1}


def _url(store: Store, name: str, **kwargs: Any) -> str:
    return reverse(f"setup:{name}", kwargs={"slug": store.slug, **kwargs})


def _rule(locations: dict, **fields: Any) -> dict[str, Any]:
    return {"name": "West", "location": locations["nv1"].pk, "action": "save", **fields}


def test_the_rules_step_lists_the_rules_then_the_built_in_steps(
    store: Store, locations: dict, merchant_client: Client
) -> None:
    routing_rule_create(store=store, data={"name": "West", "location": locations["nv1"].pk, "regions": ["NV"]})
    page = merchant_client.get(_url(store, "rules")).content.decode()
    for words in ("West", "region NV", "Reno (NV1)"):
        assert words in page
    assert "The warehouse that shipped the original order" in page
    assert "Your default shipping location, Ontario." in page


def test_an_empty_rule_is_refused_with_its_name_then_saved_once_fixed(
    store: Store, locations: dict, merchant_client: Client
) -> None:
    refused = merchant_client.post(_url(store, "routing_rule_add"), _rule(locations))
    assert refused.status_code == 422
    assert "Rule 1 “West” has no condition" in refused.content.decode()
    assert not RoutingRule.objects.exists()
    saved = merchant_client.post(_url(store, "routing_rule_add"), _rule(locations, regions="NV, Nevada"))
    assert saved.status_code == 302
    assert RoutingRule.objects.get().regions == ["NV", "Nevada"]


def test_a_bad_value_is_shown_on_its_field(store: Store, locations: dict, merchant_client: Client) -> None:
    refused = merchant_client.post(_url(store, "routing_rule_add"), _rule(locations, countries="Germany"))
    page = refused.content.decode()
    assert 'id="id_countries_error"' in page
    assert "country “Germany”: use the two-letter code" in page


def test_the_dry_run_shows_the_differences_and_saves_nothing(
    store: Store, locations: dict, merchant_client: Client
) -> None:
    ret = Return.objects.create(
        store=store, platform="loop", external_id="R1", order_name="#1042", customer_region="NV"
    )
    ReturnLine.objects.create(return_obj=ret, line_key="a", sku="TEE-BLK-M", quantity=2)
    page = merchant_client.post(_url(store, "routing_rule_add"), _rule(locations, regions="NV", action="dry_run"))
    text = page.content.decode()
    assert page.status_code == 200
    assert "Dry run of your rules with rule 1 “West” on the last 1 return" in text
    for words in ("2 × TEE-BLK-M", "store default location", "Rule 1 “West”"):
        assert words in text
    assert 'value="NV"' in text  # the form keeps what was typed
    assert not RoutingRule.objects.exists()


def test_a_rule_after_a_catch_all_is_refused_on_its_position(
    store: Store, locations: dict, merchant_client: Client
) -> None:
    routing_rule_create(store=store, data={"name": "Rest", "location": locations["ca1"].pk, "match_all": True})
    refused = merchant_client.post(_url(store, "routing_rule_add"), _rule(locations, regions="NV"))
    assert 'id="id_position_error"' in refused.content.decode()
    assert "comes after rule 1 “Rest”, which takes every line" in refused.content.decode()


def test_edit_move_and_delete(store: Store, locations: dict, merchant_client: Client) -> None:
    west = routing_rule_create(store=store, data={"name": "West", "location": locations["nv1"].pk, "regions": ["NV"]})
    east = routing_rule_create(store=store, data={"name": "East", "location": locations["ca1"].pk, "regions": ["NJ"]})
    form = merchant_client.get(_url(store, "routing_rule_edit", pk=west.pk)).content.decode()
    assert "Change rule 1 “West”" in form
    assert 'value="NV"' in form
    changed = merchant_client.post(_url(store, "routing_rule_edit", pk=west.pk), _rule(locations, regions="NV, OR"))
    assert changed.status_code == 302
    assert merchant_client.post(_url(store, "routing_rule_move", pk=east.pk), {"direction": "up"}).status_code == 302
    assert list(RoutingRule.objects.order_by("position").values_list("name", "regions")) == [
        ("East", ["NJ"]),
        ("West", ["NV", "OR"]),
    ]
    assert merchant_client.post(_url(store, "routing_rule_delete", pk=east.pk)).status_code == 302
    assert list(RoutingRule.objects.values_list("name", "position")) == [("West", 1)]


def test_moving_a_catch_all_up_is_refused_with_why(store: Store, locations: dict, merchant_client: Client) -> None:
    routing_rule_create(store=store, data={"name": "West", "location": locations["nv1"].pk, "regions": ["NV"]})
    rest = routing_rule_create(store=store, data={"name": "Rest", "location": locations["ca1"].pk, "match_all": True})
    moved = merchant_client.post(_url(store, "routing_rule_move", pk=rest.pk), {"direction": "up"}, follow=True)
    assert "Rule 2 “West” comes after rule 1 “Rest”" in moved.content.decode()
    assert RoutingRule.objects.get(name="Rest").position == 2


def test_a_member_gets_the_403_page_and_another_stores_rule_is_404(
    store: Store, other_store: Store, locations: dict, merchant_client: Client
) -> None:
    rule = routing_rule_create(store=store, data={"name": "West", "location": locations["nv1"].pk, "regions": ["NV"]})
    member = Client()
    member.force_login(store_user("max", store, StoreMembership.Role.MEMBER))
    refused = member.post(_url(store, "routing_rule_delete", pk=rule.pk))
    assert refused.status_code == 403
    assert "Only the store's owners can delete routing rules." in html.unescape(refused.content.decode())
    assert RoutingRule.objects.exists()
    theirs = merchant_client.get(reverse("setup:routing_rule_edit", kwargs={"slug": store.slug, "pk": 999999}))
    assert theirs.status_code == 404
    other = merchant_client.get(reverse("setup:routing_rule_edit", kwargs={"slug": other_store.slug, "pk": rule.pk}))
    assert other.status_code == 404
