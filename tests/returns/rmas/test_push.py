"""The push service against a local ShipMonk: success, taxonomy, retries, ambiguity, leases, breaker, guards."""

import json
import time
from typing import Any
from unittest import mock

import pytest
from django.utils import timezone
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from config.leases import lease_acquire
from integrations.models import ApiCall, Connection
from integrations.services.connections import connection_reset_breaker
from returns.models import RMA
from returns.retry_policy import push_countdown
from returns.services.planning import rmas_plan
from returns.services.rmas.push import rma_push
from tests.returns.rmas.conftest import (
    Recorder,
    json_response,
    make_location,
    make_return,
    make_store,
    make_warehouse,
    shipmonk_ok,
)

RMA_TASK_PUBLISH = "returns.services.rmas.publishing.rma_task_publish"

pytestmark = pytest.mark.django_db
RETURNS = "/v1/integrations/returns"
# What a provider may send: seconds past any real wait (too many digits for int() at once), or a date in 9999.
HUGE_RETRY_AFTER = ["9" * 5000, "Fri, 31 Dec 9999 23:59:59 GMT"]


@pytest.fixture
def publish() -> Any:
    with mock.patch(RMA_TASK_PUBLISH) as publish:
        yield publish


@pytest.fixture
def world(httpserver: HTTPServer, publish: mock.Mock) -> dict[str, Any]:
    store = make_store(default_instructions="Check tags are attached.")
    conn = make_warehouse(store, httpserver)
    make_location(store, conn, name="Ontario", wms_warehouse_code="CA1", is_default=True, destinations={"loop": "d1"})
    ret = make_return(
        store,
        destination_id="d1",
        external_id="880011",
        provider_order_id="5550001112",
        lines=[{"sku": "TEE-BLK-M", "quantity": 2, "reason": "Too small", "parent_reason": "Fit"}],
    )
    (rma,) = rmas_plan(return_obj=ret)
    return {"store": store, "conn": conn, "ret": ret, "rma": rma}


def expect_create(httpserver: HTTPServer, *responses: Response, lookup: bool = True) -> Recorder:
    """A scripted create endpoint, and (unless told otherwise) a returns-list that finds nothing."""
    recorder = Recorder(*responses)
    httpserver.expect_request(RETURNS, method="POST").respond_with_handler(recorder)
    if lookup:
        httpserver.expect_request("/v1/integrations/returns-list").respond_with_json(
            {"status": 200, "data": {"returns_list": []}}
        )
    return recorder


def test_success_marks_submitted_with_timeline_and_redacted_api_call(httpserver: HTTPServer, world: dict) -> None:
    create = expect_create(httpserver, shipmonk_ok(777))
    outcome = rma_push(rma_id=world["rma"].pk)
    rma = RMA.objects.get(pk=world["rma"].pk)
    assert (outcome.action, rma.status, rma.external_id, rma.attempts) == ("done", "submitted", "777", 1)
    assert create.count == 1
    assert create.requests[0]["headers"]["Idempotency-Key"] == rma.idempotency_key
    event = rma.timeline.get(kind="rma_submitted")
    assert event.message == "ShipMonk RMA 1042 created at CA1"
    assert event.data["external_id"] == "777"
    call = ApiCall.objects.get(pk=event.api_call_id)
    assert (call.rma_id, call.return_obj_id, call.status_code) == (rma.pk, rma.return_obj_id, 200)
    assert call.operation == "rma_create"
    assert call.request_headers["Api-Key"] == "[redacted]"
    assert "sm-secret-key-1234" not in json.dumps(list(ApiCall.objects.values()), default=str)
    assert json.loads(call.request_body)["rma"] == "1042"


def test_422_needs_attention_with_the_wms_message_and_no_retry(httpserver: HTTPServer, world: dict) -> None:
    create = expect_create(
        httpserver, json_response({"status": 422, "message": "Unknown SKU TEE-BLK-M in store 12345"}, 422)
    )
    outcome = rma_push(rma_id=world["rma"].pk)
    rma = RMA.objects.get(pk=world["rma"].pk)
    assert (outcome.action, rma.status, create.count) == ("done", "needs_attention", 1)
    assert "Unknown SKU TEE-BLK-M in store 12345" in rma.last_error
    assert "Unknown SKU TEE-BLK-M" in rma.timeline.get(kind="rma_rejected").message
    assert rma_push(rma_id=rma.pk).detail == "already needs_attention"
    assert create.count == 1


@pytest.mark.parametrize("status", [410, 501])
def test_410_and_501_are_configuration_errors(httpserver: HTTPServer, world: dict, status: int) -> None:
    create = expect_create(httpserver, json_response({"error": "not supported", "origin": "integration"}, status))
    outcome = rma_push(rma_id=world["rma"].pk)
    rma = RMA.objects.get(pk=world["rma"].pk)
    assert (outcome.retry, rma.status, create.count) == (False, "needs_attention", 1)
    assert f"answered {status}: not supported" in rma.last_error
    assert ApiCall.objects.get(operation="rma_create").error_class == "ProviderConfigurationError"


