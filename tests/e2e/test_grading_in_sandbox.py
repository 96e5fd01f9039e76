"""Issue 24 part 2 end to end, over real HTTP against the sandbox fakes of TrackStar and Loop.

A Loop return's RMA is pushed to the sandbox TrackStar; the warehouse receives and grades the parcel and says so in
a signed return.updated webhook with receiving_details (condition, disposition) that reaches the store's real
endpoint; the webhook is processed, and the platform action runs. The sandbox Loop counts what it was sent: the
grades (grade, then assess: at most 30 items a call), then the process call, each once, whatever reruns,
redeliveries and crashes happen; a grade Loop refuses (422) leaves the return failed with a sentence saying so.
"""

from typing import Any
from unittest import mock

import pytest

from integrations.models import Connection, InboundWebhook, Store
from integrations.sandbox.models import SandboxAccount, SandboxPlatformCall, SandboxReturn, SandboxWebhookDelivery
from integrations.sandbox.services import sandbox_receive, sandbox_webhook_deliver
from integrations.services.webhooks import webhook_process
from integrations.wizard import services as wizard
from returns.models import RMA, GradeMapping, Return, ReturnLine
from returns.services import grades
from returns.services.platform_actions import return_platform_act
from returns.services.rmas.push import rma_push
from returns.services.rmas.triggers import rmas_on_return_changed
from returns.services.support import return_platform_action_retry
from tests.e2e.test_clients_against_sandbox import _sandboxed, _warehouse_kind

pytestmark = pytest.mark.django_db(transaction=True)


class World:
    """A store on the sandbox: Loop as its platform, TrackStar as its warehouse, one Loop return with its RMA."""

    def __init__(self, live_url: str, units: dict[str, int]) -> None:
        self.store = Store.objects.create(name="Acme", slug="acme")
        self.loop_connection = _sandboxed(self.store, live_url, "loop", "returns_platform", [], api_key="loop-key")
        self.loop = SandboxAccount.objects.get(connection=self.loop_connection)
        trackstar = wizard.warehouse_system_save(
            store=self.store, kind=_warehouse_kind("trackstar"), credentials={}, sandbox=True
        ).connection
        fetched = wizard.warehouses_fetch(connection=trackstar, refresh=True)
        assert fetched.ok, fetched.message
        wizard.location_save(
            store=self.store,
            location=None,
            data={"name": "Main"},
            warehouse=fetched.warehouses[0],
            connection=trackstar,
            is_default=True,
        )
        Connection.objects.filter(pk=trackstar.pk).update(status=Connection.Status.ACTIVE)
        self.return_obj = Return.objects.create(
            store=self.store,
            connection=self.loop_connection,
            platform="loop",
            external_id="880011",
            order_name="#1042",
            order_number="1042",
            state="open",
        )
        next_id = 7001
        for sku, quantity in units.items():  # Loop sends one line item per unit
            ids = [str(next_id + i) for i in range(quantity)]
            next_id += quantity
            ReturnLine.objects.create(
                return_obj=self.return_obj, line_key=sku, sku=sku, quantity=quantity, external_line_ids=ids
            )
        rmas_on_return_changed(return_obj=self.return_obj, change="created")
        self.rma = RMA.objects.get(return_obj=self.return_obj)
        assert rma_push(rma_id=self.rma.pk).action == "done"

    def receive(self, mode: str = "fully_received") -> InboundWebhook:
        """TrackStar receives and grades the parcel; its signed webhook reaches the store's endpoint, is processed."""
        sandbox_receive(sandbox_return=SandboxReturn.objects.get(rma_number=self.rma.number), mode=mode)
        return self.redeliver()

    def redeliver(self) -> InboundWebhook:
        delivery = SandboxWebhookDelivery.objects.filter(event_type="return.updated").latest("id")
        assert sandbox_webhook_deliver(delivery_id=delivery.pk).status_code in (200, 202), delivery.response_body
        webhook = InboundWebhook.objects.latest("id")
        webhook_process(webhook_id=webhook.pk)
        return webhook

    def calls(self) -> list[str]:
        return sorted(SandboxPlatformCall.objects.filter(account=self.loop).values_list("action", flat=True))

    def bodies(self, action: str) -> list[dict[str, Any]]:
        return list(
            SandboxPlatformCall.objects.filter(account=self.loop, action=action)
            .order_by("id")
            .values_list("body", flat=True)
        )

    def act(self) -> str:
        return return_platform_act(return_id=self.return_obj.pk).detail

    def refreshed(self) -> Return:
        return Return.objects.get(pk=self.return_obj.pk)


@pytest.fixture
def world(live_server: Any, settings: Any) -> Any:
    settings.PUBLIC_BASE_URL = live_server.url

    def make(units: dict[str, int]) -> World:
        return World(live_server.url, units)

    return make


