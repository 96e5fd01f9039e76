"""What the simulated providers do: hold RMAs, receive them, call the store's webhooks back."""

from datetime import UTC
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from integrations.sandbox.models import SandboxAccount, SandboxPlatformCall, SandboxReturn, SandboxWebhookDelivery
from integrations.sandbox.spec import SandboxProvider, SandboxWarehouse

RECEIVE_MODES = ("fully_received", "short", "excess", "damaged")
def _spec(account: SandboxAccount) -> SandboxProvider:
    from integrations.sandbox.providers import sandbox_provider

    return sandbox_provider(account.provider)


def sandbox_take_failure(*, account: SandboxAccount) -> bool:
    """Consume one injected failure; True when this request must fail (atomic across processes)."""
    if not account.failure_mode:
        return False
    return bool(
        SandboxAccount.objects.filter(pk=account.pk, failures_remaining__gt=0).update(
            failures_remaining=F("failures_remaining") - 1
        )
    )


def now_iso() -> str:
    """Now in UTC as the providers write it (2026-11-02T14:05:00Z)."""
    return timezone.now().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _warehouse(account: SandboxAccount) -> SandboxWarehouse:
    warehouse = _spec(account).warehouse
    if warehouse is None:
        raise ValueError(f"{account.provider} is not a warehouse system")
    return warehouse


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
        external_id=_warehouse(account).new_external_id(),
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


def sandbox_receive(*, sandbox_return: SandboxReturn, mode: str) -> SandboxReturn:
    """The warehouse receives and grades the parcel, then tells the store through its webhook."""
    if mode not in RECEIVE_MODES:
        raise ValueError(f"unknown receive mode {mode!r}; expected one of {', '.join(RECEIVE_MODES)}")
    warehouse = _warehouse(sandbox_return.account)
    previous_status = sandbox_return.status
    sandbox_return.received = _received_lines(sandbox_return.items, mode)
    sandbox_return.status = warehouse.received_status
    sandbox_return.save(update_fields=["received", "status", "updated_at"])
    event_type, payload = warehouse.status_webhook(sandbox_return, previous_status)
    sandbox_webhook_send(account=sandbox_return.account, event_type=event_type, payload=payload)
    return sandbox_return


# ----------------------------------------------------------------------------- returns platforms


def sandbox_platform_call_record(*, account: SandboxAccount, return_id: str, action: str, body: Any) -> None:
    SandboxPlatformCall.objects.create(account=account, return_id=str(return_id), action=action, body=body or {})


# ----------------------------------------------------------------------------- webhooks out


def sandbox_webhook_send(
    *, account: SandboxAccount, event_type: str, payload: dict[str, Any], deliver_now: bool = False
) -> SandboxWebhookDelivery:
    """Queue a signed webhook to the connection this account belongs to (sent by a worker, or now)."""
    if account.connection is None:
        raise ValueError(f"{account} is not linked to a store connection: nowhere to send {event_type}")
    body = _spec(account).encode(payload)
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
    account = delivery.account
    body = delivery.body.encode()
    headers = _spec(account).sign(connection, body)
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
