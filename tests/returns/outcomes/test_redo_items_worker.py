"""Redo line by line (issue 16), on a real Celery worker and PostgreSQL: some items of a return arrive in
good condition and others are missing or damaged; the good ones are processed item by item (restocked),
the others get their own outcome's StatusMapping (by default: left for review, named in a comment),
instead of the whole return being flagged."""

from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response

from integrations.inbound import InboundWarehouseReturnEvent, WarehouseLineData
from returns.models import Return
from returns.services.warehouse_events import rma_apply_warehouse_event
from tests.conftest import TaskRuns, running_worker, wait_for
from tests.returns.outcomes.conftest import make_world
from tests.returns.rmas.conftest import Recorder, json_response

pytestmark = [pytest.mark.worker, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
RID = "65aa00000000000000000001"


@pytest.fixture
def celery_worker() -> Any:
    with running_worker(concurrency=1) as worker:
        yield worker


def _line(sku: str, received: int, condition: str) -> WarehouseLineData:
    details = (
        {
            "quantity": received,
            "condition": condition,
            "disposition": "restocked" if condition == "good" else "dispose",
        },
    )
    return WarehouseLineData(
        sku=sku,
        received_quantity=received,
        restocked_quantity=received if condition == "good" else 0,
        receiving_details=details if received else (),
    )


@pytest.mark.parametrize(
    ("tee", "note"),
    [
        ((1, "good"), "Backhaul: Short receipt: TEE-BLK-M (fewer units than expected)"),
        ((2, "damaged"), "Backhaul: Damaged or not resellable: TEE-BLK-M (damaged or not resellable)"),
    ],
    ids=["missing", "damaged"],
)
def test_good_items_are_processed_and_the_others_left_for_review(
    httpserver: HTTPServer, celery_worker: Any, task_runs: TaskRuns, tee: tuple[int, str], note: str
) -> None:
    process = Recorder(json_response({"message": "Processing triggered successfully"}))
    comments = Recorder(json_response({"comment": {}}, 201))
    status = Recorder(Response(status=204))
    httpserver.expect_request(f"/returns/{RID}/process", method="POST").respond_with_handler(process)
    httpserver.expect_request(f"/returns/{RID}/comments", method="POST").respond_with_handler(comments)
    httpserver.expect_request(f"/returns/{RID}/status", method="PUT").respond_with_handler(status)
    ret, (rma,) = make_world(httpserver, platform="redo", rmas=(("1042", {"TEE-BLK-M": 2, "CAP-RED": 1}),))
    Return.objects.filter(pk=ret.pk).update(external_id=RID)

    event = InboundWarehouseReturnEvent(
        rma_number="1042",
        status="received",
        warehouse_status="returned",
        lines=(_line("TEE-BLK-M", *tee), _line("CAP-RED", 1, "good")),
    )
    rma_apply_warehouse_event(connection=rma.warehouse_connection, event=event, webhook_id=None)
    done = wait_for(lambda: Return.objects.filter(pk=ret.pk, platform_action="process").first(), interval=0.2)
    task_runs.wait_idle()

    assert process.requests[0]["body"] == {"products": [{"_id": "item-CAP-RED", "processInput": {"restock": True}}]}
    assert [r["body"]["comment"]["message"] for r in comments.requests] == [note]
    assert status.count == 0  # the return is not flagged whole
    entry = done.timeline.get(kind="platform_processed")
    assert entry.message == (
        f"Return processed item by item in Redo: TEE-BLK-M left for review; CAP-RED restocked. Comment: {note}"
    )
