"""What the simulated providers do: hold RMAs, receive them, call the store's webhooks back."""

import json
import secrets
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from integrations.models import Provider
from integrations.sandbox.models import SandboxAccount, SandboxPlatformCall, SandboxReturn, SandboxWebhookDelivery
from integrations.sandbox.signing import signed_headers

RECEIVE_MODES = ("fully_received", "short", "excess", "damaged")


def sandbox_take_failure(*, account: SandboxAccount) -> bool:
    """Consume one injected failure; True when this request must fail (atomic across processes)."""
    if not account.failure_mode:
        return False
    return bool(
        SandboxAccount.objects.filter(pk=account.pk, failures_remaining__gt=0).update(
            failures_remaining=F("failures_remaining") - 1
        )
    )


def _now_iso() -> str:
    return timezone.now().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _next_external_id(account: SandboxAccount) -> str:
    match account.provider:
        case Provider.SHIPMONK:
            return str(100000 + secrets.randbelow(800000))
        case Provider.SHIPSTREAM:
            return str(2000000 + secrets.randbelow(800000))
        case _:
            return f"ret_{secrets.token_hex(6)}"


@transaction.atomic
def sandbox_return_create(
    *,
    account: SandboxAccount,
    rma_number: str,
    warehouse: str,
    order_ref: str,
    items: list[dict[str, Any]],
    tracking_numbers: list[str],
    body: dict[str, Any],
    idempotency_key: str = "",
) -> SandboxReturn:
    """Store a new RMA at the simulated WMS and schedule automatic receiving if configured."""
    sandbox_return = SandboxReturn.objects.create(
        account=account,
        external_id=_next_external_id(account),
        rma_number=rma_number,
        warehouse=warehouse,
        order_ref=order_ref,
        items=items,
        tracking_numbers=tracking_numbers,
        request_body=body,
        idempotency_key=idempotency_key,
    )
    if account.auto_receive_mode:
        from integrations.sandbox.tasks import sandbox_auto_receive

        transaction.on_commit(
            lambda: sandbox_auto_receive.apply_async(
                args=(sandbox_return.pk,), countdown=account.auto_receive_delay_seconds
            )
        )
    return sandbox_return


def sandbox_return_update(
    *,
    sandbox_return: SandboxReturn,
    items: list[dict[str, Any]] | None,
    tracking_numbers: list[str] | None,
    body: dict[str, Any],
) -> SandboxReturn:
    if items is not None:
        sandbox_return.items = items
    if tracking_numbers is not None:
        sandbox_return.tracking_numbers = tracking_numbers
    sandbox_return.request_body = body
    sandbox_return.update_count += 1
    sandbox_return.save()
    return sandbox_return


def sandbox_return_cancel(*, sandbox_return: SandboxReturn) -> SandboxReturn:
    sandbox_return.status = "cancelled"
    sandbox_return.save(update_fields=["status", "updated_at"])
    return sandbox_return


def _received_lines(items: list[dict[str, Any]], mode: str) -> list[dict[str, Any]]:
    """What the warehouse found, per SKU: the first line is short / excess / damaged."""
    lines = []
    for index, item in enumerate(items):
        expected = int(item["quantity"])
        received, condition = expected, "good"
        if index == 0 and mode == "short":
            received = expected - 1
        elif index == 0 and mode == "excess":
            received = expected + 1
        elif index == 0 and mode == "damaged":
            condition = "damaged"
        restocked = received if condition == "good" else 0
        lines.append(
            {
                "sku": item["sku"],
                "expected": expected,
                "received": received,
                "restocked": restocked,
                "condition": condition,
                "disposition": "restocked" if condition == "good" else "scrapped",
            }
        )
    return lines


# A received RMA's status as each WMS names it, keyed by SandboxAccount.provider (a plain str column).
_RECEIVED_STATUS: dict[str, str] = {
    Provider.SHIPMONK: "returned",
    Provider.TRACKSTAR: "received",
    Provider.SHIPSTREAM: "put_away",
}


def sandbox_receive(*, sandbox_return: SandboxReturn, mode: str) -> SandboxReturn:
    """The warehouse receives and grades the parcel, then tells the store through its webhook."""
    if mode not in RECEIVE_MODES:
        raise ValueError(f"unknown receive mode {mode!r}; expected one of {', '.join(RECEIVE_MODES)}")
    previous_status = sandbox_return.status
    sandbox_return.received = _received_lines(sandbox_return.items, mode)
    sandbox_return.status = _RECEIVED_STATUS.get(sandbox_return.account.provider, "received")
    sandbox_return.save(update_fields=["received", "status", "updated_at"])
    event_type, payload = warehouse_webhook_payload(sandbox_return=sandbox_return, previous_status=previous_status)
    sandbox_webhook_send(account=sandbox_return.account, event_type=event_type, payload=payload)
    return sandbox_return


