"""What the simulated ShipBob holds and answers with: its fulfillment centers, inventory, orders, channel and
return objects, in the 2026-01 shapes (PROVIDER.md). The views are in sandbox.py."""

import zlib
from typing import Any

from django.http import JsonResponse

from integrations.sandbox.endpoint import expected
from integrations.sandbox.models import SandboxAccount, SandboxReturn

# The simulated account's catalogue: any SKU is known unless the account lists its SKUs; SKUs beginning
# with these words are bundles or digital items, which ShipBob refuses in a return.
BUNDLE_PREFIX, DIGITAL_PREFIX = "BUNDLE-", "DIGITAL-"
# SandboxReturn.status → ShipBob's status word. "open" and "cancelled" are the shared sandbox's own words.
STATUS_WORDS = {"open": "AwaitingArrival", "cancelled": "Cancelled", "completed": "Completed"}
CHANNEL_SCOPES = ["channels_read", "inventory_read", "orders_read", "receiving_read", "returns_read", "returns_write"]


# ----------------------------------------------------------------------------- error bodies


def problem(status: int, title: str, detail: str = "", errors: dict[str, list[str]] | None = None) -> JsonResponse:
    """Returns.ProblemDetails (RFC 7807), with a validation problem's `errors` extension when there are some."""
    body: dict[str, Any] = {
        "type": f"https://tools.ietf.org/html/rfc9110#section-15.{5 if status < 500 else 6}",
        "title": title,
        "status": status,
        "detail": detail or None,
        "instance": None,
    }
    if errors:
        body["errors"] = errors
    return JsonResponse(body, status=status, content_type="application/problem+json")


def api_error(message: str, errors: list[str]) -> JsonResponse:
    """Returns.ApiError, the 422 of create and modify."""
    return JsonResponse({"message": message, "errors": errors, "details": None, "stackTrace": None}, status=422)


# ----------------------------------------------------------------------------- the account


def channel_id(account: SandboxAccount) -> int:
    """The channel the account's token created: the Channel ID its credentials show (1 when it has none)."""
    value = expected(account, linked="external_account_id")
    return int(value) if value.isdigit() else 1


def fulfillment_centers(account: SandboxAccount) -> list[dict[str, Any]]:
    """The account's warehouses as ShipBob fulfillment centers (numeric ids; a non-numeric one is numbered)."""
    centers = []
    for index, warehouse in enumerate(account.warehouses):
        raw = str(warehouse.get("id", ""))
        centers.append(
            {
                "id": int(raw) if raw.isdigit() else index + 1,
                "name": warehouse.get("name") or f"Fulfillment center {index + 1}",
                "address1": None,
                "address2": None,
                "city": None,
                "state": None,
                "country": "USA",
                "zip_code": None,
                "phone_number": None,
                "email": None,
                "timezone": "Central Standard Time",
            }
        )
    return centers


def inventory_id(account: SandboxAccount, sku: str) -> int:
    """A stable id for the account's SKU, from which the fake finds the SKU again without remembering anything.

    An account that lists its SKUs numbers them as ShipBob does, in int32 (found again by its list). One that
    knows any SKU makes its catalogue up as it is asked: the id is the SKU's own bytes after a 0x01 marker, as
    one number (larger than ShipBob's int32: kept in no cache or table, so nothing clears or loses it)."""
    if account.skus:
        return 1_000_000 + zlib.crc32(f"{account.key}:{sku}".encode()) % 8_000_000
    return int.from_bytes(b"\x01" + sku.encode(), "big")