def test_a_trackstar_receipt_is_graded_assessed_then_processed_in_loop_once(world: Any) -> None:
    w = world({"TEE-BLK-M": 2, "HOODIE-GRY-L": 1})
    w.receive()
    assert w.refreshed().platform_action == "process_queued"
    assert w.act() == "process"
    assert w.calls() == ["assess", "grade", "process"]

    (graded,) = w.bodies("grade")
    assert [i["line_item_id"] for i in graded["items"]] == [7001, 7002, 7003]
    first = graded["items"][0]
    assert (first["condition_category"], first["description"]) == (
        "grade_a",
        "Graded at TrackStar: condition good, disposition restocked",
    )
    (assessed,) = w.bodies("assess")
    assert {i["disposition_outcome"] for i in assessed["items"]} == {"back_to_stock"}
    # Grade before assess before process: the order the sandbox Loop received them in.
    order = list(SandboxPlatformCall.objects.filter(account=w.loop).order_by("id").values_list("action", flat=True))
    assert order == ["grade", "assess", "process"]

    # Each unit's grade is on its line, with what reached Loop.
    tee = ReturnLine.objects.get(return_obj=w.return_obj, sku="TEE-BLK-M")
    assert [(g["item_id"], g["condition"], g["disposition"], g["disposition_outcome"]) for g in tee.grades] == [
        ("7001", "good", "restocked", "back_to_stock"),
        ("7002", "good", "restocked", "back_to_stock"),
    ]
    assert all(g["platform"]["graded"] and g["platform"]["assessed"] for g in tee.grades)
    assert w.refreshed().timeline.get(kind="platform_grades_sent").message == (
        "Warehouse grades sent to Loop: 3 items graded and assessed (3 back to stock)"
    )

    # Rerun and redelivery: nothing more reaches Loop.
    assert w.act() == "nothing to do"
    w.redeliver()
    assert w.calls() == ["assess", "grade", "process"]


def test_31_units_are_graded_and_assessed_in_two_calls_each(world: Any) -> None:
    w = world({"SOCK-WHT": 31})
    w.receive()
    assert w.act() == "process"
    assert w.calls() == ["assess", "assess", "grade", "grade", "process"]
    assert [len(b["items"]) for b in w.bodies("grade")] == [30, 1]
    assert [len(b["items"]) for b in w.bodies("assess")] == [30, 1]
    sent = [i["line_item_id"] for b in w.bodies("grade") for i in b["items"]]
    assert sent == list(range(7001, 7032))


def test_a_crash_between_grade_and_assess_does_not_grade_again(world: Any) -> None:
    w = world({"TEE-BLK-M": 2})
    w.receive()
    real_once = grades.platform_call_once

    def dies_before_assessing(return_id: int, operation: str, call: Any) -> Any:
        if operation.startswith("return_items_assess"):
            raise SystemExit("worker killed")  # the process dies: nothing after the grade is written
        return real_once(return_id, operation, call)

    with mock.patch.object(grades, "platform_call_once", dies_before_assessing), pytest.raises(SystemExit):
        w.act()
    assert w.calls() == ["grade"]
    assert w.refreshed().platform_action == "process_queued"  # the sweeper publishes it again

    assert w.act() == "process"
    assert w.calls() == ["assess", "grade", "process"]


def test_a_grade_loop_refuses_leaves_a_sentence_and_a_retry_sends_only_what_is_missing(world: Any) -> None:
    w = world({"TEE-BLK-M": 2})
    w.receive()
    # A store's mapping with an outcome Loop does not take (written around the form's choices).
    restocked = GradeMapping.objects.filter(store=w.store, warehouse="trackstar", word="restocked")
    restocked.update(disposition_outcome="restock_later")
    assert w.act() == "permanent error"
    assert w.calls() == ["grade"]  # graded; the assessment refused; never processed
    returned = w.refreshed()
    assert returned.platform_action == "failed"
    failed = returned.timeline.get(kind="platform_action_failed").message
    assert failed.startswith(
        "Could not process the return in Loop: Loop refused to assess items 7001, 7002 (loop answered 422: "
    )
    assert "disposition_outcome: must be one of back_to_stock" in failed
    assert failed.endswith(
        "so the return was not processed or flagged: change the store's grade mapping (or the item's grade), "
        "then retry the platform action. Needs support."
    )
    tee = ReturnLine.objects.get(return_obj=w.return_obj)
    assert all("422" in g["platform"]["error"] and not g["platform"].get("assessed") for g in tee.grades)

    # Support fixes the mapping and retries: the assessment goes, the grade is not sent twice, then the process.
    restocked.update(disposition_outcome="recycle")
    return_platform_action_retry(return_id=w.return_obj.pk, by="dana")
    assert w.act() == "process"
    assert w.calls() == ["assess", "grade", "process"]
    assert [i["disposition_outcome"] for i in w.bodies("assess")[0]["items"]] == ["recycle", "recycle"]
