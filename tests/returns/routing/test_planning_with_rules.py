"""Planning with routing rules: the rules run before the built-in steps, a return whose lines the rules send
to different warehouses is split into RMAs, and each RMA keeps why (which rule, which values) as data that the
merchant's pages say in words."""

import pytest
from django.core.cache import cache

from returns.models import RMA, Return, TimelineEvent
from returns.routing import line_route, order_lookup_needed
from returns.routing_words import routing_sentence
from returns.services.planning import rmas_plan
from tests.factories import FulfillmentFactory, ReturnFactory, ReturnLineFactory

from .conftest import World

pytestmark = pytest.mark.django_db


def _return(world: World, lines: list[dict], **kwargs: object) -> Return:
    kwargs.setdefault("order_name", "#1042")
    ret = ReturnFactory(store=world.store, connection=None, **kwargs)
    for index, line in enumerate(lines):
        ReturnLineFactory(return_obj=ret, line_key=f"{line['sku']}-{index}", **line)
    return ret


def test_a_region_rule_and_a_sku_rule_split_a_return_and_each_rma_names_its_rule(world: World) -> None:
    world.rule("West coast", world.nv1, regions=["NV", "CA", "OR"])
    world.rule("Caps to Newark", world.nj1, sku_patterns=["cap-*"])
    ret = _return(world, [{"sku": "TEE-BLK-M"}, {"sku": "CAP-RED"}], customer_region="Nevada")
    # CAP-RED matches both rules: the first in order (the region's) takes it, so one RMA at Reno.
    rmas = rmas_plan(return_obj=ret)
    assert [(r.number, r.location.name) for r in rmas] == [("1042", "Reno")]
    assert rmas[0].routing["routes"][0]["skus"] == ["TEE-BLK-M", "CAP-RED"]

    other = _return(world, [{"sku": "TEE-BLK-M"}, {"sku": "CAP-RED"}], customer_region="NJ", order_name="#2001")
    rmas = rmas_plan(return_obj=other)
    # NJ matches no region: the tee goes to the default, the cap to Newark by its SKU.
    assert sorted((r.location.name, r.routing_reason) for r in rmas) == [
        ("Newark", "routing rule 2 “Caps to Newark” (SKU pattern cap-*)"),
        ("Ontario", "store default location"),
    ]
    newark = next(r for r in rmas if r.location == world.nj1)
    assert newark.routing == {
        "routes": [
            {
                "step": "rule",
                "rule": {"id": newark.routing["routes"][0]["rule"]["id"], "name": "Caps to Newark", "position": 2},
                "matched": {"sku_patterns": {"rule": "cap-*", "line": "CAP-RED"}},
                "warehouse": "NJ1",
                "skus": ["CAP-RED"],
            }
        ]
    }
    assert routing_sentence(reason=newark.routing_reason, routing=newark.routing) == (
        "Your routing rule 2 “Caps to Newark” sent it here: the SKU CAP-RED matches cap-*."
    )
    planned = TimelineEvent.objects.get(rma=newark, kind="rma_planned")
    assert planned.message == "RMA 2001_01 planned for Newark (routing rule 2 “Caps to Newark” (SKU pattern cap-*))"


def test_rules_come_before_the_platforms_destination_and_the_fulfilling_warehouse(world: World) -> None:
    FulfillmentFactory(store=world.store, order_number="#1042", warehouse_code="CA1")
    ret = _return(world, [{"sku": "TEE-BLK-M", "destination_key": "dest-nj"}], customer_country_code="US")
    assert line_route(return_obj=ret, line=ret.lines.get()).location == world.nj1  # the platform's destination
    world.rule("US to Reno", world.nv1, countries=["US"])
    route = line_route(return_obj=ret, line=ret.lines.get())
    assert (route.location, route.step) == (world.nv1, "rule")


def test_without_a_matching_rule_the_built_in_steps_decide_as_before(world: World) -> None:
    world.rule("Wholesale", world.nv1, order_tags=["wholesale"])
    FulfillmentFactory(store=world.store, order_number="#1042", warehouse_code="NJ1")
    ret = _return(world, [{"sku": "TEE-BLK-M"}], order_tags=["vip"])
    (rma,) = rmas_plan(return_obj=ret)
    assert (rma.location, rma.routing_reason) == (world.nj1, "fulfilled from NJ1 (order #1042)")
    assert rma.routing["routes"][0]["step"] == "fulfillment"
    assert routing_sentence(reason=rma.routing_reason, routing=rma.routing) == (
        "NJ1 shipped order #1042, so the return goes back to the same warehouse."
    )


def test_lines_sent_to_one_warehouse_by_two_rules_share_an_rma_that_names_both(world: World) -> None:
    world.rule("Tees", world.nv1, sku_patterns=["TEE-*"])
    world.rule("Damaged", world.nv1, reasons=["damaged"])
    ret = _return(world, [{"sku": "TEE-BLK-M"}, {"sku": "CAP-RED", "reason": "Arrived damaged"}])
    (rma,) = rmas_plan(return_obj=ret)
    assert rma.location == world.nv1
    assert routing_sentence(reason=rma.routing_reason, routing=rma.routing) == (
        "TEE-BLK-M: Your routing rule 1 “Tees” sent it here: the SKU TEE-BLK-M matches TEE-*. "
        "CAP-RED: Your routing rule 2 “Damaged” sent it here: the return reason is “Arrived damaged”."
    )


def test_a_rule_whose_location_lost_its_warehouse_is_passed_over(world: World) -> None:
    world.rule("Everything to Reno", world.nv1, match_all=True)
    world.nv1.warehouse_connection = None
    world.nv1.save()
    ret = _return(world, [{"sku": "TEE-BLK-M"}])
    (rma,) = rmas_plan(return_obj=ret)
    assert (rma.location, rma.routing_reason) == (world.ca1, "store default location")


def test_a_rule_that_routes_every_line_spares_the_wms_order_lookup(world: World) -> None:
    cache.clear()
    ret = _return(world, [{"sku": "TEE-BLK-M", "outcome": "exchange"}])
    assert order_lookup_needed(return_obj=ret, lines=list(ret.lines.all()))
    world.rule("Exchanges", world.nj1, outcomes=["exchange"])
    assert not order_lookup_needed(return_obj=ret, lines=list(ret.lines.all()))


def test_an_rma_planned_before_routing_data_was_kept_still_reads(world: World) -> None:
    ret = _return(world, [{"sku": "TEE-BLK-M"}])
    (rma,) = rmas_plan(return_obj=ret)
    RMA.objects.filter(pk=rma.pk).update(routing={})
    rma.refresh_from_db()
    assert routing_sentence(reason=rma.routing_reason, routing=rma.routing) == (
        "Nothing in the return pointed to a particular warehouse, so it went to your default shipping location."
    )