def sku_of(account: SandboxAccount, number: int) -> str:
    """The SKU of an inventory id this account hands out ("" for an id it never would)."""
    if account.skus:
        return next((str(sku) for sku in account.skus if inventory_id(account, str(sku)) == number), "")
    if number < 1 << 8:
        return ""
    raw = number.to_bytes((number.bit_length() + 7) // 8, "big")
    try:
        sku = raw[1:].decode() if raw[0] == 1 else ""
    except UnicodeDecodeError:
        return ""
    return sku if sku.isprintable() else ""


def inventory_item(account: SandboxAccount, sku: str) -> dict[str, Any]:
    """One Inventory item (GET /inventory), with its variant's bundle and digital flags."""
    upper = sku.upper()
    return {
        "inventory_id": inventory_id(account, sku),
        "sku": sku,
        "name": sku,
        "barcode": None,
        "is_lot": False,
        "is_case": False,
        "user_id": 1,
        "variant": {
            "is_active": True,
            "is_bundle": upper.startswith(BUNDLE_PREFIX),
            "is_digital": upper.startswith(DIGITAL_PREFIX),
            "hazmat": {"is_hazmat": False, "name": None},
        },
        "dimensions": {"length": 10, "width": 8, "height": 2, "unit": "in"},
        "weight": {"value": 8, "unit": "oz"},
    }


def inventory_matching(account: SandboxAccount, search: str) -> list[dict[str, Any]]:
    """SearchBy: an inventory id exactly, or a SKU partially and case-insensitively (all the account lists);
    an account that lists no SKUs knows exactly the one searched for."""
    if not search:
        return [inventory_item(account, str(sku)) for sku in account.skus or ()]
    if not account.skus:
        return [inventory_item(account, search)]
    listed = [str(sku) for sku in account.skus]
    by_id = [sku for sku in listed if search.isdigit() and inventory_id(account, sku) == int(search)]
    return [inventory_item(account, sku) for sku in by_id or [s for s in listed if search.lower() in s.lower()]]


def order(account: SandboxAccount, reference: str) -> dict[str, Any]:
    """An order every reference id names, shipped in full from the first fulfillment center."""
    centers = fulfillment_centers(account) or [{"id": 1, "name": "Fulfillment center 1"}]
    number = 100_000_000 + zlib.crc32(f"{account.key}:order:{reference}".encode()) % 800_000_000
    return {
        "id": number,
        "reference_id": reference,
        "order_number": reference,
        "status": "Fulfilled",
        "type": "DTC",
        "channel": {"id": channel_id(account), "name": "Shopify store"},
        "created_date": "2026-01-05T10:00:00+00:00",
        "shipments": [
            {
                "id": number + 1,
                "order_id": number,
                "reference_id": reference,
                "status": "Completed",
                "location": {"id": centers[0]["id"], "name": centers[0]["name"]},
                "tracking": {"carrier": "USPS", "tracking_number": f"9400{number}", "shipping_date": "2026-01-06"},
                "products": [],
            }
        ],
    }


# ----------------------------------------------------------------------------- returns


def _iso(moment: Any) -> str | None:
    return moment.isoformat() if moment is not None else None


def _action_taken(item: dict[str, Any], received: dict[str, Any] | None) -> list[dict[str, Any]]:
    """What the warehouse did with an item's units: restocked when good, else what was asked for it if that
    was a disposal, quarantined otherwise, with the warehouse's reason."""
    if not received or not received.get("received"):
        return []
    good = received.get("condition") == "good"
    action = "Restock" if good else ("Dispose" if _asked(item) == "Dispose" else "Quarantine")
    return [
        {
            "action": action,
            "action_reason": "Passed inspection" if good else "Damaged: not resellable",
            "image_url": None,
            "quantity_processed": int(received["received"]),
        }
    ]


def _asked(item: dict[str, Any]) -> str:
    return str(item.get("requested_action") or "Default")


def return_v1(sandbox_return: SandboxReturn) -> dict[str, Any]:
    """PublicReturnV1Dto: the answer to create and modify, and the body of the webhooks (no SKUs)."""
    body = sandbox_return.request_body
    received = {line["sku"]: line for line in sandbox_return.received}
    completed = sandbox_return.status == "completed"
    centers = {c["id"]: c["name"] for c in fulfillment_centers(sandbox_return.account)}
    center = int(sandbox_return.warehouse) if sandbox_return.warehouse.isdigit() else 0
    return {
        "id": int(sandbox_return.external_id),
        "reference_id": sandbox_return.rma_number,
        "status": STATUS_WORDS.get(sandbox_return.status, sandbox_return.status),
        "return_type": "Regular",
        "channel": {"id": channel_id(sandbox_return.account), "name": "PAT Channel"},
        "fulfillment_center": {"id": center, "name": centers.get(center)},
        "customer_name": "Sandbox Merchant",
        "original_shipment_id": body.get("original_shipment_id"),
        "store_order_id": None,
        "tracking_number": (sandbox_return.tracking_numbers or [None])[0],
        "insert_date": _iso(sandbox_return.created_at),
        "completed_date": _iso(sandbox_return.updated_at) if completed else None,
        "invoice_amount": 3.5 if completed else None,
        "transactions": [{"amount": 3.5, "transaction_type": "ReturnProcessingFee"}] if completed else [],
        "inventory": [
            {
                "id": item.get("inventory_id") or inventory_id(sandbox_return.account, item["sku"]),
                "name": item["sku"],
                "quantity": item["quantity"],
                "action_requested": {
                    "action": _asked(item),
                    "action_type": "InventoryDefault" if _asked(item) == "Default" else "Override",
                    "instructions": None,
                },
                "action_taken": _action_taken(item, received.get(item["sku"])),
            }
            for item in sandbox_return.items
        ],
    }


def return_full(sandbox_return: SandboxReturn) -> dict[str, Any]:
    """PublicReturnDto (GET /return/{id} and the list): V1 plus the SKUs, barcodes and status dates."""
    obj = return_v1(sandbox_return)
    obj.pop("invoice_amount")
    status, changed = sandbox_return.status, _iso(sandbox_return.updated_at)
    created = obj["insert_date"]
    history = [{"status": "AwaitingArrival", "timestamp": created}]
    if status == "completed":
        history += [{"status": word, "timestamp": changed} for word in ("Arrived", "Processing", "Completed")]
    elif status == "cancelled":
        history.append({"status": "Cancelled", "timestamp": changed})
    obj.update(
        {
            "awaiting_arrival_date": created,
            "arrived_date": changed if status == "completed" else None,
            "processing_date": changed if status == "completed" else None,
            "cancelled_date": changed if status == "cancelled" else None,
            "shipment_tracking_number": None,
            "invoice": {"amount": 3.5, "currency_code": "USD"} if status == "completed" else None,
            "status_history": history,
        }
    )
    for item, line in zip(obj["inventory"], sandbox_return.items, strict=True):
        item.update(
            {
                "sku": line["sku"],
                "barcodes": [],
                "lot_information": {"number": None, "expiration": None, "minimumShelfLife": None},
            }
        )
    return obj
