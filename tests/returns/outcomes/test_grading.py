"""The warehouse's grades reach the platform before its outcome (product.md flow 11), on local HTTP fakes: the store's
grade mappings (defaults from each warehouse's declaration, edits win), units that did not come assessed `missing`,
a 403 shown without holding the refund, a 5xx retried without grading twice, and Redo's comment."""

from typing import Any
from unittest import mock

import pytest
from pytest_httpserver import HTTPServer

from integrations.declarations import GradingSupport, Role
from integrations.inbound import InboundWarehouseReturnEvent, ItemGrade, WarehouseLineData
from integrations.models import ApiCall, Connection
from integrations.registry import declarations
from returns.grading import FALLBACK_OUTCOME, grade_resolve
from returns.models import GradeMapping, GradeOutcome, Return, ReturnLine
from returns.services.grade_mappings import grade_mappings_ensure
from returns.services.platform_actions import return_platform_act
from returns.services.warehouse_events import rma_apply_warehouse_event
from tests.returns.outcomes.conftest import make_world
from tests.returns.rmas.conftest import Recorder, json_response

pytestmark = pytest.mark.django_db


def _graded(number: str, sku: str, received: int, *grades: ItemGrade) -> InboundWarehouseReturnEvent:
    line = WarehouseLineData(sku=sku, received_quantity=received, restocked_quantity=received, grades=grades)
    return InboundWarehouseReturnEvent(rma_number=number, status="received", warehouse_status="returned", lines=(line,))


def _receive(ret: Return, event: InboundWarehouseReturnEvent) -> None:
    rma = ret.rmas.get()
    with mock.patch("returns.services.outcomes._publish"):
        rma_apply_warehouse_event(connection=rma.warehouse_connection, event=event, webhook_id=None)


def _loop(httpserver: HTTPServer, **answers: Any) -> dict[str, Recorder]:
    recorders = {name: Recorder(answers.get(name) or json_response({"items": []})) for name in ("grade", "assess")}
    for name in ("process", "flag", "note"):
        recorders[name] = Recorder(answers.get(name) or json_response(True))
        httpserver.expect_request(f"/warehouse/return/880011/{name}", method="POST").respond_with_handler(
            recorders[name]
        )
    for name in ("grade", "assess"):
        httpserver.expect_request(f"/dispositioning/{name}", method="POST").respond_with_handler(recorders[name])
    return recorders


def _world(httpserver: HTTPServer, quantity: int = 2, **kwargs: Any) -> Return:
    ret, _ = make_world(httpserver, rmas=(("1042", {"TEE-BLK-M": quantity}),), **kwargs)
    ids = [str(7001 + i) for i in range(quantity)]
    ReturnLine.objects.filter(return_obj=ret).update(external_line_ids=ids)
    return ret


def test_every_warehouse_declares_outcomes_the_platform_takes_and_loop_takes_30_a_call() -> None:
    for declaration in declarations(role=Role.WAREHOUSE):
        words = declaration.grade_words.conditions + declaration.grade_words.dispositions
        assert words, f"{declaration.slug} declares no grading words"
        assert {w.disposition_outcome for w in words} <= {"", *GradeOutcome.values}, declaration.slug
    (loop,) = [d for d in declarations(role=Role.RETURNS_PLATFORM) if d.grading == GradingSupport.API]
    assert loop.grading_batch_size == 30


def test_a_store_starts_from_its_warehouses_defaults_and_its_edits_win(httpserver: HTTPServer) -> None:
    ret = _world(httpserver)
    rows = grade_mappings_ensure(store_id=ret.store_id, warehouse="trackstar", seen=[("condition", "Like New")])
    assert grade_resolve(condition="damaged", disposition="scrapped", rows=rows) == ("grade_c", "recycle")
    # The disposition decides; without one, the condition; a word nobody mapped is held for a person.
    assert grade_resolve(condition="damaged", disposition="", rows=rows) == ("grade_c", "resale_hold")
    assert grade_resolve(condition="like new", disposition="", rows=rows) == ("like new", FALLBACK_OUTCOME)
    assert GradeMapping.objects.filter(store_id=ret.store_id, warehouse="trackstar", word="like new").exists()
    GradeMapping.objects.filter(store_id=ret.store_id, warehouse="trackstar", word="scrapped").update(
        disposition_outcome="donate"
    )
    rows = grade_mappings_ensure(store_id=ret.store_id, warehouse="trackstar")
    assert grade_resolve(condition="damaged", disposition="scrapped", rows=rows) == ("grade_c", "donate")


