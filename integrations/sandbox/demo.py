"""The demo story: a store wired to sandbox providers, played over real HTTP against the running server.

It needs the web server (webhooks arrive at the store's real endpoints) and a worker (which
processes them and pushes RMAs). Each step waits for the pipeline before the next one, so the
story reads in order on the timelines.
"""

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction

from integrations.models import Connection, Store
from integrations.providers.loop.sandbox import return_payload as loop_return_payload
from integrations.providers.shipmonk.sandbox import shipment_notification_payload
from integrations.sandbox.models import SandboxAccount, SandboxPlatformCall, SandboxReturn
from integrations.sandbox.services import sandbox_receive, sandbox_webhook_send
from returns.models import RMA, Return, RoutingRule
from warehouses.models import ShippingLocation

DEMO_SLUG = "demo-outfitters"
WAREHOUSES = [
    {"id": "wh_ca1", "code": "CA1", "name": "Ontario, CA"},
    {"id": "wh_nj1", "code": "NJ1", "name": "Carteret, NJ"},
]


class DemoError(Exception):
    """The story could not go on: says which step and what was missing."""


@dataclass
class DemoSetup:
    store: Store
    loop: SandboxAccount
    shipmonk: SandboxAccount


@dataclass
class DemoReport:
    store_id: int
    lines: list[str] = field(default_factory=list)

    def say(self, line: str, echo: Callable[[str], None] | None) -> None:
        self.lines.append(line)
        if echo:
            echo(line)


def _sandbox_url(account: SandboxAccount, base_url: str) -> str:
    return base_url.rstrip("/") + account.base_path


@transaction.atomic
def demo_store_create(*, base_url: str) -> DemoSetup:
    """(Re)create the demo store: Loop and ShipMonk connections pointing at the sandbox, two warehouses."""
    old = Store.objects.filter(slug=DEMO_SLUG).first()
    if old is not None:
        # RMAs protect their connection and locations, routing rules their locations: remove those first.
        Return.objects.filter(store=old).delete()
        RoutingRule.objects.filter(store=old).delete()
        ShippingLocation.objects.filter(store=old).delete()
        SandboxAccount.objects.filter(connection__store=old).delete()
        old.delete()
    store = Store.objects.create(
        name="Demo Outfitters",
        slug=DEMO_SLUG,
        is_sandbox=True,
        processing_mode=Store.ProcessingMode.MANUAL,
        rma_trigger=Store.RmaTrigger.ON_RETURN_CREATED,
        default_instructions="Demo store: inspect every unit before restocking.",
    )
    loop_conn = Connection.objects.create(
        store=store,
        role=Connection.Role.RETURNS_PLATFORM,
        provider="loop",
        name="Loop (sandbox)",
        status=Connection.Status.ACTIVE,
        api_key=secrets.token_urlsafe(24),
        webhook_secret=secrets.token_urlsafe(32),
    )
    shipmonk_conn = Connection.objects.create(
        store=store,
        role=Connection.Role.WAREHOUSE,
        provider="shipmonk",
        name="ShipMonk (sandbox)",
        status=Connection.Status.ACTIVE,
        api_key=secrets.token_urlsafe(24),
        external_account_id="12345",
        webhook_username="backhaul",
        webhook_password=secrets.token_urlsafe(24),
        webhook_secret=secrets.token_urlsafe(32),
    )
    loop = SandboxAccount.objects.create(provider="loop", name="Demo Loop", connection=loop_conn)
    shipmonk = SandboxAccount.objects.create(
        provider="shipmonk", name="Demo ShipMonk", connection=shipmonk_conn, warehouses=WAREHOUSES
    )
    Connection.objects.filter(pk=loop_conn.pk).update(base_url=_sandbox_url(loop, base_url))
    Connection.objects.filter(pk=shipmonk_conn.pk).update(base_url=_sandbox_url(shipmonk, base_url))
    for warehouse in WAREHOUSES:
        ShippingLocation.objects.create(
            store=store,
            name=warehouse["name"],
            warehouse_connection=shipmonk_conn,
            wms_warehouse_code=warehouse["code"],
            is_default=warehouse["code"] == "CA1",
        )
    loop.refresh_from_db()
    shipmonk.refresh_from_db()
    return DemoSetup(store=store, loop=loop, shipmonk=shipmonk)


def _wait(what: str, condition: Callable[[], Any], timeout: float) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.25)
    raise DemoError(f"Timed out after {timeout:.0f}s waiting for {what}. Are the web server and a worker running?")


def _send(account: SandboxAccount, event_type: str, payload: dict[str, Any]) -> None:
    delivery = sandbox_webhook_send(account=account, event_type=event_type, payload=payload, deliver_now=True)
    if delivery.status_code is None or delivery.status_code >= 300:
        raise DemoError(f"{event_type} was not accepted: {delivery.status_code} {delivery.response_body[:200]}")


