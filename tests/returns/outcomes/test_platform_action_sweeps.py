"""Platform actions after a crash: the due marker and its sweep (PLATFORM_ACTION_SWEEP_GRACE_SECONDS), and the
in-flight marker that keeps a call whose answer a dead worker never saw from being sent twice."""

import datetime as dt
from typing import Any
from unittest import mock

import pytest
from django.utils import timezone
from pytest_httpserver import HTTPServer

from integrations.models import ApiCall, Connection
from returns.models import Return
from returns.services.platform_action_sweeps import platform_actions_sweep_due, return_platform_act_attempt
from returns.services.platform_actions import return_platform_act
from returns.services.warehouse_events import rma_apply_warehouse_event
from tests.returns.outcomes.conftest import make_world, received_event
from tests.returns.rmas.conftest import Recorder, json_response

pytestmark = pytest.mark.django_db
GRACE = 120
PROCESS = "/warehouse/return/880011/process"
FLAG = "/warehouse/return/880011/flag"
NOTE = "/warehouse/return/880011/note"


@pytest.fixture
def swept(settings: Any) -> Any:
    settings.PLATFORM_ACTION_SWEEP_GRACE_SECONDS = GRACE
    with mock.patch("returns.tasks.return_platform_act.delay") as publish:
        yield publish


def _queued(httpserver: HTTPServer, received: int = 2) -> Return:
    ret, (rma,) = make_world(httpserver)
    with mock.patch("returns.services.outcomes._publish"):  # the task is lost: nobody runs it
        rma_apply_warehouse_event(
            connection=rma.warehouse_connection, event=received_event("1042", {"TEE-BLK-M": received}), webhook_id=None
        )
    ret.refresh_from_db()
    assert ret.platform_action in ("process_queued", "flag_queued")
    return ret


def _sweep(swept: mock.Mock, now: dt.datetime) -> list[int]:
    swept.reset_mock()
    platform_actions_sweep_due(now=now)
    return [call.args[0] for call in swept.call_args_list]


def test_a_queued_action_whose_task_was_lost_is_republished_after_the_grace(
    httpserver: HTTPServer, swept: mock.Mock
) -> None:
    """Before, only reconciliation (every 15 minutes) re-published it."""
    ret = _queued(httpserver)
    decided = ret.updated_at
    assert _sweep(swept, decided + dt.timedelta(seconds=GRACE - 5)) == []
    later = decided + dt.timedelta(seconds=GRACE + 1)
    assert _sweep(swept, later) == [ret.pk]
    assert _sweep(swept, later + dt.timedelta(seconds=60)) == []  # once per grace period
    assert _sweep(swept, later + dt.timedelta(seconds=GRACE + 1)) == [ret.pk]


def test_a_try_and_a_retry_move_the_due_marker(httpserver: HTTPServer, swept: mock.Mock, settings: Any) -> None:
    settings.RMA_PUSH_BACKOFF_SECONDS = 600
    httpserver.expect_request(PROCESS, method="POST").respond_with_handler(
        Recorder(json_response({"message": "down"}, status=503))
    )
    ret = _queued(httpserver)
    before = timezone.now()
    outcome = return_platform_act_attempt(return_id=ret.pk)
    assert outcome.action == "retry"
    ret.refresh_from_db()
    assert ret.platform_action_due_at >= before + dt.timedelta(seconds=outcome.countdown - 1)
    assert ret.platform_action_sending == ""  # the answer came back: nothing in doubt
    assert _sweep(swept, ret.platform_action_due_at + dt.timedelta(seconds=GRACE - 5)) == []
    assert _sweep(swept, ret.platform_action_due_at + dt.timedelta(seconds=GRACE + 1)) == [ret.pk]


