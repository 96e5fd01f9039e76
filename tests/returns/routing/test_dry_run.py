"""The routing dry run (returns/routing_dry_run.py): what draft rules would have done to the store's latest
returns, from stored rows only. It shows the lines that would go elsewhere and the RMAs per warehouse before
and after; it writes nothing (no INSERT, UPDATE or DELETE), asks no warehouse system, and costs the same
number of statements for 20 returns as for 200."""

import datetime as dt
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pytest_httpserver import HTTPServer

from integrations.base import OrderRef
from integrations.models import ApiCall
from returns.models import RMA, Return, ReturnLine, RoutingRule
from returns.routing import order_lookup_key
from returns.routing_dry_run import routing_dry_run
from returns.routing_provisioning import routing_rules_draft
from returns.services.planning import rmas_plan
from tests.factories import FulfillmentFactory, ReturnShipmentFactory

from .conftest import World

pytestmark = pytest.mark.django_db

WRITES = ("INSERT", "UPDATE", "DELETE")
# Statements of one dry run, whatever the number of returns: the saved rules, the store's locations and
# their platform ids, the returns, their lines, their parcels, the lines' live RMAs, the orders' fulfilments.
DRY_RUN_QUERIES = 8


def _returns(world: World, count: int, *, region: str = "NV", start: int = 0) -> list[Return]:
    """`count` returns of two lines (a tee and a cap) from shoppers in `region`, newest last."""
    now = timezone.now()
    returns = Return.objects.bulk_create(
        Return(
            store=world.store,
            platform="loop",
            external_id=f"R{start + i}",
            order_name=f"#{5000 + start + i}",
            customer_region=region,
            customer_country_code="US",
            created_at=now + dt.timedelta(seconds=start + i),
        )
        for i in range(count)
    )
    ReturnLine.objects.bulk_create(
        ReturnLine(return_obj=ret, line_key=sku, sku=sku, quantity=1)
        for ret in returns
        for sku in ("TEE-BLK-M", "CAP-RED")
    )
    return returns


def _writes(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().upper().startswith(WRITES)]


def test_it_shows_the_lines_that_would_go_elsewhere_and_the_rmas_per_warehouse(world: World) -> None:
    nevada = _returns(world, 2, region="Nevada")
    jersey = _returns(world, 1, region="NJ", start=10)
    for ret in [*nevada, *jersey]:
        rmas_plan(return_obj=ret)  # today: every line to the default, CA1
    drafts = [
        {"name": "West", "location": world.nv1.pk, "regions": ["NV"]},
        {"name": "Caps", "location": world.nj1.pk, "sku_patterns": ["CAP-*"]},
    ]
    report = routing_dry_run(store=world.store, rules=routing_rules_draft(store=world.store, drafts=drafts))
    assert (report.returns, report.lines, report.limit) == (3, 6, 200)
    moved = [(c.order_name, c.sku, c.before.location, c.after.location, c.after.rule) for c in report.changes]
    assert moved == [
        ("#5010", "CAP-RED", "Ontario", "Newark", "Rule 2 “Caps”"),
        ("#5001", "TEE-BLK-M", "Ontario", "Reno", "Rule 1 “West”"),
        ("#5001", "CAP-RED", "Ontario", "Reno", "Rule 1 “West”"),
        ("#5000", "TEE-BLK-M", "Ontario", "Reno", "Rule 1 “West”"),
        ("#5000", "CAP-RED", "Ontario", "Reno", "Rule 1 “West”"),
    ]
    assert [(w.location, w.before, w.after) for w in report.warehouses] == [
        ("Newark", 0, 1),
        ("Ontario", 3, 1),
        ("Reno", 0, 2),
    ]
    assert [(r.label, r.lines) for r in report.rules] == [("Rule 1 “West”", 4), ("Rule 2 “Caps”", 1)]
    assert (report.rmas_before, report.rmas_after) == (3, 4)


