"""Processing one inbound return webhook costs a fixed number of SQL statements, whatever its size.

One Loop `return.created` webhook is received, then processed by the worker's service
(webhook_process → intake → RMA planning → routing → numbering). The count covers the whole
processing run, the prepare step before the transaction included, and is the same for 1, 10
and 100 lines: lines and RMA lines are written in bulk, per-return look-ups run once, and an RMA
number is one upsert.
"""

import json
import math
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.db.models import Model
from django.test.utils import CaptureQueriesContext

from integrations.models import Connection, InboundWebhook
from integrations.providers.loop.sandbox import return_payload as loop_return_payload
from integrations.services.webhooks import webhook_process, webhook_receive
from returns.models import RMA, DispositionRule, Instruction, ReturnLine, RMALine, TimelineEvent
from tests.factories import ConnectionFactory, ShippingLocationFactory, StoreFactory
from tests.integrations.webhooks.signing import signed_headers
from warehouses.models import Fulfillment, SkuMapping

pytestmark = pytest.mark.django_db
# Statements of one processing run, the transaction's BEGIN/COMMIT (here the test's SAVEPOINT and
# RELEASE) included. A return routed by its destination: 19. Routed by fulfilment, with a label in
# the payload (planning runs twice: "created", then "label_created"): 24. The history:
# - 35 and 53 at first (152 for 100 lines: one UPDATE per line for its disposition);
# - 16 and 24 with bulk writes, one RMA-number upsert and the intake's locked Return and its rows
#   used by planning as they are;
# - 19 and 28 once the WMS order lookup left the transaction: the prepare step reads the webhook
#   apart from its lock, the return as it stands, and the routing rows that decide whether the
#   WMSs must be asked;
# - 21 and 30 with public APIs only: a new return is created by get_or_create, whose savepoint
#   (SAVEPOINT, RELEASE) replaces the private INSERT ... ON CONFLICT DO NOTHING;
# - 22 and 32 with routing rules: each planning pass reads the store's rules once (they run first), while
#   the prepare step asks for them only when neither the destination nor a fulfilment routes a line;
# - 20 and 29 (issue 25): the intake's timeline entries are written in one INSERT (-1, -2 with the label's
#   entry), and a return inserted in this transaction has no RMA lines to read before planning (-1);
# - 19 and 24 (issue 25): planning uses what the prepare step read for routing (the destination's location,
#   the fulfilments, the rules) when no WMS was asked, instead of reading it again in each pass (-1, -5);
# - 18 and 23 (issue 25): a return the prepare step did not find is inserted at once, without get_or_create's
#   first locked read (-1; a racing insert still falls back to it: test_intake_concurrency).
DESTINATION_MAX = 18
FULFILMENT_AND_LABEL_MAX = 23


def _extra_batches(lines: int) -> int:
    """INSERTs beyond one for the lines and the RMA lines: none on PostgreSQL; SQLite caps a
    statement's parameters, so Django splits a bulk insert of many rows."""

    def batches(model: type[Model]) -> int:
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        return math.ceil(lines / connection.ops.bulk_batch_size(fields, [None] * lines))

    return batches(ReturnLine) - 1 + batches(RMALine) - 1


@pytest.fixture
def loop(db: None) -> Connection:
    store = StoreFactory()
    loop = ConnectionFactory(store=store, provider="loop")
    wms = ConnectionFactory(store=store, provider="shipmonk")
    ShippingLocationFactory(
        store=store, warehouse_connection=wms, name="Ontario, CA", destinations={"loop": "dest_ca1"}, is_default=True
    )
    ShippingLocationFactory(store=store, warehouse_connection=wms, name="Newark, NJ", wms_warehouse_code="NJ1")
    return loop


