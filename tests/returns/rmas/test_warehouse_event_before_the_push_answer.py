"""A WMS that announces a new RMA by webhook (ShipBob's return.created, sent as the return is created) can be
heard before the push has recorded the create's answer (found while adding ShipBob): the answer is still
recorded, the status the warehouse's news set stays, and later RMAs of the order are released."""

from typing import Any
from unittest import mock

import pytest
from django.test import TestCase
from pytest_httpserver import HTTPServer

from integrations.inbound import InboundWarehouseReturnEvent
from integrations.providers.shipmonk import ShipMonkClient
from returns.models import RMA
from returns.services.planning import rmas_plan
from returns.services.rmas.ordering import WAITING_PREFIX
from returns.services.rmas.push import rma_push
from returns.services.warehouse_events import rma_apply_warehouse_event
from tests.returns.rmas.conftest import make_location, make_return, make_store, make_warehouse, shipmonk_ok

pytestmark = pytest.mark.django_db


def test_a_created_event_heard_before_the_create_answer_keeps_the_wms_id(httpserver: HTTPServer) -> None:
    store = make_store()
    connection = make_warehouse(store, httpserver)
    make_location(store, connection, wms_warehouse_code="CA1", is_default=True)
    httpserver.expect_request("/v1/integrations/orders").respond_with_json({"status": 200, "data": None})
    (rma,) = rmas_plan(return_obj=make_return(store, external_id="880011"))
    httpserver.expect_request("/v1/integrations/returns", method="POST").respond_with_response(shipmonk_ok(777))
    create = ShipMonkClient.rma_create

    def created_and_announced(self: ShipMonkClient, **kwargs: Any) -> Any:
        result = create(self, **kwargs)
        # The WMS's webhook about the new RMA is applied before this answer is recorded.
        event = InboundWarehouseReturnEvent(
            rma_number=rma.number, external_id="777", status="submitted", warehouse_status="status_created"
        )
        assert rma_apply_warehouse_event(connection=connection, event=event, webhook_id=None) == ""
        return result

    with (
        mock.patch("returns.services.rmas.publishing.rma_task_publish"),
        mock.patch.object(ShipMonkClient, "rma_create", created_and_announced),
    ):
        rma_push(rma_id=rma.pk)
    rma = RMA.objects.get(pk=rma.pk)
    assert rma.status == RMA.Status.SUBMITTED
    assert rma.external_id == "777"
    assert rma.submitted_at is not None
    assert rma.timeline.filter(kind="rma_submitted").exists()


def test_a_parcel_received_before_the_create_answer_stays_received_and_releases_the_next_rma(
    httpserver: HTTPServer,
) -> None:
    """The goods can even be received before the answer is recorded (a create that timed out, retried later):
    received stays, the WMS's id is kept, and the order's next RMA, which waited for this one, goes."""
    store = make_store()
    connection = make_warehouse(store, httpserver)
    make_location(store, connection, wms_warehouse_code="CA1", is_default=True)
    httpserver.expect_request("/v1/integrations/orders").respond_with_json({"status": 200, "data": None})
    (first,) = rmas_plan(return_obj=make_return(store, external_id="880021", order_name="#2001"))
    (second,) = rmas_plan(return_obj=make_return(store, external_id="880022", order_name="#2001"))
    RMA.objects.filter(pk=second.pk).update(last_error=f"{WAITING_PREFIX}{first.number} is created first")
    httpserver.expect_request("/v1/integrations/returns", method="POST").respond_with_response(shipmonk_ok(778))
    create = ShipMonkClient.rma_create

    def created_then_received(self: ShipMonkClient, **kwargs: Any) -> Any:
        result = create(self, **kwargs)
        event = InboundWarehouseReturnEvent(
            rma_number=first.number, external_id="778", status="received", warehouse_status="status_received"
        )
        assert rma_apply_warehouse_event(connection=connection, event=event, webhook_id=None) == ""
        return result

    with (
        mock.patch("returns.services.rmas.publishing.rma_task_publish") as publish,
        mock.patch.object(ShipMonkClient, "rma_create", created_then_received),
        TestCase.captureOnCommitCallbacks(execute=True),
    ):
        rma_push(rma_id=first.pk)
    first = RMA.objects.get(pk=first.pk)
    assert (first.status, first.external_id) == (RMA.Status.RECEIVED, "778")
    assert first.submitted_at is not None
    publish.assert_any_call("rma_push", second.pk)
