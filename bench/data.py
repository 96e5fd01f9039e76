"""Bench fixtures (in-process Django): one store wired Loop → Backhaul → a local WMS, and signed Loop bodies."""

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.env import WMS_PORT

DESTINATION = "dest_ca1"
SKUS = ("TEE-BLK-M", "HOODIE-GRY-L", "CAP-NVY", "SOCK-WHT", "JKT-RED-S")


@dataclass(frozen=True)
class Wiring:
    store_id: int
    loop_connection_id: int
    wms_connection_id: int
    endpoint_path: str
    loop_secret: str


def store_create(*, slug: str = "bench-store") -> Wiring:
    """A live store (not sandbox: production code paths), Loop inbound, ShipMonk-speaking WMS on 127.0.0.1."""
    from integrations.models import Connection, Store
    from warehouses.models import LocationDestination, ShippingLocation

    store = Store.objects.create(
        name="Bench Outfitters",
        slug=slug,
        is_sandbox=False,
        processing_mode=Store.ProcessingMode.MANUAL,
        rma_trigger=Store.RmaTrigger.ON_RETURN_CREATED,
    )
    secret = secrets.token_urlsafe(32)
    loop = Connection.objects.create(
        store=store,
        role=Connection.Role.RETURNS_PLATFORM,
        provider="loop",
        name="Loop",
        status=Connection.Status.ACTIVE,
        api_key=secrets.token_urlsafe(24),
        webhook_secret=secret,
        base_url=f"http://127.0.0.1:{WMS_PORT}/loop",
    )
    wms = Connection.objects.create(
        store=store,
        role=Connection.Role.WAREHOUSE,
        provider="shipmonk",
        name="ShipMonk (bench WMS)",
        status=Connection.Status.ACTIVE,
        api_key=secrets.token_urlsafe(24),
        external_account_id="12345",
        base_url=f"http://127.0.0.1:{WMS_PORT}",
        # The default 20/second per-connection limit protects a shared ShipMonk account; the bench
        # measures Backhaul itself, so the limit is lifted (a connection option, as in production).
        options={"rate_limit": "100000/second"},
    )
    location = ShippingLocation.objects.create(
        store=store, name="Ontario, CA", warehouse_connection=wms, wms_warehouse_code="CA1", is_default=True
    )
    LocationDestination.objects.create(location=location, provider="loop", external_id=DESTINATION)
    return Wiring(
        store_id=store.pk,
        loop_connection_id=loop.pk,
        wms_connection_id=wms.pk,
        endpoint_path=loop.webhook_path,
        loop_secret=secret,
    )


def return_body(*, return_id: str, order_name: str, lines: int = 1) -> bytes:
    """A Loop `return.created` body whose RMA is numbered after order_name (without '#')."""
    from integrations.providers.loop.sandbox import return_payload as loop_return_payload

    items = [{"sku": SKUS[i] if i < len(SKUS) else f"SKU-{i:03d}", "reason": "Too small"} for i in range(lines)]
    payload: dict[str, Any] = loop_return_payload(
        return_id=return_id, order_name=order_name, lines=items, destination_id=DESTINATION
    )
    return json.dumps(payload, separators=(",", ":")).encode()


def sign(secret: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def write_wrk_bodies(*, path: Path, secret: str, prefix: str, count: int) -> None:
    """`<signature>\\t<body>` lines, each a distinct return (distinct dedupe key), for bench/wrk_post.lua."""
    with path.open("w") as out:
        for i in range(count):
            body = return_body(return_id=f"{prefix}{i}", order_name=f"#{prefix}{i}")
            out.write(f"{sign(secret, body)}\t{body.decode()}\n")
