"""Section 4: SQL queries per webhook, per RMA push, and per admin / API list page (in-process)."""

import uuid
from dataclasses import dataclass, field

from django.db import connection
from django.test.utils import CaptureQueriesContext

from bench.data import Wiring, return_body, sign

LINE_COUNTS = (1, 10, 100)
LIST_PAGES = (
    ("admin: returns", "/admin/returns/return/"),
    ("admin: RMAs", "/admin/returns/rma/"),
    ("admin: webhooks", "/admin/integrations/inboundwebhook/"),
    ("API: returns", "/api/v1/returns/"),
    ("API: RMAs", "/api/v1/rmas/"),
    ("API: webhooks", "/api/v1/webhooks/"),
)


@dataclass
class PipelineCost:
    lines: int
    receive: int  # the webhook endpoint's service (store, verify, dedupe, queue)
    process: int  # the worker: parse, upsert the return, plan the RMA
    push: int  # the worker: push the RMA to the WMS
    status: str = ""


@dataclass
class PageCost:
    rows: int
    queries: dict[str, int] = field(default_factory=dict)
    status: dict[str, int] = field(default_factory=dict)


def pipeline_cost(*, wiring: Wiring, lines: int, tag: str = "") -> PipelineCost:
    """One Loop return with `lines` lines through receive → process → push, counting queries at each step."""
    from integrations.models import Connection
    from integrations.services.webhooks import webhook_process, webhook_receive
    from returns.models import RMA
    from returns.services.rmas.push import rma_push

    token = Connection.objects.get(pk=wiring.loop_connection_id).endpoint_token
    key = f"Q{tag}{lines}x{uuid.uuid4().hex[:6]}"
    body = return_body(return_id=key, order_name=f"#{key}", lines=lines)
    headers = {"Content-Type": "application/json", "X-Loop-Signature": sign(wiring.loop_secret, body)}
    with CaptureQueriesContext(connection) as receive:
        result = webhook_receive(
            provider="loop", endpoint_token=token, headers=headers, body=body, remote_addr="127.0.0.1"
        )
    with CaptureQueriesContext(connection) as process:
        status = webhook_process(webhook_id=result.webhook.pk)
    rma = RMA.objects.get(store_id=wiring.store_id, number=key)
    with CaptureQueriesContext(connection) as push:
        outcome = rma_push(rma_id=rma.pk)
    return PipelineCost(lines, len(receive), len(process), len(push), f"{result.status_code}/{status}/{outcome.detail}")


def rows_fill(*, wiring: Wiring, upto: int, batch: int = 5000) -> None:
    """Bulk-create returns, RMAs and webhooks until each table has `upto` rows of the store."""
    from integrations.models import InboundWebhook
    from returns.models import RMA, Return

    have = Return.objects.filter(store_id=wiring.store_id).count()
    while have < upto:
        n = min(batch, upto - have)
        returns = Return.objects.bulk_create(
            Return(
                store_id=wiring.store_id,
                connection_id=wiring.loop_connection_id,
                platform="loop",
                external_id=f"fill-{have + i}",
                order_name=f"#F{have + i}",
                state="open",
            )
            for i in range(n)
        )
        RMA.objects.bulk_create(
            RMA(
                store_id=wiring.store_id,
                return_obj_id=r.pk,
                number=f"F{have + i}",
                order_name=r.order_name,
                warehouse_connection_id=wiring.wms_connection_id,
                idempotency_key=f"fill-{have + i}",
                status=RMA.Status.SUBMITTED,
            )
            for i, r in enumerate(returns)
        )
        InboundWebhook.objects.bulk_create(
            InboundWebhook(
                connection_id=wiring.loop_connection_id,
                store_id=wiring.store_id,
                provider="loop",
                headers={},
                body=b"{}",
                status=InboundWebhook.Status.PROCESSED,
                verification=InboundWebhook.Verification.VALID,
                event_type="return:return.created",
            )
            for _ in range(n)
        )
        have += n


def page_cost(*, rows: int) -> PageCost:
    """Render each list page as a staff user and count its queries."""
    from django.contrib.auth import get_user_model
    from django.test import Client, override_settings

    user, _ = get_user_model().objects.get_or_create(
        username="bench-admin", defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    cost = PageCost(rows=rows)
    # Admin pages reference static files; without collectstatic the manifest storage would raise.
    storages = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(STORAGES=storages):
        for name, url in LIST_PAGES:
            client.get(url, secure=True)  # warm caches (content types, permissions) outside the count
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url, secure=True)
            cost.queries[name] = len(queries)
            cost.status[name] = response.status_code
    return cost
