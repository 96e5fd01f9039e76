"""A warehouse event about none of our RMAs (issue 24, part 3): kept as an orphan receipt, matched by tracking number,
then order, then customer email + SKUs when one candidate fits (linked, the receipt is applied to the RMA and the
outcome decided once), else kept in the inbox with its candidates and why."""

import datetime as dt
from typing import Any
from unittest import mock

import pytest

from integrations.models import Notification
from returns.models import RMA, OrphanReceipt, Return, TimelineEvent
from returns.services.warehouse_events import rma_apply_warehouse_event
from tests.factories import FulfillmentFactory, ReturnShipmentFactory
from tests.returns.orphans.conftest import TRACKING, World, parcel

Key = OrphanReceipt.MatchKey
State = OrphanReceipt.State


def _apply(world: World, event: Any, capture: Any) -> str:
    with capture(execute=True):
        return rma_apply_warehouse_event(connection=world.wms, event=event, webhook_id=None)


def _linked_to(world: World, key: str) -> OrphanReceipt:
    orphan = OrphanReceipt.objects.get()
    assert (orphan.state, orphan.matched_by, orphan.rma_id, orphan.return_obj_id) == (
        State.LINKED,
        key,
        world.rma.pk,
        world.ret.pk,
    )
    return orphan


def test_a_parcel_is_matched_by_its_tracking_number_and_processed_once(
    world: World, published: mock.MagicMock, django_capture_on_commit_callbacks: Any
) -> None:
    assert _apply(world, parcel(tracking=(TRACKING,)), django_capture_on_commit_callbacks) == ""
    orphan = _linked_to(world, Key.TRACKING)
    assert orphan.note == f"Matched to return #1042 by tracking number {TRACKING}"
    assert orphan.matched_value == TRACKING
    world.rma.refresh_from_db()
    world.ret.refresh_from_db()
    assert (world.rma.status, world.rma.outcome, world.rma.lines.get().received_quantity) == (
        "received",
        "fully_received",
        2,
    )
    assert world.ret.platform_action == Return.PlatformActionStatus.PROCESS_QUEUED
    assert published.call_count == 1
    linked = TimelineEvent.objects.get(kind="orphan_receipt_linked")
    assert linked.message == (
        f"ShipMonk return 5599 arrived without one of our RMAs: matched to RMA 1042 by tracking number {TRACKING}"
    )
    assert linked.data["orphan_receipt"] == orphan.pk
    assert "(orphan receipt #" in TimelineEvent.objects.get(kind="rma_received").message


def test_a_usps_routing_prefix_on_the_scanned_number_still_matches(
    world: World, published: mock.MagicMock, django_capture_on_commit_callbacks: Any
) -> None:
    _apply(world, parcel(tracking=("42091761" + TRACKING,)), django_capture_on_commit_callbacks)
    assert _linked_to(world, Key.TRACKING).matched_value == TRACKING


def test_redelivered_replayed_and_later_events_apply_to_the_rma_and_decide_once(
    world: World, published: mock.MagicMock, django_capture_on_commit_callbacks: Any
) -> None:
    at = dt.datetime(2026, 11, 2, 10, tzinfo=dt.UTC)
    arrived = parcel(tracking=(TRACKING,), status="receiving", received={}, updated_at=at)
    _apply(world, arrived, django_capture_on_commit_callbacks)
    world.rma.refresh_from_db()
    assert world.rma.status == RMA.Status.RECEIVING  # linked on arrival; nothing decided yet
    graded = parcel(status="received", updated_at=at + dt.timedelta(hours=2))  # a status message: no tracking
    for _ in range(3):  # the WMS's own retries, a replay by support
        assert _apply(world, graded, django_capture_on_commit_callbacks) == ""
    assert _apply(world, arrived, django_capture_on_commit_callbacks).startswith("older than orphan receipt #")
    assert OrphanReceipt.objects.count() == 1
    world.rma.refresh_from_db()
    world.ret.refresh_from_db()
    assert (world.rma.status, world.ret.platform_action) == ("received", "process_queued")
    assert published.call_count == 1
    assert TimelineEvent.objects.filter(kind="platform_action_queued").count() == 1
    assert TimelineEvent.objects.filter(kind="orphan_receipt_linked").count() == 1
    assert OrphanReceipt.objects.get().tracking_numbers == [TRACKING]  # kept from the first event


