"""Planning: routing rules, split returns, numbering, SKU mapping, quantities, dispositions, triggers."""

from typing import Any
from unittest import mock

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from pytest_httpserver import HTTPServer

from integrations.models import Store
from returns.models import RMA, DispositionRule, Return, RmaNumberSequence, TimelineEvent
from returns.reasons import reason_category
from returns.rma_numbers import base_rma_number
from returns.selectors import rma_payload_build
from returns.services.planning import rma_number_allocate, rmas_plan
from returns.services.rmas.triggers import rmas_on_return_changed
from tests.factories import FulfillmentFactory, ReturnShipmentFactory
from tests.returns.rmas.conftest import json_response, make_location, make_return, make_store, make_warehouse
from warehouses.models import SkuMapping

RMA_TASK_PUBLISH = "returns.services.rmas.publishing.rma_task_publish"


pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_publish() -> Any:
    """Planning tests check rows, not pushes: record what would be published."""
    with mock.patch(RMA_TASK_PUBLISH) as publish:
        yield publish


@pytest.fixture
def two_warehouses(httpserver: HTTPServer) -> dict[str, Any]:
    store = make_store()
    conn = make_warehouse(store, httpserver)
    ca1 = make_location(store, conn, name="Ontario", wms_warehouse_code="CA1", destinations={"loop": "dest-ca"})
    nj1 = make_location(store, conn, name="Newark", wms_warehouse_code="NJ1", destinations={"loop": "dest-nj"})
    return {"store": store, "conn": conn, "ca1": ca1, "nj1": nj1}


def test_two_lines_to_two_warehouses_then_a_second_return_numbers_1042_01_02(two_warehouses: dict) -> None:
    store = two_warehouses["store"]
    first = make_return(
        store,
        lines=[{"sku": "TEE-BLK-M", "destination_key": "dest-ca"}, {"sku": "CAP-RED", "destination_key": "dest-nj"}],
    )
    rmas = rmas_plan(return_obj=first)
    assert [(r.number, r.location.wms_warehouse_code) for r in rmas] == [("1042", "CA1"), ("1042_01", "NJ1")]
    second = make_return(store, lines=[{"sku": "SOCK-1", "destination_key": "dest-ca"}])
    assert [r.number for r in rmas_plan(return_obj=second)] == ["1042_02"]
    assert RMA.objects.filter(store=store).count() == 3
    assert all(r.status == RMA.Status.PENDING for r in RMA.objects.all())


def test_a_repeated_trigger_plans_nothing_new(
    two_warehouses: dict, no_publish: mock.Mock, django_capture_on_commit_callbacks: Any
) -> None:
    ret = make_return(two_warehouses["store"], lines=[{"sku": "TEE-BLK-M", "destination_key": "dest-ca"}])
    with django_capture_on_commit_callbacks(execute=True):
        rmas_on_return_changed(return_obj=ret, change="created")
        rmas_on_return_changed(return_obj=ret, change="created")
        rmas_on_return_changed(return_obj=ret, change="updated")
    assert list(RMA.objects.values_list("number", flat=True)) == ["1042"]
    assert no_publish.call_count == 1


def test_return_level_destination_routes_every_line(two_warehouses: dict) -> None:
    ret = make_return(two_warehouses["store"], destination_id="dest-nj", lines=[{"sku": "A"}, {"sku": "B"}])
    (rma,) = rmas_plan(return_obj=ret)
    assert rma.location == two_warehouses["nj1"]
    assert "platform destination dest-nj" in rma.routing_reason


def test_redo_destination_uses_redo_location_id(httpserver: HTTPServer) -> None:
    store = make_store()
    conn = make_warehouse(store, httpserver)
    make_location(store, conn, name="Default", wms_warehouse_code="CA1", is_default=True)
    reno = make_location(store, conn, name="Reno", wms_warehouse_code="NV1", destinations={"redo": "loc-reno"})
    ret = make_return(store, platform="redo", lines=[{"sku": "A", "destination_key": "loc-reno"}])
    (rma,) = rmas_plan(return_obj=ret)
    assert rma.location == reno


def test_fulfillment_routes_to_the_warehouse_that_shipped_the_order(two_warehouses: dict) -> None:
    store = two_warehouses["store"]
    FulfillmentFactory(store=store, order_number="#1042", warehouse_code="NJ1", order_key="shopify-1")
    ret = make_return(store, lines=[{"sku": "TEE-BLK-M"}])
    (rma,) = rmas_plan(return_obj=ret)
    assert rma.location == two_warehouses["nj1"]
    assert rma.routing_reason.startswith("fulfilled from NJ1")


