"""Warehouse outcome → Loop: every default mapping, error-with-200, retries, idempotency, split returns."""

from typing import Any
from unittest import mock

import pytest
from pytest_httpserver import HTTPServer

from integrations.models import ApiCall, Store
from returns.models import Return, StatusMapping
from returns.services.outcomes import return_outcome_evaluate
from returns.services.platform_actions import return_platform_act
from returns.services.status_mappings import status_mappings_ensure
from returns.services.warehouse_events import rma_apply_warehouse_event
from returns.warehouse_outcomes import DEFAULT_STATUS_MAPPINGS
from tests.returns.outcomes.conftest import cancelled_event, make_world, received_event
from tests.returns.rmas.conftest import Recorder, json_response

pytestmark = pytest.mark.django_db
PROCESS = "/warehouse/return/880011/process"
FLAG = "/warehouse/return/880011/flag"
NOTE = "/warehouse/return/880011/note"


def _loop(httpserver: HTTPServer, *, process: Any = None, flag: Any = None, note: Any = None) -> dict[str, Recorder]:
    true = json_response(True)
    recorders = {
        "process": Recorder(process or true),
        "flag": Recorder(flag or true),
        "note": Recorder(note or json_response({"note": {"content": "ok"}})),
    }
    httpserver.expect_request(PROCESS, method="POST").respond_with_handler(recorders["process"])
    httpserver.expect_request(FLAG, method="POST").respond_with_handler(recorders["flag"])
    httpserver.expect_request(NOTE, method="POST").respond_with_handler(recorders["note"])
    return recorders


def _receive(ret: Return, number: str, received: dict[str, int], **kwargs: Any) -> None:
    rma = ret.rmas.get(number=number)
    with mock.patch("returns.services.outcomes._publish") as publish:
        rma_apply_warehouse_event(
            connection=rma.warehouse_connection, event=received_event(number, received, **kwargs), webhook_id=None
        )
    # The task would run after commit; the tests call the service directly instead.
    assert publish.call_count <= 1


def _calls(recorders: dict[str, Recorder]) -> dict[str, int]:
    return {name: r.count for name, r in recorders.items()}


def _kinds(ret: Return) -> list[str]:
    return list(ret.timeline.order_by("id").values_list("kind", flat=True))


def test_fully_received_processes_once(httpserver: HTTPServer) -> None:
    loop = _loop(httpserver)
    ret, _ = make_world(httpserver)
    _receive(ret, "1042", {"TEE-BLK-M": 2})
    ret.refresh_from_db()
    assert ret.platform_action == "process_queued"
    assert return_platform_act(return_id=ret.pk).detail == "process"
    assert return_platform_act(return_id=ret.pk).detail == "nothing to do"
    ret.refresh_from_db()
    assert (ret.platform_action, ret.platform_action_at is not None) == ("process", True)
    assert _calls(loop) == {"process": 1, "flag": 0, "note": 0}
    assert loop["process"].requests[0]["headers"]["X-Authorization"] == "platform-secret-key-4321"
    assert ret.timeline.get(kind="platform_processed").message == "Return processed in Loop"
    assert ApiCall.objects.get(operation="return_process").return_obj_id == ret.pk


@pytest.mark.parametrize(
    ("received", "damaged", "outcome", "words"),
    [
        ({"TEE-BLK-M": 1}, False, "short", "Short receipt: RMA 1042 at CA1: 1 of 2 × TEE-BLK-M"),
        ({"TEE-BLK-M": 3}, False, "excess", "More than expected arrived: RMA 1042 at CA1: 3 of 2"),
        ({"TEE-BLK-M": 2}, True, "damaged", "Damaged or not resellable: RMA 1042 at CA1: 2 of 2"),
    ],
)
def test_short_excess_and_damaged_flag_with_a_note_saying_what_arrived(
    httpserver: HTTPServer, received: dict[str, int], damaged: bool, outcome: str, words: str
) -> None:
    loop = _loop(httpserver)
    ret, _ = make_world(httpserver)
    _receive(ret, "1042", received, damaged=damaged)
    assert return_platform_act(return_id=ret.pk).detail == "flag"
    assert _calls(loop) == {"process": 0, "flag": 1, "note": 1}
    content = loop["note"].requests[0]["body"]["content"]
    assert content.startswith(f"Backhaul: {words}")
    assert len(content) < 255
    ret.refresh_from_db()
    assert ret.platform_action == "flag"
    assert ret.timeline.get(kind="platform_action_queued").data["outcome"] == outcome


