"""The full loop on a real Celery worker and local HTTP fakes of Loop and ShipMonk, and for ShipBob against the
sandbox fakes of ShipBob, Loop and Redo served by the live server.

Loop return.created → ShipMonk RMA → ShipMonk `returned` → Loop process (once); a short receipt
flags with a note instead; with the warehouse webhook dropped, one reconciliation run finds the
receipt and the same outcome follows. A return from Loop or Redo → a ShipBob return at its fake →
received through the sandbox control → the platform processes (or flags) it.
"""

import json
import time
from typing import Any

import pytest
import requests
from django.db import OperationalError
from django.test import Client
from django.utils import timezone
from pytest_httpserver import HTTPServer

from integrations.models import ApiCall, Connection
from integrations.sandbox.models import SandboxAccount, SandboxPlatformCall, SandboxReturn
from integrations.sandbox.services import sandbox_new_return_send
from integrations.services.stores import store_create
from integrations.wizard import services as wizard
from returns import tasks
from returns.models import RMA, Return
from tests.conftest import TaskRuns, load_fixture, running_worker, wait_for
from tests.integrations.webhooks.signing import signed_headers
from tests.returns.outcomes.conftest import make_platform
from tests.returns.rmas.conftest import Recorder, json_response, make_location, make_store, make_warehouse, shipmonk_ok

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
LOOP_RETURN = "/warehouse/return/880011"


@pytest.fixture(autouse=True)
def _fast(settings: Any) -> None:
    from django.core.cache import cache

    from integrations import ratelimit

    settings.RMA_PUSH_BACKOFF_SECONDS = 0.05
    settings.RMA_PUSH_MAX_RETRIES = 3
    settings.PROVIDER_READ_TIMEOUT = 3.0
    cache.clear()
    ratelimit._limiter().storage.reset()


@pytest.fixture
def celery_worker() -> Any:
    """One worker thread: in-memory SQLite refuses concurrent writers outright."""
    with running_worker(concurrency=1) as worker:
        yield worker


class World:
    def __init__(self, httpserver: HTTPServer) -> None:
        self.store = make_store()
        self.loop = make_platform(self.store, httpserver)
        self.shipmonk = make_warehouse(self.store, httpserver, provider="shipmonk")
        make_location(self.store, self.shipmonk, name="Ontario", wms_warehouse_code="CA1", is_default=True)
        self.rma_create = Recorder(shipmonk_ok(5501))
        httpserver.expect_request("/v1/integrations/returns", method="POST").respond_with_handler(self.rma_create)
        self.listed: list[dict[str, Any]] = []
        httpserver.expect_request("/v1/integrations/returns-list").respond_with_handler(
            lambda request: json_response({"status": 200, "data": {"returns_list": self.listed}})
        )
        self.loop_calls = {name: Recorder(json_response(True)) for name in ("process", "flag", "note")}
        for name, recorder in self.loop_calls.items():
            httpserver.expect_request(f"{LOOP_RETURN}/{name}", method="POST").respond_with_handler(recorder)
        # ShipMonk's final disposition per receipt is graded in Loop before the outcome (Dispositioning API).
        self.grading = {step: Recorder(json_response({"items": []})) for step in ("grade", "assess")}
        for step, recorder in self.grading.items():
            httpserver.expect_request(f"/dispositioning/{step}", method="POST").respond_with_handler(recorder)

    def post(self, connection: Connection, body: bytes) -> int:
        client = Client()
        for _ in range(50):
            try:
                response = client.generic(
                    "POST",
                    connection.webhook_path,
                    data=body,
                    content_type="application/json",
                    headers=signed_headers(connection, body),
                )
                return response.status_code
            except OperationalError:  # in-memory SQLite: the worker holds the write lock this instant
                time.sleep(0.1)
        raise AssertionError("database stayed locked")

    def counts(self) -> dict[str, int]:
        return {name: r.count for name, r in self.loop_calls.items()}


def _quiet(query: Any) -> Any:
    try:
        return query()
    except OperationalError:
        return None


