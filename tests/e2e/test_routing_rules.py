"""Routing rules end to end, on a real Celery worker and the live server's sandbox providers: a Loop return of a
tee and a cap from a Californian shopper is split by two rules (the cap by its SKU to Carteret, NJ1; the tee by
the shopper's region to Ontario, CA1) into two RMAs that the sandbox ShipMonk receives at those warehouses, each
RMA saying which rule sent it. Then a dry run of draft rules shows what would change and writes nothing: no
statement that writes, no request to any provider."""

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from integrations.models import ApiCall, InboundWebhook
from integrations.providers.loop.sandbox import return_payload as loop_return_payload
from integrations.sandbox.demo import demo_store_create
from integrations.sandbox.models import SandboxPlatformCall, SandboxReturn, SandboxWebhookDelivery
from integrations.sandbox.services import sandbox_webhook_send
from returns.models import RMA, RoutingRule
from returns.routing_dry_run import routing_dry_run
from returns.routing_provisioning import routing_rule_create, routing_rules_draft
from returns.routing_words import routing_sentence
from tests.conftest import wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
WRITES = ("INSERT", "UPDATE", "DELETE")


def _submitted(store_id: int) -> list[RMA] | None:
    rmas = list(RMA.objects.filter(store_id=store_id).select_related("location").order_by("number"))
    return rmas if len(rmas) == 2 and all(r.status == RMA.Status.SUBMITTED for r in rmas) else None


def test_two_rules_split_a_return_across_two_warehouses_and_the_dry_run_writes_nothing(
    live_server: Any, celery_worker: Any, settings: Any
) -> None:
    settings.PUBLIC_BASE_URL = live_server.url
    setup = demo_store_create(base_url=live_server.url)
    store = setup.store
    ontario = store.shipping_locations.get(wms_warehouse_code="CA1")
    carteret = store.shipping_locations.get(wms_warehouse_code="NJ1")
    routing_rule_create(
        store=store, data={"name": "Caps to Carteret", "location": carteret.pk, "sku_patterns": ["cap-*"]}
    )
    routing_rule_create(store=store, data={"name": "West coast", "location": ontario.pk, "regions": ["CA", "NV", "OR"]})

    lines = [{"sku": "TEE-BLK-M", "reason": "Too small"}, {"sku": "CAP-RED", "reason": "Changed my mind"}]
    address = {"state": "California", "zip": "90001", "country_code": "US", "country": "United States"}
    label = {"status": "new", "carrier": "USPS", "tracking_number": "9400111880077", "url": "", "line_items": []}
    payload = loop_return_payload(
        return_id="880077", order_name="#2077", lines=lines, label=label, address=address, order_tags=["vip"]
    )
    delivery = sandbox_webhook_send(account=setup.loop, event_type="return.created", payload=payload, deliver_now=True)
    assert delivery.status_code == 202, delivery.response_body

    rmas = wait_for(lambda: _submitted(store.pk), timeout=60, interval=0.25)
    ret = rmas[0].return_obj
    assert (ret.customer_region, ret.customer_country_code, ret.order_tags) == ("California", "US", ["vip"])
    by_warehouse = {rma.location.wms_warehouse_code: rma for rma in rmas}
    assert set(by_warehouse) == {"CA1", "NJ1"}
    # The sandbox ShipMonk holds each RMA at the warehouse the rules chose, with the line they chose.
    received = {
        (s.rma_number, s.warehouse, tuple(i["sku"] for i in s.items))
        for s in SandboxReturn.objects.filter(account=setup.shipmonk)
    }
    assert received == {
        (by_warehouse["NJ1"].number, "NJ1", ("CAP-RED",)),
        (by_warehouse["CA1"].number, "CA1", ("TEE-BLK-M",)),
    }
    assert routing_sentence(reason=by_warehouse["NJ1"].routing_reason, routing=by_warehouse["NJ1"].routing) == (
        "Your routing rule 1 “Caps to Carteret” sent it here: the SKU CAP-RED matches cap-*."
    )
    assert routing_sentence(reason=by_warehouse["CA1"].routing_reason, routing=by_warehouse["CA1"].routing) == (
        "Your routing rule 2 “West coast” sent it here: the customer's region is California (CA)."
    )

    # A dry run of the rules without "Caps to Carteret": the cap would join the tee at Ontario (the default).
    counts = (
        ApiCall.objects.count(),
        SandboxReturn.objects.count(),
        SandboxPlatformCall.objects.count(),
        SandboxWebhookDelivery.objects.count(),
        InboundWebhook.objects.count(),
        RMA.objects.count(),
        RoutingRule.objects.count(),
    )
    drafts = routing_rules_draft(
        store=store, drafts=[{"name": "West coast", "location": ontario.pk, "regions": ["CA", "NV", "OR"]}]
    )
    with CaptureQueriesContext(connection) as queries:
        report = routing_dry_run(store=store, rules=drafts)
    assert [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().upper().startswith(WRITES)] == []
    assert [(c.sku, c.before.location, c.before.rule, c.after.location, c.after.rule) for c in report.changes] == [
        ("CAP-RED", carteret.name, "Rule 1 “Caps to Carteret”", ontario.name, "Rule 1 “West coast”")
    ]
    assert [(w.warehouse, w.before, w.after) for w in report.warehouses] == [("NJ1", 1, 0), ("CA1", 1, 1)]
    after = (
        ApiCall.objects.count(),
        SandboxReturn.objects.count(),
        SandboxPlatformCall.objects.count(),
        SandboxWebhookDelivery.objects.count(),
        InboundWebhook.objects.count(),
        RMA.objects.count(),
        RoutingRule.objects.count(),
    )
    assert after == counts