def test_cancelled_at_the_warehouse_is_ignored(httpserver: HTTPServer) -> None:
    loop = _loop(httpserver)
    ret, (rma,) = make_world(httpserver)
    with mock.patch("returns.services.outcomes._publish") as publish:
        rma_apply_warehouse_event(connection=rma.warehouse_connection, event=cancelled_event("1042"), webhook_id=None)
    publish.assert_not_called()
    ret.refresh_from_db()
    assert ret.platform_action == "ignore"
    assert "nothing sent to Loop (status mapping: ignore)" in ret.timeline.get(kind="platform_action_ignored").message
    assert _calls(loop) == {"process": 0, "flag": 0, "note": 0}


def test_every_store_gets_every_default_and_edits_win(httpserver: HTTPServer) -> None:
    loop = _loop(httpserver)
    ret, _ = make_world(httpserver)
    rows = status_mappings_ensure(store_id=ret.store_id)
    assert {o: (m.action, m.note_template) for o, m in rows.items()} == DEFAULT_STATUS_MAPPINGS
    # Support edits the mapping in the admin: a short receipt is processed anyway.
    StatusMapping.objects.filter(store_id=ret.store_id, outcome="short").update(action="process")
    _receive(ret, "1042", {"TEE-BLK-M": 1})
    return_platform_act(return_id=ret.pk)
    assert _calls(loop) == {"process": 1, "flag": 0, "note": 0}


def test_a_note_template_with_odd_braces_is_used_as_written(httpserver: HTTPServer) -> None:
    loop = _loop(httpserver)
    ret, _ = make_world(httpserver)
    status_mappings_ensure(store_id=ret.store_id)
    StatusMapping.objects.filter(store_id=ret.store_id, outcome="short").update(note_template="Check {box}")
    _receive(ret, "1042", {"TEE-BLK-M": 1})
    return_platform_act(return_id=ret.pk)
    assert loop["note"].requests[0]["body"]["content"].startswith("Backhaul: Check {box} RMA 1042")


def test_loop_error_with_http_200_is_a_permanent_failure_for_support(httpserver: HTTPServer) -> None:
    refused = json_response({"errors": {"message": "Return is not processable", "code": "UNPROCESSABLE_RETURN"}})
    loop = _loop(httpserver, process=refused)
    ret, _ = make_world(httpserver)
    _receive(ret, "1042", {"TEE-BLK-M": 2})
    assert return_platform_act(return_id=ret.pk).detail == "permanent error"
    ret.refresh_from_db()
    assert ret.platform_action == "failed"
    entry = ret.timeline.get(kind="platform_action_failed")
    assert entry.level == "error"
    assert "Return is not processable (UNPROCESSABLE_RETURN)" in entry.message
    call = ApiCall.objects.get(operation="return_process")
    assert (call.status_code, call.error_class, call.succeeded) == (200, "ProviderRejected", False)
    assert entry.api_call_id == call.pk
    assert return_platform_act(return_id=ret.pk).detail == "nothing to do"
    assert loop["process"].count == 1


def test_loop_bare_message_with_200_is_an_error_too(httpserver: HTTPServer) -> None:
    _loop(httpserver, flag=json_response({"message": "Return already closed"}))
    ret, _ = make_world(httpserver)
    _receive(ret, "1042", {"TEE-BLK-M": 1})
    return_platform_act(return_id=ret.pk)
    ret.refresh_from_db()
    assert ret.platform_action == "failed"
    assert "Return already closed" in ret.timeline.get(kind="platform_action_failed").message


def test_transient_errors_retry_and_a_rerun_does_not_flag_twice(httpserver: HTTPServer) -> None:
    loop = _loop(httpserver, note=json_response({"message": "down"}, 503))
    ret, _ = make_world(httpserver)
    _receive(ret, "1042", {"TEE-BLK-M": 1})
    first = return_platform_act(return_id=ret.pk)
    assert (first.action, first.countdown > 0) == ("retry", True)
    loop["note"].responses = [json_response({"note": {}})]
    assert return_platform_act(return_id=ret.pk, retries=1).detail == "flag"
    # The flag succeeded on the first run: the rerun only sent the note.
    assert _calls(loop) == {"process": 0, "flag": 1, "note": 2}