def test_a_split_order_routes_each_sku_to_the_warehouse_that_shipped_it(two_warehouses: dict) -> None:
    store = two_warehouses["store"]
    FulfillmentFactory(store=store, order_number="1042", warehouse_code="CA1", items=[{"sku": "TEE-BLK-M"}])
    FulfillmentFactory(
        store=store, order_number="1042", warehouse_code="NJ1", packages=[{"packed_products": [{"sku": "CAP-RED"}]}]
    )
    ret = make_return(store, lines=[{"sku": "TEE-BLK-M"}, {"sku": "CAP-RED"}])
    by_sku = {r.lines.get().platform_sku: r.location.wms_warehouse_code for r in rmas_plan(return_obj=ret)}
    assert by_sku == {"TEE-BLK-M": "CA1", "CAP-RED": "NJ1"}


def test_explicit_destination_beats_fulfillment(two_warehouses: dict) -> None:
    store = two_warehouses["store"]
    FulfillmentFactory(store=store, order_number="#1042", warehouse_code="NJ1")
    ret = make_return(store, lines=[{"sku": "A", "destination_key": "dest-ca"}])
    (rma,) = rmas_plan(return_obj=ret)
    assert rma.location == two_warehouses["ca1"]


def test_order_lookup_through_the_wms_when_no_fulfillment_is_known(httpserver: HTTPServer) -> None:
    store = make_store()
    conn = make_warehouse(store, httpserver)
    make_location(store, conn, name="Default", wms_warehouse_code="CA1", is_default=True)
    nj1 = make_location(store, conn, name="Newark", wms_warehouse_code="NJ1")
    httpserver.expect_request(
        "/v1/integrations/orders", query_string={"orderNumber": "#1042", "storeId": "12345"}
    ).respond_with_json(
        {"status": 200, "data": {"order_key": "shopify-9", "order_number": "#1042", "warehouse": "NJ1"}}
    )
    ret = make_return(store, lines=[{"sku": "A"}])
    (rma,) = rmas_plan(return_obj=ret)
    assert rma.location == nj1
    assert "order found in the WMS" in rma.routing_reason


def test_default_location_when_nothing_else_routes(httpserver: HTTPServer) -> None:
    store = make_store()
    conn = make_warehouse(store, httpserver)
    home = make_location(store, conn, name="Home", wms_warehouse_code="CA1", is_default=True)
    httpserver.expect_request("/v1/integrations/orders").respond_with_response(json_response({"error": "nf"}, 404))
    ret = make_return(store, lines=[{"sku": "A"}])
    (rma,) = rmas_plan(return_obj=ret)
    assert rma.location == home
    assert rma.routing_reason == "store default location"


def test_no_route_leaves_an_error_on_the_timeline_and_no_rma(httpserver: HTTPServer) -> None:
    store = make_store()
    ret = make_return(store, lines=[{"sku": "A"}])
    assert rmas_plan(return_obj=ret) == []
    assert ret.timeline.get(kind="rma_unrouted").level == "error"


def test_lines_in_two_parcels_to_one_warehouse_make_two_rmas(two_warehouses: dict) -> None:
    store = two_warehouses["store"]
    ret = make_return(
        store,
        destination_id="dest-ca",
        lines=[{"sku": "A", "line_key": "a"}, {"sku": "B", "line_key": "b"}],
    )
    p1 = ReturnShipmentFactory(return_obj=ret, line_keys=["a"])
    p2 = ReturnShipmentFactory(return_obj=ret, line_keys=["b"])
    rmas = rmas_plan(return_obj=ret)
    assert [(r.number, r.shipment_id) for r in rmas] == [("1042", p1.pk), ("1042_01", p2.pk)]
    assert rma_payload_build(rma=rmas[1]).tracking_numbers == (p2.tracking_number,)


def test_sku_mapping_quantities_reasons_and_dispositions(two_warehouses: dict) -> None:
    store = two_warehouses["store"]
    SkuMapping.objects.create(store=store, platform_sku="TEE-BLK-M", wms_sku="WMS-TEE-M")
    DispositionRule.objects.create(store=store, priority=10, match_reason="damaged", instruction="dispose", note="bin")
    DispositionRule.objects.create(store=store, priority=20, match_sku="TEE-*", instruction="restock")
    DispositionRule.objects.create(store=store, priority=5, match_outcome="exchange", instruction="inspect")
    ret = make_return(
        store,
        destination_id="dest-ca",
        lines=[
            {"sku": "TEE-BLK-M", "quantity": 1, "reason": "Too small", "parent_reason": "Fit"},
            {"sku": "TEE-BLK-M", "quantity": 2, "reason": "Too small", "parent_reason": "Fit"},
            {"sku": "MUG", "quantity": 1, "reason": "Arrived damaged"},
            {"sku": "SOCK", "quantity": 3, "reason": "Other", "outcome": "exchange"},
        ],
    )
    (rma,) = rmas_plan(return_obj=ret)
    lines = {line.sku: line for line in rma.lines.all()}
    assert set(lines) == {"WMS-TEE-M", "MUG", "SOCK"}
    assert (lines["WMS-TEE-M"].quantity, lines["WMS-TEE-M"].platform_sku) == (3, "TEE-BLK-M")
    assert lines["WMS-TEE-M"].reason == "Too small (Fit)"
    assert lines["WMS-TEE-M"].processing_instruction == "restock"
    assert lines["MUG"].processing_instruction == "dispose"
    assert lines["SOCK"].processing_instruction == "inspect"
    payload = rma_payload_build(rma=rma)
    mug = next(line for line in payload.lines if line.sku == "MUG")
    assert mug.instruction_note == "bin"
    assert payload.reason_category == "exchange"