def _rmas_submitted(store: Store, numbers: list[str]) -> Callable[[], bool]:
    def check() -> bool:
        found = dict(RMA.objects.filter(store=store, number__in=numbers).values_list("number", "status"))
        return len(found) == len(numbers) and all(s == RMA.Status.SUBMITTED for s in found.values())

    return check


def demo_play(
    *, base_url: str | None = None, timeout: float = 60.0, echo: Callable[[str], None] | None = None
) -> DemoReport:
    """Create the demo store and play the story; raises DemoError with the step that did not happen."""
    base_url = base_url or settings.PUBLIC_BASE_URL
    setup = demo_store_create(base_url=base_url)
    store, loop, shipmonk = setup.store, setup.loop, setup.shipmonk
    report = DemoReport(store_id=store.pk)
    report.say(f"Demo store '{store.name}' wired to sandbox Loop and ShipMonk (CA1 default, NJ1).", echo)

    # The warehouse tells Backhaul which warehouse shipped which order (outbound shipments).
    shipments = [
        ("#1001", "NJ1", ["TEE-BLK-M"], "9400100000000000001001"),
        ("#1042", "CA1", ["TEE-BLK-M"], "9400100000000000001042"),
        ("#1042", "NJ1", ["HOODIE-GRY-L"], "9400100000000000010421"),
        ("#1077", "CA1", ["CAP-NVY"], "9400100000000000001077"),
    ]
    for order_name, warehouse, skus, tracking in shipments:
        payload = shipment_notification_payload(
            order_name=order_name, warehouse=warehouse, skus=skus, tracking_number=tracking
        )
        _send(shipmonk, "shipment_notification", payload)
    from warehouses.models import Fulfillment

    _wait("4 fulfilments", lambda: Fulfillment.objects.filter(store=store).count() == len(shipments), timeout)
    report.say("ShipMonk reported 4 outbound shipments (order #1042 split across CA1 and NJ1).", echo)

    stories: list[tuple[str, str, list[dict[str, Any]]]] = [
        ("880001", "#1001", [{"sku": "TEE-BLK-M", "reason": "Too small", "parent_reason": "Fit"}]),
        (
            "880002",
            "#1042",
            [
                {"sku": "TEE-BLK-M", "reason": "Too big", "parent_reason": "Fit"},
                {"sku": "HOODIE-GRY-L", "reason": "Changed my mind", "parent_reason": "Other"},
            ],
        ),
        ("880003", "#1077", [{"sku": "CAP-NVY", "quantity": 2, "reason": "Damaged", "parent_reason": "Quality"}]),
    ]
    for return_id, order_name, lines in stories:
        label = {
            "status": "new",
            "carrier": "USPS",
            "tracking_number": f"9400111{return_id}",
            "url": f"{base_url.rstrip('/')}/sandbox/labels/{return_id}.pdf",
            "line_items": [],
        }
        payload = loop_return_payload(return_id=return_id, order_name=order_name, lines=lines, label=label)
        _send(loop, "return.created", payload)
    expected = ["1001", "1042", "1042_01", "1077"]
    _wait("RMAs " + ", ".join(expected) + " submitted to ShipMonk", _rmas_submitted(store, expected), timeout)
    for rma in RMA.objects.filter(store=store).select_related("location").order_by("number"):
        report.say(
            f"RMA {rma.number} created at {rma.location.wms_warehouse_code if rma.location else '?'} "
            f"({rma.routing_reason}).",
            echo,
        )

    # The warehouse receives: #1077 arrives short, #1001 arrives in full.
    for number, mode in (("1077", "short"), ("1001", "fully_received")):

        def sandbox_rma(n: str = number) -> SandboxReturn | None:
            return SandboxReturn.objects.filter(account=shipmonk, rma_number=n).first()

        def rma_received(n: str = number) -> bool:
            return RMA.objects.filter(store=store, number=n, status=RMA.Status.RECEIVED).exists()

        sandbox_return = _wait(f"sandbox RMA {number}", sandbox_rma, timeout)
        sandbox_receive(sandbox_return=sandbox_return, mode=mode)
        _wait(f"RMA {number} marked received", rma_received, timeout)
        report.say(f"ShipMonk received RMA {number} ({mode.replace('_', ' ')}).", echo)

    # The returns platform is told: #1077 (short) flagged with a note, #1001 (full) processed.
    def loop_actions(return_id: str) -> set[str]:
        return set(
            SandboxPlatformCall.objects.filter(account=loop, return_id=return_id).values_list("action", flat=True)
        )

    _wait("Loop flag and note on return 880003", lambda: {"flag", "note"} <= loop_actions("880003"), timeout)
    note = SandboxPlatformCall.objects.filter(account=loop, return_id="880003", action="note").first()
    content = (note.body or {}).get("content", "") if note else ""
    report.say(f"Loop flagged return 880003 (#1077, short) with a note: {content}", echo)
    _wait("Loop process on return 880001", lambda: "process" in loop_actions("880001"), timeout)
    report.say("Loop processed return 880001 (#1001, received in full).", echo)
    report.say(f"Done. See {base_url.rstrip('/')}/admin/returns/return/?store__id__exact={store.pk}", echo)
    return report
