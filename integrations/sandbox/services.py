"""What the simulated providers do: hold RMAs, receive them, call the store's webhooks back."""

import json
import secrets
from datetime import UTC
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from config.publishing import task_publish_on_commit
from integrations.sandbox.models import SandboxAccount, SandboxPlatformCall, SandboxReturn, SandboxWebhookDelivery
from integrations.sandbox.spec import SandboxProvider, SandboxWarehouse

if TYPE_CHECKING:
    from integrations.models import Connection

RECEIVE_MODES = ("fully_received", "short", "excess", "damaged")
# Every simulated WMS starts with these (ShipStream reads the ids as numbers).
DEFAULT_WAREHOUSES = [
    {"id": "1", "code": "CA1", "name": "Ontario, CA"},
    {"id": "2", "code": "NJ1", "name": "Carteret, NJ"},
]
# Which of the account's own credentials stands for which Connection field.
CREDENTIAL_SOURCES: dict[str, str] = {
    "api_key": "api_key",
    "access_token": "api_key",
    "api_password": "api_key",
    "api_username": "username",
    "external_account_id": "account_id",
    "webhook_secret": "webhook_secret",
}


def _spec(account: SandboxAccount) -> SandboxProvider:
    from integrations.sandbox.catalog import sandbox_provider

    return sandbox_provider(account.provider)


# ----------------------------------------------------------------------------- accounts


def sandbox_credentials(*, account: SandboxAccount) -> dict[str, str]:
    """The account's own credentials by the Connection field they go in (empty: it has none)."""
    if not account.api_key:
        return {}
    return {name: str(getattr(account, CREDENTIAL_SOURCES[name])) for name in _spec(account).credentials}


def sandbox_connection_settings(*, account: SandboxAccount) -> dict[str, str]:
    """Fresh values for the other Connection fields a connection needs with this fake (webhook credentials...)."""
    return _spec(account).connection_settings()


def sandbox_serves(*, account: SandboxAccount, connection: "Connection") -> bool:
    """The connection's base URL points at this account (it talks to the sandbox, not the real provider)."""
    path = urlsplit(connection.base_url or "").path.rstrip("/")
    return bool(path) and path == account.base_path.rstrip("/")


def sandbox_base_url(*, account: SandboxAccount) -> str:
    """The account's base URL on this server, as a connection stores it."""
    return settings.PUBLIC_BASE_URL.rstrip("/") + account.base_path.rstrip("/")


@transaction.atomic
def sandbox_account_provision(*, connection: "Connection") -> SandboxAccount:
    """The sandbox account for a store connection, with credentials (and warehouses) of its own from the first use."""
    account = (
        SandboxAccount.objects.select_for_update()
        .filter(provider=connection.provider, connection=connection)
        .order_by("pk")
        .first()
    )
    if account is None:
        account = SandboxAccount(
            provider=connection.provider,
            connection=connection,
            name=f"{connection.store.name}: {connection.display_name}",
        )
    spec = _spec(account)
    if not account.api_key:
        account.api_key = f"sbx_{secrets.token_urlsafe(18)}"
        if "api_username" in spec.credentials:
            account.username = "sandbox-api"
        if "external_account_id" in spec.credentials:
            account.account_id = str(10000 + secrets.randbelow(90000))
        if "webhook_secret" in spec.credentials:
            account.webhook_secret = secrets.token_urlsafe(24)
    if spec.warehouse is not None and not account.warehouses:
        account.warehouses = DEFAULT_WAREHOUSES
    account.save()
    return account


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
        task_publish_on_commit(
            "integrations.sandbox.tasks.sandbox_auto_receive",
            sandbox_return.pk,
            countdown=account.auto_receive_delay_seconds,
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


def sandbox_receive_without_rma(*, sandbox_return: SandboxReturn, mode: str, keep_label: bool) -> SandboxReturn:
    """The parcel of an RMA arrives without its RMA number (or with nothing to tell it by): the warehouse makes a
    return of its own for it, receives it and tells the store, as a WMS does with a parcel it cannot match.

    keep_label: the parcel still shows its tracking number and order (what an orphan receipt is matched by);
    False: only what is inside it is known."""
    account = sandbox_return.account
    body = (
        {k: v for k, v in sandbox_return.request_body.items() if k in ("order_key", "store_id")} if keep_label else {}
    )
    made = SandboxReturn.objects.create(
        account=account,
        external_id=_warehouse(account).new_external_id(),
        rma_number="",
        warehouse=sandbox_return.warehouse,
        order_ref=sandbox_return.order_ref if keep_label else "",
        items=sandbox_return.items,
        tracking_numbers=sandbox_return.tracking_numbers if keep_label else [],
        request_body=body,
    )
    return sandbox_receive(sandbox_return=made, mode=mode)


# ----------------------------------------------------------------------------- returns platforms


def sandbox_platform_call_record(*, account: SandboxAccount, return_id: str, action: str, body: Any) -> None:
    SandboxPlatformCall.objects.create(account=account, return_id=str(return_id), action=action, body=body or {})


# ----------------------------------------------------------------------------- webhooks out


def sandbox_new_return_send(
    *, account: SandboxAccount, return_id: str, order_name: str, lines: list[dict[str, Any]], tracking: str, test: bool
) -> SandboxWebhookDelivery:
    """Have a simulated returns platform announce a new return (with a label) to its store, as it would."""
    platform = _spec(account).platform
    if platform is None:
        raise ValueError(f"{account.provider} is not a returns platform")
    event_type, payload = platform.new_return_webhook(return_id, order_name, lines, tracking)
    if test:
        # The platform's test flag: intake keeps test returns away from a live warehouse.
        payload["test"] = True
    return sandbox_webhook_send(account=account, event_type=event_type, payload=payload)


def sandbox_delivery_return_id(*, delivery: SandboxWebhookDelivery) -> str:
    """The platform return id a webhook the sandbox sent is about ("" when its body says none)."""
    platform = _spec(delivery.account).platform
    try:
        body = json.loads(delivery.body)
    except ValueError:
        return ""
    return platform.return_id_of(body) if platform is not None and isinstance(body, dict) else ""


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
    task_publish_on_commit("integrations.sandbox.tasks.sandbox_webhook_deliver", delivery.pk)
    return delivery


def sandbox_webhook_deliver(*, delivery_id: int) -> SandboxWebhookDelivery:
    """POST one queued webhook, signed as the real provider signs it."""
    import requests

    delivery = SandboxWebhookDelivery.objects.select_related("account__connection").get(pk=delivery_id)
    connection = delivery.account.connection
    if connection is None:  # unlinked (SET_NULL) after the webhook was queued: nothing to sign it for
        raise ValueError(f"{delivery.account} is no longer linked to a store connection: cannot sign {delivery}")
    account = delivery.account
    if account.webhook_secret and sandbox_serves(account=account, connection=connection):
        # The sandbox signs with the secret it showed the merchant, as the real provider does: a
        # different one typed into the wizard fails verification, so that mistake can be rehearsed.
        connection.webhook_secret = account.webhook_secret
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
