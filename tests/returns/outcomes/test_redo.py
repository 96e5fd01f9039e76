"""Warehouse outcome → Redo: native status / process with per-item restock or reject, and the Loop-compatible API."""

from typing import Any
from unittest import mock

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response

from returns.models import Return, StatusMapping
from returns.services.platform_actions import return_platform_act
from returns.services.status_mappings import status_mappings_ensure
from returns.services.warehouse_events import rma_apply_warehouse_event
from tests.returns.outcomes.conftest import make_world, received_event
from tests.returns.rmas.conftest import Recorder, json_response

pytestmark = pytest.mark.django_db
RID = "65aa00000000000000000001"
TWO_SKUS = (("1042", {"TEE-BLK-M": 2, "CAP-RED": 1}),)


def _receive(ret: Return, received: dict[str, int], **kwargs: Any) -> None:
    rma = ret.rmas.get()
    with mock.patch("returns.services.outcomes._publish"):
        rma_apply_warehouse_event(
            connection=rma.warehouse_connection, event=received_event(rma.number, received, **kwargs), webhook_id=None
        )


def _redo_world(httpserver: HTTPServer, **kwargs: Any) -> Return:
    ret, _ = make_world(httpserver, platform="redo", rmas=TWO_SKUS, **kwargs)
    Return.objects.filter(pk=ret.pk).update(external_id=RID)
    ret.refresh_from_db()
    return ret


def test_fully_received_is_processed_with_restock_per_item(httpserver: HTTPServer) -> None:
    process = Recorder(json_response({"message": "Processing triggered successfully"}))
    httpserver.expect_request(f"/returns/{RID}/process", method="POST").respond_with_handler(process)
    ret = _redo_world(httpserver)
    _receive(ret, {"TEE-BLK-M": 2, "CAP-RED": 1})
    assert return_platform_act(return_id=ret.pk).detail == "process"
    assert process.requests[0]["headers"]["Authorization"] == "Bearer platform-secret-key-4321"
    assert process.requests[0]["body"] == {
        "products": [
            {"_id": "item-TEE-BLK-M", "processInput": {"restock": True}},
            {"_id": "item-CAP-RED", "processInput": {"restock": True}},
        ]
    }
    assert ret.timeline.get(kind="platform_processed").message == "Return processed in Redo"


def test_a_store_mapping_short_to_process_rejects_what_never_arrived(httpserver: HTTPServer) -> None:
    process = Recorder(json_response({"message": "Processing triggered successfully"}))
    httpserver.expect_request(f"/returns/{RID}/process", method="POST").respond_with_handler(process)
    ret = _redo_world(httpserver)
    status_mappings_ensure(store_id=ret.store_id)
    StatusMapping.objects.filter(store_id=ret.store_id, outcome="short").update(action="process")
    _receive(ret, {"TEE-BLK-M": 2, "CAP-RED": 0})
    return_platform_act(return_id=ret.pk)
    assert process.requests[0]["body"]["products"] == [
        {"_id": "item-TEE-BLK-M", "processInput": {"restock": True}},
        {"_id": "item-CAP-RED", "reject": True},
    ]


def test_process_not_offered_falls_back_to_status_complete(httpserver: HTTPServer) -> None:
    httpserver.expect_request(f"/returns/{RID}/process", method="POST").respond_with_json(
        {"title": "Not implemented"}, status=501
    )
    status = Recorder(Response(status=204))
    httpserver.expect_request(f"/returns/{RID}/status", method="PUT").respond_with_handler(status)
    ret = _redo_world(httpserver)
    _receive(ret, {"TEE-BLK-M": 2, "CAP-RED": 1})
    assert return_platform_act(return_id=ret.pk).detail == "process"
    assert status.requests[0]["body"] == {"status": "complete"}


def test_short_throughout_flags_the_return_and_comments_what_arrived(httpserver: HTTPServer) -> None:
    status = Recorder(Response(status=204))
    comments = Recorder(json_response({"comment": {}}, 201))
    httpserver.expect_request(f"/returns/{RID}/status", method="PUT").respond_with_handler(status)
    httpserver.expect_request(f"/returns/{RID}/comments", method="POST").respond_with_handler(comments)
    ret = _redo_world(httpserver)
    _receive(ret, {"TEE-BLK-M": 1, "CAP-RED": 0})  # no item arrived whole: nothing to process item by item
    assert return_platform_act(return_id=ret.pk).detail == "flag"
    assert status.requests[0]["body"] == {"status": "flagged"}
    message = comments.requests[0]["body"]["comment"]["message"]
    assert message.startswith("Backhaul: Short receipt: RMA 1042 at CA1: 1 of 2 × TEE-BLK-M")


