"""Intake services called directly with neutral DTOs: upsert, version guard, timeline, RMA hand-off."""

import datetime as dt

import pytest
from django.db.models import QuerySet

from integrations.inbound import (
    InboundLabelEvent,
    InboundReturnEvent,
    InboundWarehouseReturnEvent,
    ReturnData,
    ReturnLineData,
    ReturnShipmentData,
    WarehouseLineData,
)
from returns.models import RMA, Return, TimelineEvent
from returns.services import intake, labels
from returns.services.warehouse_events import rma_apply_warehouse_event
from tests.factories import ConnectionFactory, RMAFactory, RMALineFactory

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2025, 3, 1, 10, 0, tzinfo=dt.UTC)


def _event(change: str, *, at: dt.datetime, state: str = "open", qty: int = 2) -> InboundReturnEvent:
    return InboundReturnEvent(
        change=change,
        data=ReturnData(
            platform="loop",
            external_id="880011",
            order_name="#1042",
            state=state,
            platform_updated_at=at,
            lines=(ReturnLineData(line_key="TEE-BLK-M|Too small|refund", sku="TEE-BLK-M", quantity=qty),),
        ),
    )


@pytest.fixture
def planned(monkeypatch):
    calls: list[str] = []
    monkeypatch.setattr(intake, "rmas_on_return_changed", lambda **kw: calls.append(kw["change"]))
    return calls


def test_created_then_updated_then_cancelled(planned):
    conn = ConnectionFactory()
    intake.return_apply_event(connection=conn, event=_event("created", at=T0), webhook_id=None)
    intake.return_apply_event(
        connection=conn, event=_event("updated", at=T0 + dt.timedelta(hours=1), qty=3), webhook_id=None
    )
    intake.return_apply_event(
        connection=conn, event=_event("updated", at=T0 + dt.timedelta(hours=2), state="cancelled"), webhook_id=None
    )
    ret = Return.objects.get()
    assert (ret.state, ret.lines.get().quantity) == ("cancelled", 2)
    assert planned == ["created", "updated", "cancelled"]
    assert list(TimelineEvent.objects.values_list("message", flat=True)) == [
        "Return created in Loop",
        "Return updated in Loop",
        "Return cancelled in Loop (was open)",
    ]


def test_same_event_twice_changes_nothing_the_second_time(planned):
    conn = ConnectionFactory()
    intake.return_apply_event(connection=conn, event=_event("created", at=T0), webhook_id=None)
    intake.return_apply_event(connection=conn, event=_event("created", at=T0), webhook_id=None)
    assert planned == ["created"]
    assert TimelineEvent.objects.count() == 1


def test_older_event_never_overwrites_newer(planned):
    conn = ConnectionFactory()
    intake.return_apply_event(
        connection=conn, event=_event("updated", at=T0 + dt.timedelta(days=1), state="closed"), webhook_id=None
    )
    intake.return_apply_event(connection=conn, event=_event("updated", at=T0, state="open", qty=9), webhook_id=None)
    ret = Return.objects.get()
    assert (ret.state, ret.lines.get().quantity) == ("closed", 2)
    assert planned == ["created"]


def test_label_event_writes_timeline_and_notifies(planned):
    conn = ConnectionFactory()
    intake.return_apply_event(connection=conn, event=_event("created", at=T0), webhook_id=None)
    label = InboundLabelEvent(
        platform="loop",
        return_external_id="880011",
        change="label_created",
        shipment=ReturnShipmentData(shipment_key="9400111", carrier="USPS", tracking_number="9400111"),
    )
    labels.return_label_apply(connection=conn, event=label, webhook_id=None)
    labels.return_label_apply(connection=conn, event=label, webhook_id=None)  # repeat: no second entry
    assert TimelineEvent.objects.filter(message="Label created: USPS 9400111").count() == 1
    assert planned == ["created", "label_created"]