def test_503_is_retried_then_failed_with_traceback_on_the_last_attempt(httpserver: HTTPServer, world: dict) -> None:
    create = expect_create(httpserver, json_response({"message": "maintenance"}, 503))
    first = rma_push(rma_id=world["rma"].pk, retries=0)
    assert first.action == "retry"
    assert 0 < first.countdown <= 0.02
    assert RMA.objects.get(pk=world["rma"].pk).status == "pending"
    last = rma_push(rma_id=world["rma"].pk, retries=4, final_attempt=True)
    rma = RMA.objects.get(pk=world["rma"].pk)
    assert (last.action, rma.status, create.count) == ("done", "failed", 2)
    assert "Traceback" in rma.last_error
    assert "maintenance" in rma.timeline.get(kind="rma_failed").message


def test_429_waits_at_least_retry_after(httpserver: HTTPServer, world: dict) -> None:
    expect_create(httpserver, json_response({"message": "slow down"}, 429, {"Retry-After": "7"}))
    outcome = rma_push(rma_id=world["rma"].pk)
    assert outcome.action == "retry"
    assert outcome.countdown >= 7


@pytest.mark.parametrize("retry_after", HUGE_RETRY_AFTER, ids=["seconds", "http-date"])
def test_a_huge_retry_after_waits_the_cap_and_no_longer(
    httpserver: HTTPServer, world: dict, settings: Any, retry_after: str
) -> None:
    """Below the broker's visibility timeout (issue 22): a longer countdown would run the push twice."""
    expect_create(httpserver, json_response({"message": "slow down"}, 429, {"Retry-After": retry_after}))
    before = timezone.now()
    outcome = rma_push(rma_id=world["rma"].pk)
    assert (outcome.action, outcome.countdown) == ("retry", settings.CELERY_MAX_COUNTDOWN_SECONDS)
    due = RMA.objects.get(pk=world["rma"].pk).next_attempt_at - before
    assert 0 <= due.total_seconds() - settings.CELERY_MAX_COUNTDOWN_SECONDS < 5


def test_countdown_grows_with_jitter_and_is_capped(settings: Any) -> None:
    settings.RMA_PUSH_BACKOFF_SECONDS = 10
    waits = [push_countdown(retries=n) for n in range(4)]
    assert all(5 * 2**n <= w <= 10 * 2**n for n, w in enumerate(waits))
    assert push_countdown(retries=30) <= settings.CELERY_MAX_COUNTDOWN_SECONDS
    assert push_countdown(retries=0, retry_after=10**6) == settings.CELERY_MAX_COUNTDOWN_SECONDS


def test_ambiguous_timeout_is_resolved_by_lookup_not_a_second_create(
    httpserver: HTTPServer, world: dict, settings: Any
) -> None:
    settings.PROVIDER_READ_TIMEOUT = 0.3
    created: list[str] = []

    def slow_but_applied(request: Request) -> Response:
        created.append(json.loads(request.get_data())["rma"])
        time.sleep(0.6)
        return shipmonk_ok(888)

    create = expect_create(httpserver, slow_but_applied, lookup=False)

    def returns_list(request: Request) -> Response:
        rows = [{"id": 888, "rma": rma, "status": "status_created"} for rma in created if rma == request.args["rma"]]
        return json_response({"status": 200, "data": {"returns_list": rows}})

    httpserver.expect_request("/v1/integrations/returns-list").respond_with_handler(returns_list)
    first = rma_push(rma_id=world["rma"].pk)
    assert first.action == "retry"
    assert ApiCall.objects.get(operation="rma_create").error_class == "ProviderTimeout"
    time.sleep(0.4)
    second = rma_push(rma_id=world["rma"].pk, retries=1)
    rma = RMA.objects.get(pk=world["rma"].pk)
    assert (second.detail, rma.status, rma.external_id) == ("submitted", "submitted", "888")
    assert create.count == 1
    assert "found (already created)" in rma.timeline.get(kind="rma_submitted").message


def test_a_rerun_after_a_killed_worker_finds_the_rma_and_does_not_create_again(
    httpserver: HTTPServer, world: dict
) -> None:
    # The killed run had committed its attempt and its request reached ShipMonk, then the worker died.
    RMA.objects.filter(pk=world["rma"].pk).update(attempts=1)
    create = expect_create(httpserver, shipmonk_ok(), lookup=False)
    httpserver.expect_request("/v1/integrations/returns-list").respond_with_json(
        {"status": 200, "data": {"returns_list": [{"id": 901, "rma": "1042"}]}}
    )
    assert rma_push(rma_id=world["rma"].pk).detail == "submitted"
    assert create.count == 0
    assert RMA.objects.get(pk=world["rma"].pk).external_id == "901"