def test_the_order_number_matches_when_no_tracking_number_does(
    world: World, published: mock.MagicMock, django_capture_on_commit_callbacks: Any
) -> None:
    _apply(world, parcel(tracking=("1Z999",), orders=("1042",)), django_capture_on_commit_callbacks)
    assert _linked_to(world, Key.ORDER).note == "Matched to return #1042 by order number #1042"


def test_the_wms_order_key_matches_through_the_order_s_fulfilment(
    world: World, published: mock.MagicMock, django_capture_on_commit_callbacks: Any
) -> None:
    FulfillmentFactory(store=world.store, order_key="shopify-5550001112", order_number="#1042")
    _apply(world, parcel(orders=("shopify-5550001112",)), django_capture_on_commit_callbacks)
    _linked_to(world, Key.ORDER)


def test_the_customer_email_matches_only_with_the_same_skus(
    world: World, published: mock.MagicMock, django_capture_on_commit_callbacks: Any
) -> None:
    other_skus = parcel(external_id="6001", email="jane@example.com", received={"HOODIE-GRY-L": 1})
    assert _apply(world, other_skus, django_capture_on_commit_callbacks) == ""
    kept = OrphanReceipt.objects.get(external_id="6001")
    assert (kept.state, kept.candidates) == (State.OPEN, [])
    _apply(world, parcel(external_id="6002", email="JANE@example.com"), django_capture_on_commit_callbacks)
    linked = OrphanReceipt.objects.get(external_id="6002")
    assert (linked.state, linked.matched_by, linked.rma_id) == (State.LINKED, Key.EMAIL_SKUS, world.rma.pk)
    assert linked.note == "Matched to return #1042 by customer email and SKUs JANE@example.com with TEE-BLK-M"


def test_several_candidates_wait_in_the_inbox_until_a_later_key_narrows_them(
    world: World, published: mock.MagicMock, django_capture_on_commit_callbacks: Any
) -> None:
    second, second_rma = world.another_return(order_name="#1042", email="bob@example.com")
    _apply(world, parcel(external_id="7001", orders=("#1042",)), django_capture_on_commit_callbacks)
    ambiguous = OrphanReceipt.objects.get(external_id="7001")
    assert ambiguous.state == State.OPEN
    assert {c["return"] for c in ambiguous.candidates} == {world.ret.pk, second.pk}
    assert ambiguous.note.startswith("2 returns fit (return #1042 (RMA ")
    assert ambiguous.note.endswith("): choose the right one")
    assert published.call_count == 0
    # The same order, and the customer's email with the parcel's SKUs picks one of the two.
    _apply(
        world,
        parcel(external_id="7002", orders=("#1042",), email="bob@example.com", received={"TEE-BLK-M": 1}),
        django_capture_on_commit_callbacks,
    )
    narrowed = OrphanReceipt.objects.get(external_id="7002")
    assert (narrowed.state, narrowed.matched_by, narrowed.rma_id) == (State.LINKED, Key.EMAIL_SKUS, second_rma.pk)


def test_nothing_fits_the_inbox_says_what_it_carried_and_the_store_is_told(
    world: World, published: mock.MagicMock, django_capture_on_commit_callbacks: Any
) -> None:
    _apply(world, parcel(tracking=("1Z000",), orders=("#9999",)), django_capture_on_commit_callbacks)
    orphan = OrphanReceipt.objects.get()
    assert orphan.state == State.OPEN
    assert orphan.note == "No return fits (tracking number 1Z000; order #9999): link it by hand or dismiss it"
    notification = Notification.objects.get(kind=Notification.Kind.ORPHAN_RECEIPT)
    assert notification.link == f"/setup/stores/{world.store.slug}/receipts/{orphan.pk}/"
    assert "ShipMonk return 5599 arrived with no RMA Backhaul knows" in notification.message
    world.rma.refresh_from_db()
    assert world.rma.status == RMA.Status.SUBMITTED