def test_it_writes_nothing_and_asks_no_warehouse_system(world: World, httpserver: HTTPServer) -> None:
    """The WMS is a local server that would answer the order look-up: it is never asked."""
    httpserver.expect_request("/v1/integrations/orders").respond_with_json({"data": {"order_key": "x"}})
    world.wms.base_url = httpserver.url_for("/").rstrip("/")
    world.wms.save()
    _returns(world, 5)  # not planned: no destination, no fulfilment, an order the WMS could be asked about
    RoutingRule.objects.create(store=world.store, position=1, name="Tees", location=world.ca1, sku_patterns=["X"])
    drafts = routing_rules_draft(store=world.store, drafts=[{"name": "W", "location": world.nv1.pk, "regions": ["NV"]}])
    counts_before = (Return.objects.count(), RMA.objects.count(), RoutingRule.objects.count(), ApiCall.objects.count())
    with CaptureQueriesContext(connection) as queries:
        report = routing_dry_run(store=world.store, rules=drafts)
    assert _writes(queries) == []
    assert httpserver.log == []
    counts_after = (Return.objects.count(), RMA.objects.count(), RoutingRule.objects.count(), ApiCall.objects.count())
    assert counts_after == counts_before
    # Today these lines reach the default only after a WMS look-up the dry run does not make: it says so.
    assert (len(report.changes), report.not_looked_up) == (10, 10)
    assert [(c.before.location, c.after.location) for c in report.changes][:1] == [("Ontario", "Reno")]


def test_without_a_cached_order_look_up_it_says_the_default_stood_in(world: World) -> None:
    (ret,) = _returns(world, 1, region="TX")
    report = routing_dry_run(store=world.store, rules=[])
    assert (report.changes, report.not_looked_up) == ([], 2)
    # With the answer a look-up left in the cache, the dry run follows it, as planning would.
    cache.set(
        order_lookup_key(ret), (world.wms.pk, OrderRef(external_order_id="1", order_key="k", warehouse_code="NJ1"))
    )
    report = routing_dry_run(store=world.store, rules=[])
    assert report.not_looked_up == 0
    assert [(w.location, w.before, w.after) for w in report.warehouses] == [("Newark", 1, 1)]


def test_a_line_a_saved_rule_routed_goes_back_to_the_built_in_steps_when_the_draft_drops_the_rule(
    world: World,
) -> None:
    FulfillmentFactory(store=world.store, order_number="#5000", warehouse_code="NJ1")
    world.rule("West", world.nv1, regions=["NV"])
    (ret,) = _returns(world, 1)
    rmas_plan(return_obj=ret)
    assert set(RMA.objects.values_list("location__name", flat=True)) == {"Reno"}
    report = routing_dry_run(store=world.store, rules=[])
    assert [(c.sku, c.before.location, c.before.rule, c.after.location, c.after.reason) for c in report.changes] == [
        ("TEE-BLK-M", "Reno", "Rule 1 “West”", "Newark", "fulfilled from NJ1 (order #5000)"),
        ("CAP-RED", "Reno", "Rule 1 “West”", "Newark", "fulfilled from NJ1 (order #5000)"),
    ]
    # The saved rules themselves (no draft): nothing changes.
    assert routing_dry_run(store=world.store).changes == []


def test_lines_on_two_parcels_count_as_two_rmas(world: World) -> None:
    (ret,) = _returns(world, 1)
    ReturnShipmentFactory(return_obj=ret, line_keys=["TEE-BLK-M"])
    ReturnShipmentFactory(return_obj=ret, line_keys=["CAP-RED"])
    report = routing_dry_run(store=world.store, rules=[])
    assert [(w.location, w.before, w.after) for w in report.warehouses] == [("Ontario", 2, 2)]


def test_only_the_latest_returns_are_replayed(world: World) -> None:
    _returns(world, 5)
    report = routing_dry_run(store=world.store, rules=[], limit=2)
    assert (report.returns, report.lines, report.limit) == (2, 4, 2)


@pytest.mark.parametrize("count", [20, 200])
def test_its_statements_do_not_grow_with_the_returns(world: World, count: int, django_assert_num_queries: Any) -> None:
    returns = _returns(world, count)
    for ret in returns[::10]:
        FulfillmentFactory(store=world.store, order_number=ret.order_name, warehouse_code="NJ1")
        rmas_plan(return_obj=ret)
    ReturnShipmentFactory(return_obj=returns[-1])
    world.rule("West", world.nv1, regions=["NV"])
    drafts = routing_rules_draft(
        store=world.store, drafts=[{"name": "C", "location": world.nj1.pk, "countries": ["US"]}]
    )
    with django_assert_num_queries(DRY_RUN_QUERIES):
        report = routing_dry_run(store=world.store, rules=drafts)
    assert report.returns == count
    assert len(report.changes) == 2 * count - 2 * len(returns[::10])  # the fulfilled orders were at NJ1 already