def test_running_the_task_twice_pushes_once(httpserver: HTTPServer, world: dict) -> None:
    create = expect_create(httpserver, shipmonk_ok())
    rma_push(rma_id=world["rma"].pk)
    assert rma_push(rma_id=world["rma"].pk).detail == "already submitted"
    assert create.count == 1


def test_a_held_lease_makes_the_push_wait_until_it_runs_out(httpserver: HTTPServer, world: dict) -> None:
    """A worker killed mid-push keeps its lease until the task time limit: later runs wait that
    long, also on their last retry (they used to give up there and leave the RMA for the sweeper)."""
    create = expect_create(httpserver, shipmonk_ok())
    with lease_acquire(key=f"rma:push:{world['rma'].pk}", seconds=60) as held:
        assert held.held
        outcome = rma_push(rma_id=world["rma"].pk)
        last = rma_push(rma_id=world["rma"].pk, final_attempt=True)
    assert (outcome.action, last.action, create.count) == ("busy", "busy", 0)
    assert 55 < outcome.countdown <= 60
    assert RMA.objects.get(pk=world["rma"].pk).attempts == 0  # waiting is not an attempt
    assert rma_push(rma_id=world["rma"].pk).detail == "submitted"  # released by its holder


def test_a_poison_rma_stops_after_the_attempt_budget(httpserver: HTTPServer, world: dict, settings: Any) -> None:
    create = expect_create(httpserver, shipmonk_ok())
    RMA.objects.filter(pk=world["rma"].pk).update(attempts=settings.RMA_PUSH_MAX_RETRIES + 1)
    assert rma_push(rma_id=world["rma"].pk).detail == "attempts exhausted"
    assert (RMA.objects.get(pk=world["rma"].pk).status, create.count) == ("failed", 0)


def test_test_returns_never_reach_a_live_wms(world: dict) -> None:
    RMA.objects.filter(pk=world["rma"].pk).update(is_test=True)
    Connection.objects.filter(pk=world["conn"].pk).update(base_url="https://api.shipmonk.com")
    rma_push(rma_id=world["rma"].pk)
    rma = RMA.objects.get(pk=world["rma"].pk)
    assert rma.status == "cancelled"
    assert "never sent to a live warehouse" in rma.last_error
    assert rma.timeline.get(kind="rma_test_planned").level == "info"
    assert not ApiCall.objects.exists()


def test_test_returns_reach_a_sandbox_connection_while_it_is_still_a_draft(httpserver: HTTPServer, world: dict) -> None:
    create = expect_create(httpserver, shipmonk_ok())
    RMA.objects.filter(pk=world["rma"].pk).update(is_test=True)
    Connection.objects.filter(pk=world["conn"].pk).update(status=Connection.Status.DRAFT)
    rma_push(rma_id=world["rma"].pk)
    assert (RMA.objects.get(pk=world["rma"].pk).status, create.count) == ("submitted", 1)


def test_live_returns_wait_for_a_draft_connection(httpserver: HTTPServer, world: dict) -> None:
    create = expect_create(httpserver, shipmonk_ok())
    Connection.objects.filter(pk=world["conn"].pk).update(status=Connection.Status.DRAFT)
    rma_push(rma_id=world["rma"].pk)
    rma = RMA.objects.get(pk=world["rma"].pk)
    assert (rma.status, create.count) == ("pending", 0)
    assert (
        rma.last_error
        == "Waiting: the connection to ShipMonk is not live yet. This RMA is sent once the store goes live."
    )


def test_test_returns_do_reach_a_sandbox_connection(httpserver: HTTPServer, world: dict) -> None:
    create = expect_create(httpserver, shipmonk_ok())
    RMA.objects.filter(pk=world["rma"].pk).update(is_test=True)
    rma_push(rma_id=world["rma"].pk)
    assert (RMA.objects.get(pk=world["rma"].pk).status, create.count) == ("submitted", 1)


def test_a_burst_stays_under_the_per_connection_limit(httpserver: HTTPServer, world: dict) -> None:
    Connection.objects.filter(pk=world["conn"].pk).update(options={"rate_limit": "3/second"})
    create = expect_create(httpserver, shipmonk_ok())
    rmas = [world["rma"]]
    for n in range(5):
        ret = make_return(world["store"], destination_id="d1", order_name=f"#20{n}", lines=[{"sku": "A"}])
        rmas.extend(rmas_plan(return_obj=ret))
    outcomes = [rma_push(rma_id=rma.pk) for rma in rmas]
    assert create.count == 3
    throttled = [o for o in outcomes if o.action == "retry"]
    assert len(throttled) == 3
    assert all(0 < o.countdown <= 1.0 for o in throttled)
    assert all(RMA.objects.get(pk=r.pk).attempts == 0 for r in rmas[3:])