def test_units_that_did_not_come_are_assessed_missing_and_not_graded(httpserver: HTTPServer) -> None:
    loop = _loop(httpserver)
    ret = _world(httpserver)
    _receive(ret, _graded("1042", "TEE-BLK-M", 1, ItemGrade(1, disposition="dispose", note="Torn")))
    assert return_platform_act(return_id=ret.pk).detail == "flag"
    (graded,) = [r["body"] for r in loop["grade"].requests]
    assert graded["items"] == [
        {
            "line_item_id": 7001,
            "description": "Graded at the warehouse",
            "condition_category": "grade_c",
            "note": "Torn",
        }
    ]
    (assessed,) = [r["body"] for r in loop["assess"].requests]
    assert [(i["line_item_id"], i["disposition_outcome"]) for i in assessed["items"]] == [
        (7001, "recycle"),
        (7002, "missing"),
    ]
    assert loop["grade"].requests[0]["headers"]["X-Authorization"] == "platform-secret-key-4321"
    assert (loop["flag"].count, loop["note"].count, loop["process"].count) == (1, 1, 0)
    assert ApiCall.objects.filter(operation="return_items_assess:1", return_obj=ret).count() == 1


def test_a_403_is_shown_and_the_return_is_processed_all_the_same(httpserver: HTTPServer) -> None:
    refused = json_response({"error": {"code": "403", "message": "Forbidden"}}, status=403)
    loop = _loop(httpserver, grade=refused)
    ret = _world(httpserver)
    _receive(ret, _graded("1042", "TEE-BLK-M", 2, ItemGrade(2, "good", "restocked")))
    assert return_platform_act(return_id=ret.pk).detail == "process"
    assert (loop["grade"].count, loop["assess"].count, loop["process"].count) == (1, 0, 1)
    message = Return.objects.get(pk=ret.pk).timeline.get(kind="platform_grades_not_sent").message
    assert message.startswith("Grades not sent to Loop: Loop refused to grade the items (loop answered 403: Forbidden)")
    assert "Loop may need to enable grading and dispositions for this store" in message
    assert Connection.objects.get(pk=ret.connection_id).status != Connection.Status.CREDENTIALS_REJECTED
    (line,) = ReturnLine.objects.filter(return_obj=ret)
    assert all("403" in unit["platform"]["error"] for unit in line.grades)


def test_a_5xx_on_assess_is_retried_and_the_grade_is_not_sent_again(httpserver: HTTPServer) -> None:
    down = json_response({"message": "Service unavailable"}, status=503)
    loop = _loop(httpserver, assess=Recorder(down, json_response({"items": []})))
    ret = _world(httpserver)
    _receive(ret, _graded("1042", "TEE-BLK-M", 2, ItemGrade(2, "good", "restocked")))
    first = return_platform_act(return_id=ret.pk)
    assert first.action == "retry"
    assert return_platform_act(return_id=ret.pk, retries=1).detail == "process"
    assert (loop["grade"].count, loop["assess"].count, loop["process"].count) == (1, 2, 1)


def test_redo_has_no_grading_api_so_the_grades_go_in_one_comment(httpserver: HTTPServer) -> None:
    comments = Recorder(json_response({"comment": {"id": "c1"}}, status=201))
    process = Recorder(json_response({"message": "Processing triggered successfully"}))
    httpserver.expect_request("/returns/880011/comments", method="POST").respond_with_handler(comments)
    httpserver.expect_request("/returns/880011/process", method="POST").respond_with_handler(process)
    ret = _world(httpserver, platform="redo")
    ReturnLine.objects.filter(return_obj=ret).update(external_line_ids=["item-TEE-BLK-M"])
    photo = "https://cdn.example.com/1.jpg"
    _receive(
        ret,
        _graded(
            "1042",
            "TEE-BLK-M",
            2,
            ItemGrade(1, disposition="returned_to_inventory"),
            ItemGrade(1, disposition="dispose", note="Torn seam", images=(photo,)),
        ),
    )
    assert return_platform_act(return_id=ret.pk).detail == "process"
    assert return_platform_act(return_id=ret.pk).detail == "nothing to do"
    (comment,) = [r["body"]["comment"]["message"] for r in comments.requests]
    assert comment == (
        "Backhaul: graded at the warehouse: TEE-BLK-M: 1 × returned_to_inventory → back to stock; "
        f"1 × dispose → recycled: Torn seam (photo {photo})"
    )
    assert process.count == 1
    assert Return.objects.get(pk=ret.pk).timeline.get(kind="platform_grades_sent").message == (
        "Warehouse grades sent to Redo: 2 items written in a note (1 back to stock, 1 recycled)"
    )


def test_a_grade_batch_a_dead_worker_left_in_flight_is_not_sent_again(httpserver: HTTPServer) -> None:
    loop = _loop(httpserver)
    ret = _world(httpserver)
    _receive(ret, _graded("1042", "TEE-BLK-M", 2, ItemGrade(2, disposition="returned_to_inventory")))
    # The worker died waiting for Loop's answer to the first grade batch: it may have landed.
    Return.objects.filter(pk=ret.pk).update(platform_action_sending="return_items_grade:1")
    assert return_platform_act(return_id=ret.pk).detail == "permanent error"
    assert (loop["grade"].count, loop["assess"].count, loop["process"].count) == (0, 0, 0)
    failed = Return.objects.get(pk=ret.pk).timeline.get(kind="platform_action_failed").message
    assert "waiting for the platform's answer to return items grade:1" in failed
    assert "it is not sent again (never twice)" in failed