def test_a_payload_without_instructions_reads_no_disposition_rules(two_warehouses: dict) -> None:
    # Every rule carries an instruction, so lines planned without one matched no rule: no note to look up.
    # A rule added after planning does not give a note to an RMA whose lines it did not instruct.
    store = two_warehouses["store"]
    ret = make_return(store, destination_id="dest-ca", lines=[{"sku": "MUG", "quantity": 1, "reason": "Broken"}])
    (rma,) = rmas_plan(return_obj=ret)
    DispositionRule.objects.create(store=store, priority=1, match_sku="MUG", instruction="dispose", note="bin")
    with CaptureQueriesContext(connection) as queries:
        payload = rma_payload_build(rma=rma)
    assert not [q for q in queries if "dispositionrule" in q["sql"]]
    assert [(line.instruction, line.instruction_note) for line in payload.lines] == [("", "")]


def test_the_database_refuses_a_disposition_rule_without_an_instruction(two_warehouses: dict) -> None:
    from django.db import IntegrityError

    rule = DispositionRule.objects.create(store=two_warehouses["store"], instruction="restock", note="shelf")
    with pytest.raises(IntegrityError), transaction.atomic():
        DispositionRule.objects.filter(pk=rule.pk).update(instruction="")


def test_a_line_planned_without_an_instruction_gets_no_note_from_a_rule_added_later(two_warehouses: dict) -> None:
    store = two_warehouses["store"]
    DispositionRule.objects.create(store=store, priority=1, match_sku="MUG", instruction="dispose", note="bin")
    ret = make_return(
        store,
        destination_id="dest-ca",
        lines=[{"sku": "MUG", "quantity": 1, "reason": "Broken"}, {"sku": "SOCK", "quantity": 1, "reason": "Other"}],
    )
    (rma,) = rmas_plan(return_obj=ret)
    DispositionRule.objects.create(store=store, priority=2, match_sku="SOCK", instruction="inspect", note="look")
    lines = {line.sku: (line.instruction, line.instruction_note) for line in rma_payload_build(rma=rma).lines}
    assert lines == {"MUG": ("dispose", "bin"), "SOCK": ("", "")}


def test_the_most_cautious_instruction_wins_within_one_sku(two_warehouses: dict) -> None:
    store = two_warehouses["store"]
    DispositionRule.objects.create(store=store, priority=1, match_reason="damaged", instruction="quarantine")
    DispositionRule.objects.create(store=store, priority=2, instruction="restock")
    ret = make_return(
        store,
        destination_id="dest-ca",
        lines=[{"sku": "A", "reason": "Too big"}, {"sku": "A", "reason": "Damaged box"}],
    )
    (rma,) = rmas_plan(return_obj=ret)
    assert rma.lines.get().processing_instruction == "quarantine"


@pytest.mark.parametrize(
    ("reasons", "outcome", "expected"),
    [
        (["Too small"], "exchange", "exchange"),
        (["Changed my mind"], "refund", "changed_mind"),
        (["Wrong item sent"], "", "incorrect_product"),
        (["Package undeliverable"], "", "undeliverable"),
        (["Too small"], "refund", "unknown"),
    ],
)
def test_reason_category(reasons: list[str], outcome: str, expected: str) -> None:
    assert reason_category(reasons=reasons, outcome=outcome) == expected


def test_rma_number_without_order_name_uses_the_platform_id(two_warehouses: dict) -> None:
    ret = make_return(two_warehouses["store"], order_name="", external_id="880011")
    assert base_rma_number(return_obj=ret) == "LOOP-880011"


def test_on_label_created_store_waits_for_the_label(two_warehouses: dict) -> None:
    store = two_warehouses["store"]
    store.rma_trigger = Store.RmaTrigger.ON_LABEL_CREATED
    store.save()
    ret = make_return(store, destination_id="dest-ca")
    rmas_on_return_changed(return_obj=ret, change="created")
    assert not RMA.objects.exists()
    ReturnShipmentFactory(return_obj=ret)
    rmas_on_return_changed(return_obj=ret, change="label_created")
    assert RMA.objects.get().number == "1042"