def test_circuit_breaker_trips_pauses_pushes_and_resets(
    httpserver: HTTPServer, world: dict, settings: Any, publish: mock.Mock, django_capture_on_commit_callbacks: Any
) -> None:
    settings.CIRCUIT_BREAKER_THRESHOLD = 3
    create = expect_create(httpserver, json_response({"message": "down"}, 503))
    for _ in range(3):
        rma_push(rma_id=world["rma"].pk)
    conn = Connection.objects.get(pk=world["conn"].pk)
    assert (conn.status, conn.consecutive_failures) == ("failing", 3)
    assert conn.breaker_opened_at is not None
    assert "Circuit breaker open" in conn.health_message
    assert rma_push(rma_id=world["rma"].pk).detail == "connection failing"
    assert create.count == 3
    publish.reset_mock()
    with django_capture_on_commit_callbacks(execute=True):
        connection_reset_breaker(connection=conn)
    conn.refresh_from_db()
    assert (conn.status, conn.consecutive_failures, conn.breaker_opened_at) == ("active", 0, None)
    publish.assert_called_once_with("rma_push", world["rma"].pk)


def test_a_validation_error_does_not_count_towards_the_breaker(
    httpserver: HTTPServer, world: dict, settings: Any
) -> None:
    settings.CIRCUIT_BREAKER_THRESHOLD = 1
    expect_create(httpserver, json_response({"message": "bad sku"}, 422))
    rma_push(rma_id=world["rma"].pk)
    assert Connection.objects.get(pk=world["conn"].pk).status == "active"


@pytest.mark.parametrize(
    ("failures", "last_success_seconds_ago", "rewritten"),
    [(3, 5, True), (0, None, True), (0, 5, False), (0, 120, True)],
)
def test_a_success_rewrites_the_connection_row_only_when_something_changes(
    world: dict, failures: int, last_success_seconds_ago: int | None, rewritten: bool
) -> None:
    import datetime as dt

    from django.utils import timezone

    from integrations.circuit_breaker import BreakerGate

    last = None if last_success_seconds_ago is None else timezone.now() - dt.timedelta(seconds=last_success_seconds_ago)
    stamp = timezone.now() - dt.timedelta(days=1)
    Connection.objects.filter(pk=world["conn"].pk).update(
        consecutive_failures=failures, last_success_at=last, updated_at=stamp
    )
    BreakerGate(Connection.objects.get(pk=world["conn"].pk)).after_request(None)
    conn = Connection.objects.get(pk=world["conn"].pk)
    assert conn.consecutive_failures == 0
    assert (conn.updated_at != stamp) is rewritten


def test_a_push_reads_the_rma_once_with_its_relations(
    httpserver: HTTPServer, world: dict, django_assert_max_num_queries: Any
) -> None:
    # 22 before the RMA was read once with its relations, 18 before the success path wrote with
    # conditional updates and the create-call check joined the locked read (bench "cost growth");
    # 16 counts the first success of a connection, which records last_success_at, and the look for
    # a later RMA of the same order waiting for this one (RMAs reach the warehouse in number order);
    # 15 since the store's disposition rules are read only for an RMA with an instruction (issue 25).
    create = expect_create(httpserver, shipmonk_ok())
    with django_assert_max_num_queries(15):
        rma_push(rma_id=world["rma"].pk)
    assert (RMA.objects.get(pk=world["rma"].pk).status, create.count) == ("submitted", 1)


def test_an_rma_cancelled_while_its_create_is_in_flight_stays_cancelled_and_is_cancelled_at_the_wms(
    httpserver: HTTPServer, world: dict, publish: mock.Mock, django_capture_on_commit_callbacks: Any
) -> None:
    from returns.services.rmas import push as push_module

    create = expect_create(httpserver, shipmonk_ok(778))
    real = push_module.rma_payload_with_wms_order

    def cancel_then_continue(**kwargs: Any) -> Any:
        # Support cancels the RMA after the push read it as pending, before the WMS answers.
        RMA.objects.filter(pk=world["rma"].pk).update(status=RMA.Status.CANCELLED)
        return real(**kwargs)

    patched = mock.patch.object(push_module, "rma_payload_with_wms_order", side_effect=cancel_then_continue)
    with patched, django_capture_on_commit_callbacks(execute=True):
        rma_push(rma_id=world["rma"].pk)
    rma = RMA.objects.get(pk=world["rma"].pk)
    assert (rma.status, rma.external_id, create.count) == ("cancelled", "778", 1)
    assert rma.timeline.filter(kind="rma_submitted").count() == 1
    assert mock.call("rma_cancel_push", rma.pk) in publish.call_args_list
