"""Test data never reaches a live WMS.

An RMA of a test return (Return.is_test) or of a sandbox store is pushed only to a connection
whose base URL is a sandbox or local address, and there even while the connection is still a
draft (the setup wizard's test runs before go-live). Aimed at a live WMS it is closed as
"planned, not sent": routing, numbering and mapping are proven on the timeline without touching
the warehouse, and support's queue stays clean.
"""

from django.utils import timezone

from integrations.destinations import connection_base_url
from integrations.models import Connection
from integrations.services.sandbox_addresses import is_sandbox_url
from returns.models import RMA, TimelineEvent
from returns.services.timeline import timeline_add

Level = TimelineEvent.Level


def rma_is_test_data(rma: RMA) -> bool:
    """A test RMA, of a test return, or of a sandbox store."""
    return rma.is_test or rma.return_obj.is_test or rma.store.is_sandbox


def rma_test_data_blocked(rma: RMA) -> bool:
    """Test data aimed at a warehouse that is not a sandbox or local address: it must not be sent."""
    return rma_is_test_data(rma) and not is_sandbox_url(connection_base_url(rma.warehouse_connection))


def rma_may_push_now(rma: RMA) -> bool:
    """Active connections take pushes; a draft one takes test data bound for a sandbox."""
    connection = rma.warehouse_connection
    if connection.is_accepting_pushes:
        return True
    return connection.status == Connection.Status.DRAFT and rma_is_test_data(rma) and not rma_test_data_blocked(rma)


def rma_test_planned_only(rma: RMA) -> None:
    """Close a test RMA aimed at a live WMS: planned and shown, never sent."""
    reason = "test return: planned only, never sent to a live warehouse"
    RMA.objects.filter(pk=rma.pk).update(status=RMA.Status.CANCELLED, last_error=reason, updated_at=timezone.now())
    where = rma.location.warehouse_label if rma.location else rma.warehouse_connection.display_name
    timeline_add(
        return_obj=rma.return_obj,
        rma=rma,
        kind="rma_test_planned",
        level=Level.INFO,
        message=f"Test RMA {rma.number} planned at {where}: not sent, test returns never reach a live warehouse",
        data={"reason": reason},
    )