def test_transient_errors_on_the_final_attempt_mark_the_return_failed(httpserver: HTTPServer) -> None:
    _loop(httpserver, process=json_response({"message": "down"}, 502))
    ret, _ = make_world(httpserver)
    _receive(ret, "1042", {"TEE-BLK-M": 2})
    assert return_platform_act(return_id=ret.pk, final_attempt=True).detail == "failed"
    ret.refresh_from_db()
    assert ret.platform_action == "failed"
    assert "gave up" in ret.timeline.get(kind="platform_action_failed").message


def test_a_redelivered_warehouse_event_decides_nothing_new(httpserver: HTTPServer) -> None:
    loop = _loop(httpserver)
    ret, _ = make_world(httpserver)
    _receive(ret, "1042", {"TEE-BLK-M": 2})
    return_platform_act(return_id=ret.pk)
    _receive(ret, "1042", {"TEE-BLK-M": 2})
    assert return_outcome_evaluate(return_id=ret.pk) == "already process"
    assert _kinds(ret).count("platform_action_queued") == 1
    assert _calls(loop)["process"] == 1


def test_a_return_split_over_two_rmas_is_processed_after_both(httpserver: HTTPServer) -> None:
    loop = _loop(httpserver)
    ret, _ = make_world(httpserver, rmas=(("1042", {"TEE-BLK-M": 1}), ("1042_01", {"CAP-RED": 1})))
    _receive(ret, "1042", {"TEE-BLK-M": 1})
    ret.refresh_from_db()
    assert ret.platform_action == ""
    assert ret.timeline.get(kind="platform_action_waiting").message == "Waiting for RMA 1042_01 before telling Loop"
    assert return_platform_act(return_id=ret.pk).detail == "nothing to do"
    _receive(ret, "1042_01", {"CAP-RED": 1})
    assert return_platform_act(return_id=ret.pk).detail == "process"
    assert _calls(loop)["process"] == 1


def test_one_rma_cancelled_and_one_received_is_short(httpserver: HTTPServer) -> None:
    loop = _loop(httpserver)
    ret, (_, second) = make_world(httpserver, rmas=(("1042", {"TEE-BLK-M": 1}), ("1042_01", {"CAP-RED": 1})))
    _receive(ret, "1042", {"TEE-BLK-M": 1})
    with mock.patch("returns.services.outcomes._publish"):
        rma_apply_warehouse_event(
            connection=second.warehouse_connection, event=cancelled_event("1042_01"), webhook_id=None
        )
    return_platform_act(return_id=ret.pk)
    assert _calls(loop) == {"process": 0, "flag": 1, "note": 1}
    assert "RMA 1042_01 cancelled" in loop["note"].requests[0]["body"]["content"]


def test_automatic_mode_records_only(httpserver: HTTPServer) -> None:
    loop = _loop(httpserver)
    ret, _ = make_world(httpserver, mode=Store.ProcessingMode.AUTOMATIC)
    _receive(ret, "1042", {"TEE-BLK-M": 1})
    ret.refresh_from_db()
    assert ret.platform_action == "recorded"
    message = ret.timeline.get(kind="platform_outcome_recorded").message
    assert message.startswith("Automatic mode: Loop processes on its own; warehouse outcome recorded")
    assert return_platform_act(return_id=ret.pk).detail == "nothing to do"
    assert _calls(loop) == {"process": 0, "flag": 0, "note": 0}


def test_a_test_return_never_reaches_a_live_platform(httpserver: HTTPServer) -> None:
    ret, _ = make_world(httpserver)
    ret.connection.base_url = "https://api.loopreturns.com/api/v1"
    ret.connection.save()
    Return.objects.filter(pk=ret.pk).update(is_test=True)
    _receive(ret, "1042", {"TEE-BLK-M": 2})
    assert return_platform_act(return_id=ret.pk).detail == "test data blocked"
    assert ApiCall.objects.count() == 0