def _returned_body(rma: RMA, received: int) -> bytes:
    body = json.loads(load_fixture("shipmonk", "return_status_returned"))
    body["rma"] = rma.number
    item = body["items"][0]
    item["expected_quantity"] = 2
    item["received_quantity"] = received
    item["receiving_details"][0]["received_quantity"] = received
    return json.dumps(body).encode()


def _rma_submitted(world: World) -> RMA:
    assert world.post(world.loop, load_fixture("loop", "return_created")) == 202
    return wait_for(
        lambda: _quiet(lambda: RMA.objects.filter(store=world.store, status="submitted").first()), interval=0.2
    )


def _action(world: World, expected: str) -> Return:
    return wait_for(
        lambda: _quiet(lambda: Return.objects.filter(store=world.store, platform_action=expected).first()),
        interval=0.2,
    )


def test_full_receipt_processes_in_loop_exactly_once(
    httpserver: HTTPServer, celery_worker: Any, task_runs: TaskRuns
) -> None:
    world = World(httpserver)
    rma = _rma_submitted(world)
    assert world.rma_create.requests[0]["body"]["rma"] == rma.number
    body = _returned_body(rma, received=2)
    assert world.post(world.shipmonk, body) == 202
    ret = _action(world, "process")
    # ShipMonk redelivers the same webhook: a duplicate, no second call.
    assert world.post(world.shipmonk, body) == 200
    task_runs.wait_idle()  # every task the test set off has run
    assert [retval for _args, _state, retval in task_runs.runs("return_platform_act")] == ["process"]
    assert world.counts() == {"process": 1, "flag": 0, "note": 0}
    assert {step: r.count for step, r in world.grading.items()} == {"grade": 1, "assess": 1}
    graded = world.grading["grade"].requests[0]["body"]["items"]
    assert [(i["line_item_id"], i["condition_category"]) for i in graded] == [(7001, "grade_a"), (7002, "grade_a")]
    kinds = list(ret.timeline.order_by("id").values_list("kind", flat=True))
    # The redelivery says on the timeline why it changed nothing, once the original was processed.
    expected = [
        "rma_status_changed",
        "platform_action_queued",
        "platform_grades_sent",
        "platform_processed",
        "duplicate_event_ignored",
    ]
    assert kinds[-5:] == expected


def test_short_receipt_flags_with_a_note_and_never_processes(httpserver: HTTPServer, celery_worker: Any) -> None:
    world = World(httpserver)
    rma = _rma_submitted(world)
    assert world.post(world.shipmonk, _returned_body(rma, received=1)) == 202
    _action(world, "flag")
    assert world.counts() == {"process": 0, "flag": 1, "note": 1}
    note = world.loop_calls["note"].requests[0]["body"]["content"]
    assert note.startswith(f"Backhaul: Short receipt: RMA {rma.number} at CA1: 1 of 2 × TEE-BLK-M")


@pytest.mark.parametrize(("received", "action", "calls"), [(2, "process", {"process": 1}), (1, "flag", {"flag": 1})])
def test_a_dropped_warehouse_webhook_is_recovered_by_one_reconciliation_run(
    httpserver: HTTPServer, celery_worker: Any, received: int, action: str, calls: dict[str, int]
) -> None:
    world = World(httpserver)
    rma = _rma_submitted(world)
    # ShipMonk received the parcel, but its webhook never reached us: only the list shows it.
    row = json.loads(_returned_body(rma, received=received))
    world.listed.append({**row, "updated_at": timezone.now().isoformat()})
    tasks.connection_reconcile.delay(world.shipmonk.pk)
    ret = _action(world, action)
    assert {k: v for k, v in world.counts().items() if k in calls} == calls
    assert world.counts()["process"] == (1 if action == "process" else 0)
    assert ret.timeline.filter(kind="rma_received", message__endswith="(found by reconciliation)").exists()


# -- ShipBob, direct, against its sandbox fake -------------------------------------------------------