def test_warehouse_event_received_with_version_guard():
    conn = ConnectionFactory(provider="shipmonk")
    rma = RMAFactory(number="1042", warehouse_connection=conn, return_obj__store=conn.store)
    RMALineFactory(rma=rma, sku="TEE-BLK-M", quantity=2)
    received = InboundWarehouseReturnEvent(
        rma_number="1042",
        status=RMA.Status.RECEIVED,
        warehouse_status="returned",
        warehouse_code="CA1",
        updated_at=T0 + dt.timedelta(days=2),
        lines=(WarehouseLineData(sku="TEE-BLK-M", received_quantity=1, restocked_quantity=1),),
    )
    assert rma_apply_warehouse_event(connection=conn, event=received, webhook_id=None) == ""
    older = InboundWarehouseReturnEvent(rma_number="1042", status=RMA.Status.IN_TRANSIT, updated_at=T0)
    assert rma_apply_warehouse_event(connection=conn, event=older, webhook_id=None).startswith("older than")
    rma.refresh_from_db()
    assert (rma.status, rma.outcome) == (RMA.Status.RECEIVED, "short")
    assert TimelineEvent.objects.filter(message="Received at CA1: 1 × TEE-BLK-M, restocked").exists()


def test_a_return_created_by_another_worker_since_our_read_is_updated_not_duplicated(planned, monkeypatch):
    """The insert of a new return meets the unique constraint (two events of one new return at once):
    no error, no second row; the other worker's return is locked and updated instead."""
    conn = ConnectionFactory()
    intake.return_apply_event(connection=conn, event=_event("created", at=T0), webhook_id=None)
    assert Return.objects.get().lines.get().quantity == 2
    real_get = QuerySet.get
    reads: list[bool] = []

    def missing_on_first_read(self, *args, **kwargs):
        if self.model is Return:
            reads.append(True)
            if len(reads) == 1:  # our read happened before the other worker's insert
                raise Return.DoesNotExist
        return real_get(self, *args, **kwargs)

    monkeypatch.setattr(QuerySet, "get", missing_on_first_read)
    event = _event("updated", at=T0 + dt.timedelta(hours=1), qty=3)
    returned = intake.return_apply_event(connection=conn, event=event, webhook_id=None)
    assert len(reads) == 2  # the insert gave way and the row was read again
    ret = Return.objects.get()
    assert (returned.pk, ret.lines.get().quantity) == (ret.pk, 3)
    assert planned == ["created", "updated"]
    assert list(TimelineEvent.objects.values_list("kind", flat=True)) == ["return_created", "return_updated"]


def test_planning_is_handed_the_lines_and_shipments_the_intake_wrote(monkeypatch):
    """RMA planning gets the new return's lines and shipments from the intake (explicitly), not by reading them."""
    handed = []
    monkeypatch.setattr(intake, "rmas_on_return_changed", lambda **kw: handed.append(kw["contents"]))
    conn = ConnectionFactory()
    created = InboundReturnEvent(
        change="created",
        data=ReturnData(
            platform="loop",
            external_id="880012",
            order_name="#1043",
            platform_updated_at=T0,
            lines=(
                ReturnLineData(line_key="A", sku="TEE-BLK-M", quantity=1),
                ReturnLineData(line_key="B", sku="CAP-RED", quantity=2),
            ),
            shipments=(ReturnShipmentData(shipment_key="9400111", carrier="USPS", tracking_number="9400111"),),
        ),
    )
    ret = intake.return_apply_event(connection=conn, event=created, webhook_id=None)
    assert len(handed) == 2  # created, then label_created: the same contents
    contents = handed[0]
    lines = [(line.pk, line.line_key, line.quantity) for line in contents.lines]
    shipments = [(s.pk, s.shipment_key) for s in contents.shipments]
    assert lines == list(ret.lines.order_by("id").values_list("pk", "line_key", "quantity"))
    assert shipments == list(ret.shipments.order_by("id").values_list("pk", "shipment_key"))
    assert len(lines) == 2
    assert len(shipments) == 1
    assert handed[1] == contents

    data = created.data
    updated = InboundReturnEvent(
        change="updated",
        data=ReturnData(
            platform=data.platform,
            external_id=data.external_id,
            order_name=data.order_name,
            platform_updated_at=T0 + dt.timedelta(hours=1),
            lines=(  # A changes, B goes, C comes
                ReturnLineData(line_key="A", sku="TEE-BLK-M", quantity=3),
                ReturnLineData(line_key="C", sku="SOCK-1", quantity=1),
            ),
        ),
    )
    ret = intake.return_apply_event(connection=conn, event=updated, webhook_id=None)
    contents = handed[-1]
    lines = [(line.pk, line.line_key, line.quantity) for line in contents.lines]
    assert lines == list(ret.lines.order_by("id").values_list("pk", "line_key", "quantity"))
    assert [key for _, key, _ in lines] == ["A", "C"]
    assert contents.shipments is None  # an update does not read them all: planning does