def test_a_mixed_receipt_is_processed_item_by_item_and_the_rest_commented(httpserver: HTTPServer) -> None:
    process = Recorder(json_response({"message": "Processing triggered successfully"}))
    comments = Recorder(json_response({"comment": {}}, 201))
    httpserver.expect_request(f"/returns/{RID}/process", method="POST").respond_with_handler(process)
    httpserver.expect_request(f"/returns/{RID}/comments", method="POST").respond_with_handler(comments)
    ret = _redo_world(httpserver)
    _receive(ret, {"TEE-BLK-M": 1, "CAP-RED": 1})
    assert return_platform_act(return_id=ret.pk).detail == "process"
    assert process.requests[0]["body"] == {"products": [{"_id": "item-CAP-RED", "processInput": {"restock": True}}]}
    assert comments.requests[0]["body"]["comment"]["message"] == (
        "Backhaul: Short receipt: TEE-BLK-M (fewer units than expected)"
    )


def test_a_mixed_receipt_without_the_process_endpoint_flags_the_whole_return(httpserver: HTTPServer) -> None:
    httpserver.expect_request(f"/returns/{RID}/process", method="POST").respond_with_json(
        {"title": "Not implemented"}, status=501
    )
    status = Recorder(Response(status=204))
    comments = Recorder(json_response({"comment": {}}, 201))
    httpserver.expect_request(f"/returns/{RID}/status", method="PUT").respond_with_handler(status)
    httpserver.expect_request(f"/returns/{RID}/comments", method="POST").respond_with_handler(comments)
    ret = _redo_world(httpserver)
    _receive(ret, {"TEE-BLK-M": 1, "CAP-RED": 1})
    assert return_platform_act(return_id=ret.pk).detail == "flag"
    assert status.requests[0]["body"] == {"status": "flagged"}  # never "complete": TEE-BLK-M awaits review
    assert comments.count == 1


def test_a_redo_validation_error_is_permanent(httpserver: HTTPServer) -> None:
    httpserver.expect_request(f"/returns/{RID}/process", method="POST").respond_with_json(
        {"title": "Return is not ready"}, status=400
    )
    ret = _redo_world(httpserver)
    _receive(ret, {"TEE-BLK-M": 2, "CAP-RED": 1})
    assert return_platform_act(return_id=ret.pk).detail == "permanent error"
    ret.refresh_from_db()
    assert ret.platform_action == "failed"
    assert "Return is not ready" in ret.timeline.get(kind="platform_action_failed").message


@pytest.mark.parametrize(
    ("received", "calls"),
    [({"TEE-BLK-M": 2, "CAP-RED": 1}, ["process"]), ({"TEE-BLK-M": 1, "CAP-RED": 1}, ["flag", "note"])],
)
def test_loop_compatible_api_uses_loop_paths_and_never_close_or_cancel(
    httpserver: HTTPServer, received: dict[str, int], calls: list[str]
) -> None:
    seen: list[str] = []

    def handler(request: Any) -> Response:
        seen.append(request.path.rsplit("/", 1)[-1])
        assert request.args.get("redo_return_id") == RID
        assert request.headers["X-Authorization"] == "platform-secret-key-4321"
        return Response("true", content_type="application/json")

    for action in ("process", "flag", "note", "close", "cancel"):
        httpserver.expect_request(f"/compat/warehouse/return/0/{action}", method="POST").respond_with_handler(handler)
    options = {"loop_compatible": True, "loop_compatible_base_url": httpserver.url_for("/compat")}
    ret = _redo_world(httpserver, platform_options=options)
    _receive(ret, received)
    return_platform_act(return_id=ret.pk)
    assert seen == calls
    ret.refresh_from_db()
    assert ret.platform_action == calls[0]
    assert "Redo (Loop-compatible API)" in ret.timeline.order_by("-id").first().message