def test_a_fitting_return_whose_rma_was_received_is_a_candidate_not_a_link(
    world: World, published: mock.MagicMock, django_capture_on_commit_callbacks: Any
) -> None:
    RMA.objects.filter(pk=world.rma.pk).update(status=RMA.Status.RECEIVED)
    _apply(world, parcel(tracking=(TRACKING,)), django_capture_on_commit_callbacks)
    orphan = OrphanReceipt.objects.get()
    assert orphan.state == State.OPEN
    assert orphan.note == (
        f"return #1042 fits by tracking number {TRACKING}, but its RMA 1042 at ShipMonk was already received"
    )
    assert orphan.candidates[0]["rma"] is None


def test_a_split_return_links_the_rma_of_the_parcel_with_that_tracking_number(
    world: World, published: mock.MagicMock, django_capture_on_commit_callbacks: Any
) -> None:
    from tests.factories import RMAFactory, RMALineFactory

    other_parcel = ReturnShipmentFactory(return_obj=world.ret, tracking_number="9400222", shipment_key="9400222")
    RMA.objects.filter(pk=world.rma.pk).update(shipment=world.ret.shipments.get(tracking_number=TRACKING))
    second = RMAFactory(return_obj=world.ret, warehouse_connection=world.wms, number="1042_01", shipment=other_parcel)
    RMALineFactory(rma=second, sku="HOODIE-GRY-L", quantity=1)
    _apply(world, parcel(tracking=("9400222",), received={"HOODIE-GRY-L": 1}), django_capture_on_commit_callbacks)
    assert OrphanReceipt.objects.get().rma_id == second.pk


def test_news_that_is_no_receipt_or_another_integration_s_is_not_kept(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    in_transit = parcel(status="in_transit", tracking=(TRACKING,))
    assert _apply(world, in_transit, django_capture_on_commit_callbacks) == "no RMA 5599 on this connection"
    native = parcel(tracking=(TRACKING,), foreign_source="loop")
    assert _apply(world, native, django_capture_on_commit_callbacks) == (
        "ShipMonk return 5599 was made by its loop integration, not Backhaul: not ours to report"
    )
    assert not OrphanReceipt.objects.exists()


def test_a_dismissed_receipt_keeps_what_the_warehouse_says_and_does_nothing_else(
    world: World, published: mock.MagicMock, django_capture_on_commit_callbacks: Any
) -> None:
    from returns.services.orphans.link import orphan_receipt_dismiss

    _apply(world, parcel(status="receiving", received={}), django_capture_on_commit_callbacks)
    orphan = OrphanReceipt.objects.get()
    orphan_receipt_dismiss(orphan_id=orphan.pk, reason="Return to sender of order #2001", by="ana")
    _apply(world, parcel(tracking=(TRACKING,)), django_capture_on_commit_callbacks)
    orphan.refresh_from_db()
    assert (orphan.state, orphan.status, orphan.tracking_numbers) == (State.DISMISSED, "received", [TRACKING])
    world.rma.refresh_from_db()
    assert world.rma.status == RMA.Status.SUBMITTED
    assert published.call_count == 0


@pytest.mark.parametrize(("number", "expected"), [("RTS-77", "rma:RTS-77"), ("", "id:5599")])
def test_a_receipt_is_keyed_by_the_wms_id_else_the_number_on_the_box(number: str, expected: str) -> None:
    from returns.receipt_keys import wms_key

    event = parcel(rma_number=number, external_id="" if number else "5599")
    assert wms_key(event) == expected


def test_tracking_forms_drop_the_usps_routing_prefix_and_spaces() -> None:
    from returns.receipt_keys import tracking_forms

    assert tracking_forms(["420 91761 9400111000000000000001"]) >= {"9400111000000000000001"}
    assert tracking_forms(["420917611234" + "9400111000000000000001"]) >= {"9400111000000000000001"}
    assert tracking_forms(["1z999aa10123456784"]) == {"1z999aa10123456784", "1Z999AA10123456784"}