# ----------------------------------------------------------------------------- read shapes


def shipmonk_return_object(sandbox_return: SandboxReturn) -> dict[str, Any]:
    """One returns-list element (providers.md §4.2), also the return-status-change webhook body."""
    body = sandbox_return.request_body
    received = {line["sku"]: line for line in sandbox_return.received}
    return {
        "id": int(sandbox_return.external_id),
        "warehouse": sandbox_return.warehouse,
        "order_key": body.get("order_key"),
        "store_id": body.get("store_id"),
        "rma": sandbox_return.rma_number,
        "tracking_number": (sandbox_return.tracking_numbers or [None])[0],
        "tracking_numbers": sandbox_return.tracking_numbers,
        "status": sandbox_return.status,
        "return_reason": body.get("return_reason"),
        "note": body.get("note"),
        "created_at": sandbox_return.created_at.isoformat(),
        "updated_at": sandbox_return.updated_at.isoformat(),
        "received_at": sandbox_return.updated_at.isoformat() if received else None,
        "items": [
            {
                "product": {"id": index + 1, "sku": item["sku"], "name": item["sku"]},
                "expected_quantity": item["quantity"],
                "received_quantity": received.get(item["sku"], {}).get("received", 0),
                "desired_action": item.get("desired_action"),
                "receiving_details": [
                    {
                        "lot": None,
                        "expected_quantity": item["quantity"],
                        "received_quantity": received[item["sku"]]["received"],
                        "received_at": sandbox_return.updated_at.isoformat(),
                        "type": "return",
                        "type_scoped_id": sandbox_return.external_id,
                        "final_disposition": (
                            "returned_to_inventory" if received[item["sku"]]["condition"] == "good" else "dispose"
                        ),
                    }
                ]
                if item["sku"] in received
                else [],
            }
            for index, item in enumerate(sandbox_return.items)
        ],
        "custom_data": body.get("custom_data") or [],
        "source": "shipmonk",
    }


def trackstar_return_object(sandbox_return: SandboxReturn) -> dict[str, Any]:
    """A TrackStar return (providers.md §3.3)."""
    received = {line["sku"]: line for line in sandbox_return.received}
    return {
        "id": sandbox_return.external_id,
        "warehouse_customer_id": "wc_sandbox",
        "created_date": sandbox_return.created_at.isoformat(),
        "updated_date": sandbox_return.updated_at.isoformat(),
        "status": sandbox_return.status,
        "raw_status": sandbox_return.status,
        "order_id": sandbox_return.order_ref,
        "notes": [],
        "line_items": [
            {
                "inventory_item_id": f"inv_{item['sku']}",
                "sku": item["sku"],
                "expected_quantity": item["quantity"],
                "received_quantity": received.get(item["sku"], {}).get("received", 0),
                "restocked_quantity": received.get(item["sku"], {}).get("restocked", 0),
                "return_reason": sandbox_return.request_body.get("return_reason", ""),
            }
            for item in sandbox_return.items
        ],
        "shipments": [
            {
                "tracking_number": tracking,
                "warehouse_id": sandbox_return.warehouse,
                "carrier": sandbox_return.request_body.get("carrier", ""),
                "line_items": [
                    {
                        "inventory_item_id": f"inv_{line['sku']}",
                        "sku": line["sku"],
                        "quantity": line["received"],
                        "receiving_details": [
                            {
                                "quantity": line["received"],
                                "condition": line["condition"],
                                "disposition": line["disposition"],
                            }
                        ],
                    }
                    for line in sandbox_return.received
                ],
            }
            for tracking in (sandbox_return.tracking_numbers or ["sandbox-parcel"])
        ]
        if sandbox_return.received
        else [],
        "external_system_url": f"{settings.PUBLIC_BASE_URL}/admin/sandbox/sandboxreturn/{sandbox_return.pk}/change/",
        "trackstar_tags": sandbox_return.request_body.get("trackstar_tags", []),
        "additional_fields": {},
    }


SHIPSTREAM_STATE = {"new": "new", "put_away": "complete", "cancelled": "canceled", "canceled": "canceled"}


