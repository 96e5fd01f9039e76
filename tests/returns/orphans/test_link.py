"""A person links an orphan receipt to a return (applied once, whatever the clicks, requests or replays) or
dismisses it with a reason; wrong choices are refused with what to do instead."""

import threading
from typing import Any
from unittest import mock

import pytest
from django.db import close_old_connections

from config.exceptions import ApplicationError
from returns.models import RMA, OrphanReceipt, Return, TimelineEvent
from returns.services.orphans.link import orphan_receipt_dismiss, orphan_receipt_link
from returns.services.warehouse_events import rma_apply_warehouse_event
from tests.factories import ReturnFactory, RMAFactory, RMALineFactory
from tests.returns.orphans.conftest import World, parcel

State = OrphanReceipt.State


def _inbox(world: World, **kwargs: Any) -> OrphanReceipt:
    """A parcel nothing matches: in the inbox."""
    rma_apply_warehouse_event(connection=world.wms, event=parcel(**kwargs), webhook_id=None)
    orphan = OrphanReceipt.objects.get()
    assert orphan.state == State.OPEN
    return orphan


def test_linking_by_hand_applies_the_receipt_and_a_second_link_changes_nothing(
    world: World, published: mock.MagicMock, django_capture_on_commit_callbacks: Any
) -> None:
    orphan = _inbox(world)
    for _ in range(2):  # a double click
        with django_capture_on_commit_callbacks(execute=True):
            linked = orphan_receipt_link(orphan_id=orphan.pk, return_id=world.ret.pk, by="ana")
    assert (linked.state, linked.matched_by, linked.linked_by) == (State.LINKED, "person", "ana")
    assert linked.note == "Linked to return #1042 (RMA 1042) by ana"
    world.rma.refresh_from_db()
    world.ret.refresh_from_db()
    assert (world.rma.status, world.ret.platform_action) == ("received", "process_queued")
    assert published.call_count == 1
    assert TimelineEvent.objects.filter(kind="orphan_receipt_linked").count() == 1
    # Replaying the receipt's webhook afterwards finds it linked: the RMA holds what it said already.
    with django_capture_on_commit_callbacks(execute=True):
        assert rma_apply_warehouse_event(connection=world.wms, event=parcel(), webhook_id=None) == ""
    assert published.call_count == 1
    assert TimelineEvent.objects.filter(kind="platform_action_queued").count() == 1


def test_wrong_choices_are_refused_with_what_to_do(world: World, published: mock.MagicMock) -> None:
    orphan = _inbox(world)
    no_rma = ReturnFactory(store=world.store, connection=world.loop, order_name="#2001")
    with pytest.raises(ApplicationError, match=r"Return #2001 has no RMA at ShipMonk to apply this receipt to"):
        orphan_receipt_link(orphan_id=orphan.pk, return_id=no_rma.pk, by="ana")
    elsewhere = ReturnFactory(order_name="#1042")  # another store's
    with pytest.raises(ApplicationError, match="No such return in this store"):
        orphan_receipt_link(orphan_id=orphan.pk, return_id=elsewhere.pk, by="ana")
    received, received_rma = world.another_return(order_name="#3003")
    RMA.objects.filter(pk=received_rma.pk).update(status=RMA.Status.RECEIVED)
    with pytest.raises(ApplicationError, match="RMA 3003R of return #3003 was already received at ShipMonk"):
        orphan_receipt_link(orphan_id=orphan.pk, return_id=received.pk, by="ana")
    split = RMAFactory(return_obj=world.ret, warehouse_connection=world.wms, number="1042_01")
    RMALineFactory(rma=split, sku="HOODIE-GRY-L", quantity=1)
    with pytest.raises(ApplicationError, match=r"several RMAs waiting at ShipMonk \(1042, 1042_01\): choose one"):
        orphan_receipt_link(orphan_id=orphan.pk, return_id=world.ret.pk, by="ana")
    orphan.refresh_from_db()
    assert orphan.state == State.OPEN
    linked = orphan_receipt_link(orphan_id=orphan.pk, return_id=world.ret.pk, rma_id=world.rma.pk, by="ana")
    assert linked.rma_id == world.rma.pk
    with pytest.raises(ApplicationError, match="already linked: Linked to return #1042"):
        orphan_receipt_link(orphan_id=orphan.pk, return_id=no_rma.pk, by="bo")


def test_dismissing_needs_a_reason_and_a_linked_receipt_cannot_be_dismissed(world: World) -> None:
    orphan = _inbox(world)
    for empty in ("", "   "):
        with pytest.raises(ApplicationError, match="Say why the receipt is dismissed"):
            orphan_receipt_dismiss(orphan_id=orphan.pk, reason=empty, by="ana")
    dismissed = orphan_receipt_dismiss(orphan_id=orphan.pk, reason=" Return to sender:  order #2001 ", by="ana")
    assert (dismissed.state, dismissed.dismiss_reason) == (State.DISMISSED, "Return to sender: order #2001")
    assert dismissed.note == "Dismissed by ana: Return to sender: order #2001"
    # A person who changes their mind may still link it.
    linked = orphan_receipt_link(orphan_id=orphan.pk, return_id=world.ret.pk, by="ana")
    assert linked.state == State.LINKED
    with pytest.raises(ApplicationError, match="cannot be dismissed"):
        orphan_receipt_dismiss(orphan_id=orphan.pk, reason="oops", by="ana")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_people_linking_at_once_apply_the_receipt_once(world: World, published: mock.MagicMock) -> None:
    """Two requests link the same receipt at the same moment: the receipt's row lock makes the second wait, then
    find it linked; the RMA is received and the platform action decided and published once."""
    orphan = _inbox(world)
    start = threading.Barrier(2)
    results: list[Any] = []

    def link(by: str) -> None:
        try:
            start.wait()
            results.append(orphan_receipt_link(orphan_id=orphan.pk, return_id=world.ret.pk, by=by).linked_by)
        except Exception as exc:  # noqa: BLE001 (the assertion below names it)
            results.append(exc)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=link, args=(name,)) for name in ("ana", "bo")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(results) == 2
    assert all(isinstance(r, str) for r in results), results
    assert results[0] == results[1]  # both answer with the one person whose link applied it
    assert TimelineEvent.objects.filter(kind="orphan_receipt_linked").count() == 1
    assert TimelineEvent.objects.filter(kind="platform_action_queued").count() == 1
    assert TimelineEvent.objects.filter(kind="rma_received").count() == 1
    assert published.call_count == 1
    assert Return.objects.get(pk=world.ret.pk).platform_action == "process_queued"
