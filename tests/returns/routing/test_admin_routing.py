"""Routing rules in the operations console: support adds, reorders and deletes them through the same services
as the API (the same refusals, naming the rule), and runs the dry run from a rule's form before saving it, or
from the list for the saved rules; the dry run saves nothing."""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from returns.models import RoutingRule
from tests.factories import ShippingLocationFactory, StoreFactory
from tests.roles import staff_user

from .conftest import World

pytestmark = pytest.mark.django_db
ADD = reverse("admin:returns_routingrule_add")
DRY_RUN = reverse("admin:returns_routingrule_dry_run")


@pytest.fixture
def support(world: World) -> Client:
    client = Client()
    client.force_login(staff_user("support"))
    return client


def _form(world: World, **fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"store": world.store.pk, "name": "West", "location": world.nv1.pk, "position": ""}
    data |= dict.fromkeys(("sku_patterns", "countries", "regions", "postal_prefixes", "reasons", "order_tags"), "")
    return {**data, **fields}


def test_support_adds_a_rule_through_the_services(world: World, support: Client) -> None:
    world.rule("Caps", world.nj1, sku_patterns=["CAP-*"])
    response = support.post(ADD, _form(world, regions="nv, Nevada, ca", return_methods=["mail"], position="1"))
    assert response.status_code == 302, response.content.decode()[:2000]
    rules = list(RoutingRule.objects.order_by("position").values_list("name", "position", "regions", "return_methods"))
    assert rules == [("West", 1, ["nv", "Nevada", "ca"], ["mail"]), ("Caps", 2, [], [])]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({}, "Rule 1 “West” has no condition: give it at least one"),
        ({"countries": "Germany"}, "Rule 1 “West”: country “Germany”: use the two-letter code"),
    ],
)
def test_a_rule_that_cannot_be_saved_is_refused_on_the_form(
    world: World, support: Client, fields: dict, message: str
) -> None:
    response = support.post(ADD, _form(world, **fields))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not RoutingRule.objects.exists()


def test_a_location_of_another_store_is_refused(world: World, support: Client) -> None:
    elsewhere = ShippingLocationFactory(store=StoreFactory(), name="Elsewhere")
    response = support.post(ADD, _form(world, location=elsewhere.pk, regions="NV"))
    assert f"shipping location {elsewhere.pk} is not one of this store&#x27;s." in response.content.decode()
    assert not RoutingRule.objects.exists()


def test_the_dry_run_button_replays_the_draft_and_saves_nothing_until_asked(world: World, support: Client) -> None:
    from tests.returns.routing.test_dry_run import _returns

    _returns(world, 3)
    form = _form(world, regions="NV", _dry_run="1")
    page = support.post(DRY_RUN, form)
    text = page.content.decode()
    assert page.status_code == 200
    assert "6 of 6 lines</strong> would go to another warehouse" in text
    assert "With <strong>Rule 1 “West”</strong> (region NV → Reno)" in text
    assert not RoutingRule.objects.exists()
    # "Save this rule" posts the same values to the add page.
    hidden = {name: value for name, value in form.items() if name != "_dry_run"}
    assert support.post(ADD, {**hidden, "_save": "1"}).status_code == 302
    assert RoutingRule.objects.get().name == "West"


def test_a_dry_run_of_a_draft_that_cannot_be_saved_says_why(world: World, support: Client) -> None:
    world.rule("Everything", world.ca1, match_all=True)
    page = support.post(DRY_RUN, _form(world, regions="NV", _dry_run="1"))
    assert page.status_code == 422
    assert "Rule 2 “West” comes after rule 1 “Everything”, which takes every line" in page.content.decode()


def test_the_dry_run_of_a_changed_rule_replaces_it_in_the_list(world: World, support: Client) -> None:
    from tests.returns.routing.test_dry_run import _returns

    _returns(world, 1)
    rule = world.rule("West", world.nv1, regions=["CA"])
    form = _form(world, regions="NV", position="1", _dry_run="1")
    del form["store"]  # read-only once the rule exists
    page = support.post(f"{DRY_RUN}?rule={rule.pk}", form)
    assert "2 of 2 lines</strong> would go to another warehouse" in page.content.decode()
    rule.refresh_from_db()
    assert rule.regions == ["CA"]


def test_the_saved_rules_dry_run_and_the_list_link_to_each_other(world: World, support: Client) -> None:
    world.rule("West", world.nv1, regions=["NV"])
    listing = support.get(reverse("admin:returns_routingrule_changelist")).content.decode()
    assert f'href="{DRY_RUN}?store={world.store.pk}"' in listing
    page = support.get(DRY_RUN, {"store": world.store.pk})
    assert page.status_code == 200
    assert "Dry run of Acme Tees&#x27;s saved routing rules" in page.content.decode()
    assert support.get(DRY_RUN, {"store": "99999999999999999999999"}).status_code == 302


def test_deleting_and_moving_renumber_the_store_rules(world: World, support: Client) -> None:
    world.rule("A", world.nv1, regions=["NV"])
    b = world.rule("B", world.nj1, regions=["NJ"])
    world.rule("C", world.ca1, regions=["CA"])
    form = _form(world, name="B", location=world.nj1.pk, regions="NJ", position="1")
    del form["store"]
    assert support.post(reverse("admin:returns_routingrule_change", args=[b.pk]), form).status_code == 302
    assert list(RoutingRule.objects.order_by("position").values_list("name", flat=True)) == ["B", "A", "C"]
    delete = reverse("admin:returns_routingrule_delete", args=[b.pk])
    assert support.post(delete, {"post": "yes"}).status_code == 302
    assert list(RoutingRule.objects.order_by("position").values_list("position", "name")) == [(1, "A"), (2, "C")]


def test_view_only_staff_run_the_dry_run_but_change_nothing(world: World) -> None:
    world.rule("West", world.nv1, regions=["NV"])
    viewer = Client()
    viewer.force_login(staff_user("viewer", view_only=True))
    assert viewer.get(DRY_RUN, {"store": world.store.pk}).status_code == 200
    assert viewer.get(ADD).status_code == 403
    assert viewer.post(ADD, _form(world, regions="CA")).status_code == 403


def test_the_case_page_shows_the_routing_inputs_and_which_rule_sent_each_rma(world: World, support: Client) -> None:
    from returns.services.planning import rmas_plan
    from tests.returns.routing.test_dry_run import _returns

    world.rule("West", world.nv1, regions=["NV"])
    (ret,) = _returns(world, 1, region="Nevada")
    ret.return_method, ret.order_tags = "happy_returns", ["vip", "wholesale"]
    ret.save()
    (rma,) = rmas_plan(return_obj=ret)
    page = support.get(reverse("admin:returns_return_change", args=[ret.pk])).content.decode()
    assert "Happy Returns drop-off · order tags vip, wholesale" in page
    assert "Why there: Your routing rule 1 “West” sent it here: the customer&#x27;s region is Nevada (NV)." in page
    rma_page = support.get(reverse("admin:returns_rma_change", args=[rma.pk])).content.decode()
    assert "Your routing rule 1 “West” sent it here" in rma_page