def shipstream_delivery_object(sandbox_return: SandboxReturn) -> dict[str, Any]:
    """A ShipStream delivery of type rma (providers.md §5.2)."""
    received = {line["sku"]: line for line in sandbox_return.received}
    status = {"open": "new", "cancelled": "canceled"}.get(sandbox_return.status, sandbox_return.status)
    return {
        "delivery_id": int(sandbox_return.external_id) - 1000000,
        "increment_id": sandbox_return.external_id,
        "delivery_type": "rma",
        "merchant_ref": sandbox_return.rma_number,
        "sender_ref_alt": sandbox_return.order_ref,
        "warehouse_id": int(sandbox_return.warehouse or 0),
        "status": status,
        "state": SHIPSTREAM_STATE.get(status, "processing"),
        "tracking_numbers": sandbox_return.tracking_numbers,
        "created_at": sandbox_return.created_at.isoformat(),
        "updated_at": sandbox_return.updated_at.isoformat(),
        "items": [
            {
                "sku": item["sku"],
                "qty": item["quantity"],
                "qty_expected": item["quantity"],
                "qty_received": received.get(item["sku"], {}).get("received", 0),
                "qty_shortage": max(
                    0, item["quantity"] - received.get(item["sku"], {}).get("received", item["quantity"])
                ),
                "qty_overage": max(0, received.get(item["sku"], {}).get("received", 0) - item["quantity"]),
                "qty_processed": received.get(item["sku"], {}).get("received", 0),
                "qty_putaway": received.get(item["sku"], {}).get("restocked", 0),
                "damage_type": "noted" if received.get(item["sku"], {}).get("condition") == "damaged" else "none",
            }
            for item in sandbox_return.items
        ],
    }


def warehouse_webhook_payload(*, sandbox_return: SandboxReturn, previous_status: str) -> tuple[str, dict[str, Any]]:
    """The webhook the real WMS sends when a return's status changes."""
    account = sandbox_return.account
    match account.provider:
        case Provider.SHIPMONK:
            return "return_status_change", shipmonk_return_object(sandbox_return)
        case Provider.TRACKSTAR:
            return "return.updated", {
                "connection_id": account.connection.external_account_id if account.connection else "",
                "event_type": "return.updated",
                "integration_name": account.connection.wms_name if account.connection else "sandbox",
                "data": trackstar_return_object(sandbox_return),
                "previous_attributes": {"status": previous_status},
            }
        case Provider.SHIPSTREAM:
            delivery = shipstream_delivery_object(sandbox_return)
            return "delivery:status_changed", {
                "topic": "delivery:status_changed",
                "message": {
                    "delivery_id": delivery["delivery_id"],
                    "delivery_type": "rma",
                    "increment_id": delivery["increment_id"],
                    "sender_name": sandbox_return.request_body.get("sender_name", ""),
                    "sender_ref": None,
                    "sender_ref_alt": sandbox_return.order_ref,
                    "merchant_ref": sandbox_return.rma_number,
                    "merchant_status": None,
                    "old_status": {"open": "new"}.get(previous_status, previous_status),
                    "new_status": delivery["status"],
                    "old_state": "new",
                    "new_state": delivery["state"],
                    "webhook_increment_id": str(sandbox_return.update_count + 1),
                    "event_timestamp": _now_iso(),
                },
            }
    raise ValueError(f"{account.provider} is not a warehouse system")


# ----------------------------------------------------------------------------- returns platforms


def sandbox_platform_call_record(*, account: SandboxAccount, return_id: str, action: str, body: Any) -> None:
    SandboxPlatformCall.objects.create(account=account, return_id=str(return_id), action=action, body=body or {})


def loop_return_payload(
    *,
    return_id: str,
    order_name: str,
    lines: list[dict[str, Any]],
    trigger: str = "return.created",
    state: str = "open",
    destination_id: str | None = None,
    label: dict[str, Any] | None = None,
    edited_at: datetime | None = None,
    order_id: int = 4401,
) -> dict[str, Any]:
    """A Loop `return` webhook body (providers.md §1.5): one line item per unit."""
    line_items = []
    next_id = 7001
    for line in lines:
        for _unit in range(int(line.get("quantity", 1))):
            line_items.append(
                {
                    "line_item_id": next_id,
                    "provider_line_item_id": str(13000 + next_id),
                    "sku": line["sku"],
                    "title": line.get("title", line["sku"]),
                    "price": line.get("price", "19.50"),
                    "return_reason": line.get("reason", "Too small"),
                    "parent_return_reason": line.get("parent_reason", "Fit"),
                    "outcome": line.get("outcome", "refund"),
                }
            )
            next_id += 1
    payload: dict[str, Any] = {
        "topic": "return",
        "trigger": trigger,
        "shop_id": 501,
        "id": str(return_id),
        "state": state,
        "created_at": _now_iso(),
        "edited_at": (edited_at or timezone.now()).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "order_id": order_id,
        "order_name": order_name,
        "order_number": order_name.lstrip("#"),
        "provider_order_id": f"555{order_id}",
        "customer": "shopper@example.com",
        "currency": "USD",
        "return_total": "39.00",
        "refund": "39.00",
        "destination_id": destination_id,
        "labels": [label] if label else [],
        "line_items": line_items,
    }
    return payload