def _receive(loop: Connection, *, lines: int, destination_id: str | None, label: bool = False) -> InboundWebhook:
    items = [{"sku": f"SKU-{i:03d}", "reason": "Too small"} for i in range(lines)]
    payload: dict[str, Any] = loop_return_payload(
        return_id=f"R{lines}",
        order_name="#1042",
        lines=items,
        destination_id=destination_id,
        label={"carrier": "USPS", "tracking_number": "9400100000000000000001"} if label else None,
    )
    body = json.dumps(payload).encode()
    result = webhook_receive(
        provider="loop",
        endpoint_token=loop.endpoint_token,
        headers={"Content-Type": "application/json", **signed_headers(loop, body)},
        body=body,
        remote_addr="127.0.0.1",
    )
    assert result.status_code == 202, result
    return result.webhook


def _process(webhook: InboundWebhook, assert_max: Callable[..., Any], limit: int) -> int:
    with assert_max(limit), CaptureQueriesContext(connection) as queries:
        assert webhook_process(webhook_id=webhook.pk) == InboundWebhook.Status.PROCESSED
    return len(queries)


@pytest.mark.parametrize("lines", [1, 10, 100])
def test_a_return_routed_by_its_destination(
    loop: Connection, lines: int, django_assert_max_num_queries: Callable[..., Any]
) -> None:
    webhook = _receive(loop, lines=lines, destination_id="dest_ca1")
    _process(webhook, django_assert_max_num_queries, DESTINATION_MAX + _extra_batches(lines))
    rma = RMA.objects.get()
    assert (rma.number, rma.location.name, rma.status) == ("1042", "Ontario, CA", RMA.Status.PENDING)
    assert RMALine.objects.filter(rma=rma).count() == ReturnLine.objects.count() == lines
    kinds = list(TimelineEvent.objects.order_by("id").values_list("kind", flat=True))
    assert kinds == ["return_created", "rma_planned"]


@pytest.mark.parametrize("lines", [1, 10, 100])
def test_a_return_routed_by_fulfilment_with_rules_mappings_and_a_label(
    loop: Connection, lines: int, django_assert_max_num_queries: Callable[..., Any]
) -> None:
    store = loop.store
    nj1 = store.shipping_locations.get(wms_warehouse_code="NJ1")
    Fulfillment.objects.create(
        store=store,
        warehouse_connection_id=nj1.warehouse_connection_id,
        shipment_key="SHP-1",
        order_key="1042",
        order_number="1042",
        warehouse_code="NJ1",
    )
    DispositionRule.objects.create(store=store, priority=1, match_reason="small", instruction=Instruction.INSPECT)
    SkuMapping.objects.create(store=store, platform_sku="SKU-000", wms_sku="WMS-000")
    webhook = _receive(loop, lines=lines, destination_id=None, label=True)
    _process(webhook, django_assert_max_num_queries, FULFILMENT_AND_LABEL_MAX + _extra_batches(lines))
    rma = RMA.objects.get()
    assert rma.shipment is not None
    assert (rma.number, rma.location_id, rma.shipment.tracking_number) == ("1042", nj1.pk, "9400100000000000000001")
    assert RMALine.objects.get(rma=rma, platform_sku="SKU-000").sku == "WMS-000"
    assert set(RMALine.objects.values_list("processing_instruction", flat=True)) == {Instruction.INSPECT}
    assert set(ReturnLine.objects.values_list("processing_instruction", flat=True)) == {Instruction.INSPECT}
    kinds = list(TimelineEvent.objects.order_by("id").values_list("kind", flat=True))
    assert kinds == ["return_created", "label_created", "rma_planned"]


def test_the_count_does_not_grow_with_lines(
    loop: Connection, django_assert_max_num_queries: Callable[..., Any]
) -> None:
    counts = [
        _process(
            _receive(loop, lines=lines, destination_id="dest_ca1"),
            django_assert_max_num_queries,
            DESTINATION_MAX + _extra_batches(lines),
        )
        - _extra_batches(lines)
        for lines in (1, 10, 100)
    ]
    assert counts[0] == counts[1] == counts[2], counts
    assert list(RMA.objects.order_by("id").values_list("number", flat=True)) == ["1042", "1042_01", "1042_02"]