def test_test_returns_are_planned_but_marked_test(two_warehouses: dict) -> None:
    ret = make_return(two_warehouses["store"], destination_id="dest-ca", is_test=True)
    (rma,) = rmas_plan(return_obj=ret)
    assert rma.is_test


def test_numbers_are_allocated_in_order_per_store_and_order(two_warehouses: dict) -> None:
    store = two_warehouses["store"]
    other = make_store()
    assert [rma_number_allocate(store_id=store.pk, base="2001") for _ in range(3)] == ["2001", "2001_01", "2001_02"]
    assert rma_number_allocate(store_id=other.pk, base="2001") == "2001"
    assert RmaNumberSequence.objects.get(store=store, order_key="2001").allocated == 3


def test_a_number_whose_plan_rolls_back_is_given_again(two_warehouses: dict) -> None:
    store = two_warehouses["store"]
    allocated: list[str] = []

    @transaction.atomic
    def plan_that_fails() -> None:
        allocated.append(rma_number_allocate(store_id=store.pk, base="3001"))
        raise RuntimeError("the plan failed after its number was allocated")

    assert rma_number_allocate(store_id=store.pk, base="3001") == "3001"
    with pytest.raises(RuntimeError):
        plan_that_fails()
    assert allocated == ["3001_01"]
    assert rma_number_allocate(store_id=store.pk, base="3001") == "3001_01"
    sequence = RmaNumberSequence.objects.get(store=store, order_key="3001")
    assert sequence.allocated == 2
    assert sequence.updated_at >= sequence.created_at


def test_a_locked_return_with_prefetched_rows_is_planned_without_reading_it_again(
    two_warehouses: dict, django_assert_num_queries: Any
) -> None:
    """locked=True (the intake holds the row lock): the return, its lines and shipments are not read
    again; the plan is the same as when planning reads and locks everything itself."""
    store = two_warehouses["store"]
    lines = [{"sku": "TEE-BLK-M", "destination_key": "dest-ca"}, {"sku": "CAP-RED", "destination_key": "dest-nj"}]
    make_return(store, lines=lines, external_id="A1")
    make_return(store, lines=lines, external_id="A2", order_name="#2042")
    by_itself = rmas_plan(return_obj=Return.objects.get(external_id="A1"))
    with transaction.atomic():
        ret = Return.objects.select_for_update().select_related("store").prefetch_related("lines", "shipments")
        ret = ret.get(external_id="A2")
        # routing rules, two location look-ups, coverage, disposition rules, SKU mappings; then per RMA:
        # number, RMA, lines, timeline
        with django_assert_num_queries(6 + 2 * 4):
            locked = rmas_plan(return_obj=ret, locked=True)
    assert [(r.number, r.location_id) for r in by_itself] == [
        ("1042", two_warehouses["ca1"].pk),
        ("1042_01", two_warehouses["nj1"].pk),
    ]
    assert [(r.number, r.location_id) for r in locked] == [
        ("2042", two_warehouses["ca1"].pk),
        ("2042_01", two_warehouses["nj1"].pk),
    ]
    assert rmas_plan(return_obj=ret, locked=True) == []  # planned once
    assert TimelineEvent.objects.filter(return_obj=ret, kind="rma_planned").count() == 2


@pytest.mark.django_db(transaction=True)
def test_locked_is_ignored_outside_a_transaction(two_warehouses: dict) -> None:
    ret = make_return(two_warehouses["store"], destination_id="dest-ca")
    with CaptureQueriesContext(connection) as queries:
        (rma,) = rmas_plan(return_obj=Return.objects.get(pk=ret.pk), locked=True)
    assert rma.number == "1042"
    # planning's own locked read of the return (with its store), as without the flag
    assert sum('FROM "returns_return" INNER JOIN "integrations_store"' in q["sql"] for q in queries) == 1


def test_a_cancelled_return_cancels_pending_rmas_locally(two_warehouses: dict) -> None:
    ret = make_return(two_warehouses["store"], destination_id="dest-ca")
    (rma,) = rmas_plan(return_obj=ret)
    rmas_on_return_changed(return_obj=ret, change="cancelled")
    rma.refresh_from_db()
    assert rma.status == RMA.Status.CANCELLED


def test_provider_of_a_trackstar_location_is_kept(httpserver: HTTPServer) -> None:
    store = make_store()
    conn = make_warehouse(store, httpserver, provider="trackstar", wms_name="shipmonk")
    make_location(store, conn, name="TS", trackstar_warehouse_id="wh_1", wms_warehouse_code="", is_default=True)
    httpserver.expect_request("/wms/orders").respond_with_json({"data": []})
    (rma,) = rmas_plan(return_obj=make_return(store))
    assert rma.warehouse_connection == conn
    assert rma_payload_build(rma=rma).trackstar_warehouse_id == "wh_1"