@pytest.mark.parametrize("retry_after", ["9" * 5000, "Fri, 31 Dec 9999 23:59:59 GMT"], ids=["seconds", "http-date"])
def test_a_platform_told_to_wait_for_ever_is_tried_again_within_the_cap(
    httpserver: HTTPServer, swept: mock.Mock, settings: Any, retry_after: str
) -> None:
    """Below the broker's visibility timeout (issue 22): a longer countdown would send the action twice."""
    httpserver.expect_request(PROCESS, method="POST").respond_with_handler(
        Recorder(json_response({"message": "slow down"}, status=429, headers={"Retry-After": retry_after}))
    )
    ret = _queued(httpserver)
    before = timezone.now()
    outcome = return_platform_act_attempt(return_id=ret.pk)
    assert (outcome.action, outcome.countdown) == ("retry", settings.CELERY_MAX_COUNTDOWN_SECONDS)
    ret.refresh_from_db()
    assert 0 <= (ret.platform_action_due_at - before).total_seconds() - settings.CELERY_MAX_COUNTDOWN_SECONDS < 5


def test_done_actions_and_actions_of_a_connection_that_is_not_active_are_not_swept(
    httpserver: HTTPServer, swept: mock.Mock
) -> None:
    ret = _queued(httpserver)
    later = ret.updated_at + dt.timedelta(seconds=GRACE + 1)
    Connection.objects.filter(pk=ret.connection_id).update(status=Connection.Status.CREDENTIALS_REJECTED)
    assert _sweep(swept, later) == []
    Connection.objects.filter(pk=ret.connection_id).update(status=Connection.Status.ACTIVE)
    Return.objects.filter(pk=ret.pk).update(platform_action=Return.PlatformActionStatus.PROCESSED)
    assert _sweep(swept, later) == []


def test_a_call_a_dead_worker_left_in_flight_is_not_sent_again(httpserver: HTTPServer) -> None:
    """The worker committed "return_process" as sending and was killed before the answer: the next holder
    of the lease does not send it again; support is told to check the return on the platform."""
    process = Recorder(json_response(True))
    httpserver.expect_request(PROCESS, method="POST").respond_with_handler(process)
    ret = _queued(httpserver)
    Return.objects.filter(pk=ret.pk).update(platform_action_sending="return_process")

    assert return_platform_act(return_id=ret.pk).detail == "permanent error"
    assert process.count == 0
    ret.refresh_from_db()
    assert (ret.platform_action, ret.platform_action_sending) == ("failed", "")
    message = ret.timeline.get(kind="platform_action_failed").message
    assert "may have been applied; it is not sent again (never twice)" in message
    assert "check the return on the platform" in message


@pytest.mark.parametrize(
    ("marker", "detail", "sent", "action"),
    [
        # The note was in flight when the worker died: it may have landed, so it is not sent again.
        ("return_note", "permanent error", (0, 0), "failed"),
        # The marker was left for the flag, whose answer was logged: the note was never sent, so it is.
        ("return_flag", "flag", (0, 1), "flag"),
    ],
    ids=["note in flight", "stale marker of the logged flag"],
)
def test_flag_then_note_after_a_dead_worker_whose_flag_answer_was_logged(
    httpserver: HTTPServer, marker: str, detail: str, sent: tuple[int, int], action: str
) -> None:
    """The flag's answer was logged before the crash, so a rerun skips it; the in-flight marker decides the note."""
    flag, note = Recorder(json_response(True)), Recorder(json_response({"note": {"content": "ok"}}))
    httpserver.expect_request(FLAG, method="POST").respond_with_handler(flag)
    httpserver.expect_request(NOTE, method="POST").respond_with_handler(note)
    ret = _queued(httpserver, received=1)
    ApiCall.objects.create(
        connection_id=ret.connection_id,
        return_obj_id=ret.pk,
        provider="loop",
        operation="return_flag",
        method="POST",
        url=httpserver.url_for(FLAG),
        status_code=200,
    )
    Return.objects.filter(pk=ret.pk).update(platform_action_sending=marker)
    assert return_platform_act(return_id=ret.pk).detail == detail
    assert (flag.count, note.count) == sent
    ret.refresh_from_db()
    assert (ret.platform_action, ret.platform_action_sending) == (action, "")