def shipmonk_shipment_notification_payload(
    *, order_name: str, warehouse: str, skus: list[str], tracking_number: str, store_id: str = "12345"
) -> dict[str, Any]:
    """A ShipMonk Shipment Notification (providers.md §4.4): which warehouse shipped which SKUs."""
    number = order_name.lstrip("#")
    return {
        "order_key": f"shopify-{number}",
        "parent_order_key": None,
        "order_number": order_name,
        "warehouse": warehouse,
        "store_id": store_id,
        "carrier": "USPS",
        "service": "Ground Advantage",
        "master_tracking_number": tracking_number,
        "items": [
            {
                "line_key": None,
                "sku": sku,
                "name": sku,
                "quantity": 1,
                "ordered_quantity": 1,
                "fulfilled_quantity": 1,
                "source": "imported",
                "products": [],
            }
            for sku in skus
        ],
        "packages": [
            {
                "tracking_number": tracking_number,
                "weight_lb": 0.8,
                "box_number": 1,
                "packed_products": [{"sku": sku, "quantity": 1, "lots": [], "line_key": None} for sku in skus],
            }
        ],
        "ship_from": {
            "name": "ShipMonk",
            "company": "ShipMonk",
            "street1": "1 Warehouse Way",
            "street2": None,
            "city": "Ontario",
            "state": "CA",
            "zip": "91761",
            "country_code": "US",
            "phone": None,
            "email": None,
            "residential": False,
        },
        "ordered_at": "2026-11-01T10:00:00-08:00",
        "shipped_at": {"date": "2026-11-02 14:05:00.000000", "timezone": "America/Los_Angeles", "timezone_type": 3},
    }


def redo_return_payload(
    *,
    return_id: str,
    order_name: str,
    lines: list[dict[str, Any]],
    event_type: str = "created",
    status: str = "open",
    shipment: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A Redo `return` webhook body (providers.md §2.3)."""
    order = {"id": f"ord{return_id}", "name": order_name}
    return {
        "type": event_type,
        "at": _now_iso(),
        "merchantName": "Sandbox Store",
        "return": {
            "id": str(return_id),
            "type": "return",
            "status": status,
            "createdAt": _now_iso(),
            "updatedAt": _now_iso(),
            "order": order,
            "items": [
                {
                    "id": f"{return_id}-{index}",
                    "sku": line["sku"],
                    "quantity": int(line.get("quantity", 1)),
                    "reason": line.get("reason", "Too small"),
                    "reasonCode": line.get("reason_code", "size_too_small"),
                    "status": "open",
                }
                for index, line in enumerate(lines)
            ],
            **({"shipment": shipment} if shipment else {}),
        },
        "order": order,
    }


# ----------------------------------------------------------------------------- webhooks out


def sandbox_webhook_send(
    *, account: SandboxAccount, event_type: str, payload: dict[str, Any], deliver_now: bool = False
) -> SandboxWebhookDelivery:
    """Queue a signed webhook to the connection this account belongs to (sent by a worker, or now)."""
    if account.connection is None:
        raise ValueError(f"{account} is not linked to a store connection: nowhere to send {event_type}")
    # Compact, slash-escaped JSON like Loop's PHP serialiser: the receiver must verify raw bytes.
    body = json.dumps(payload, separators=(",", ":"))
    if account.provider == Provider.LOOP:
        body = body.replace("/", "\\/")
    base = getattr(settings, "SANDBOX_WEBHOOK_BASE_URL", "") or settings.PUBLIC_BASE_URL
    delivery = SandboxWebhookDelivery.objects.create(
        account=account, url=base.rstrip("/") + account.connection.webhook_path, event_type=event_type, body=body
    )
    if deliver_now:
        return sandbox_webhook_deliver(delivery_id=delivery.pk)
    from integrations.sandbox.tasks import sandbox_webhook_deliver as deliver_task

    transaction.on_commit(lambda: deliver_task.delay(delivery.pk))
    return delivery


def sandbox_webhook_deliver(*, delivery_id: int) -> SandboxWebhookDelivery:
    """POST one queued webhook, signed as the real provider signs it."""
    import requests

    delivery = SandboxWebhookDelivery.objects.select_related("account__connection").get(pk=delivery_id)
    connection = delivery.account.connection
    if connection is None:  # unlinked (SET_NULL) after the webhook was queued: nothing to sign it for
        raise ValueError(f"{delivery.account} is no longer linked to a store connection: cannot sign {delivery}")
    body = delivery.body.encode()
    headers = signed_headers(connection=connection, body=body)
    delivery.attempts += 1
    try:
        response = requests.post(delivery.url, data=body, headers=headers, timeout=(5, 15))
    except requests.RequestException as exc:
        delivery.response_body = f"{type(exc).__name__}: {exc}"[:2000]
        delivery.save(update_fields=["attempts", "response_body", "updated_at"])
        raise
    delivery.status_code = response.status_code
    delivery.response_body = response.text[:2000]
    if response.ok:
        delivery.delivered_at = timezone.now()
    delivery.save()
    return delivery