def _shipbob_store(platform: str) -> tuple[Any, SandboxAccount, SandboxAccount]:
    """A store set up as the wizard sets it up: the platform's sandbox, ShipBob's sandbox, a default location
    linked to the first fulfillment center, both connections checked, then live."""
    store = store_create(name=f"ShipBob Tees {platform}")
    platform_connection = wizard.returns_platform_save(
        store=store, provider=platform, credentials={}, sandbox=True
    ).connection
    assert wizard.connection_verify(connection=platform_connection).ok
    shipbob = wizard.warehouse_system_save(store=store, kind="shipbob", credentials={}, sandbox=True).connection
    fetched = wizard.warehouses_fetch(connection=shipbob, refresh=True)
    assert fetched.ok, fetched.message
    wizard.location_save(
        store=store,
        location=None,
        data={"name": "Main"},
        warehouse=fetched.warehouses[0],
        connection=shipbob,
        is_default=True,
    )
    wizard.store_go_live(store=store)
    accounts = SandboxAccount.objects.filter(connection__store=store)
    return store, accounts.get(provider=platform), accounts.get(provider="shipbob")


@pytest.mark.parametrize("platform", ["loop", "redo"])
@pytest.mark.parametrize(
    ("mode", "actions", "action"),
    [
        # ShipBob's action taken per unit is graded first: Loop's grade and assess, a comment on Redo.
        ("fully_received", {"loop": ["assess", "grade", "process"], "redo": ["comment", "process"]}, "process"),
        (
            "damaged",
            {"loop": ["assess", "flag", "grade", "note"], "redo": ["comment", "comment", "status:flagged"]},
            "flag",
        ),
    ],
)
def test_shipbob_receives_at_its_sandbox_and_the_platform_is_told(
    platform: str,
    mode: str,
    actions: dict[str, list[str]],
    action: str,
    live_server: Any,
    celery_worker: Any,
    settings: Any,
) -> None:
    """A return from the platform becomes a ShipBob return at the fake (over HTTP, channel header and all); the
    sandbox's receive control completes it; ShipBob's signed return.completed (no SKUs in it) is completed from
    GET /return/{id}, and the outcome reaches the platform's sandbox once."""
    settings.PUBLIC_BASE_URL = live_server.url
    store, platform_account, shipbob = _shipbob_store(platform)
    lines = [{"sku": "TEE-BLK-M", "quantity": 2, "reason": "Too small", "parent_reason": "Fit"}]
    sandbox_new_return_send(
        account=platform_account, return_id="880011", order_name="#1042", lines=lines, tracking="9400111", test=False
    )
    held = wait_for(
        lambda: _quiet(lambda: SandboxReturn.objects.filter(account=shipbob).first()), timeout=60, interval=0.2
    )
    rma = wait_for(lambda: _quiet(lambda: RMA.objects.filter(store=store, status="submitted").first()), timeout=60)
    assert (held.rma_number, held.warehouse, [(i["sku"], i["quantity"]) for i in held.items]) == (
        rma.number,
        "1",
        [("TEE-BLK-M", 2)],
    )
    assert rma.external_id == held.external_id
    assert held.request_body["original_shipment_id"] > 0  # the order lookup found the shipment

    answer = requests.post(
        f"{live_server.url}{shipbob.base_path}_control/receive", json={"rma": rma.number, "mode": mode}, timeout=30
    )
    assert answer.json() == {"rma": rma.number, "status": "completed"}

    def told() -> list[str]:
        calls = SandboxPlatformCall.objects.filter(account=platform_account)
        return sorted(calls.values_list("action", flat=True)) if calls.count() >= len(actions[platform]) else []

    assert wait_for(lambda: _quiet(told), timeout=60, interval=0.2) == actions[platform]
    rma.refresh_from_db()
    outcome = "fully_received" if mode == "fully_received" else "damaged"
    assert (rma.status, rma.outcome, rma.warehouse_status) == ("received", outcome, "Completed")
    line = rma.lines.get()
    assert line.received_quantity == 2
    assert line.restocked_quantity == (2 if mode == "fully_received" else 0)
    # The webhook carried no SKUs: the quantities came from ShipBob's API, read outside any transaction.
    assert ApiCall.objects.filter(connection__provider="shipbob", operation="rma_get", status_code=200).exists()
    # The action's own record follows its last call to the platform.
    wait_for(lambda: _quiet(lambda: Return.objects.filter(store=store, platform_action=action).exists()), timeout=30)
