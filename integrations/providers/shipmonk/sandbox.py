"""Simulated ShipMonk (base https://api.shipmonk.com): returns upserted on `rma`, warehouses, the
sandbox complete-return helper, and Shipment Notifications / return-status webhooks (providers.md §4)."""

import base64
import hmac
import secrets
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path
from django.utils.dateparse import parse_datetime

from integrations.models import Connection
from integrations.providers.shipmonk.declaration import DECLARATION
from integrations.sandbox import validation as v
from integrations.sandbox.endpoint import expected, json_body, same, sandbox_endpoint, unknown_skus
from integrations.sandbox.models import SandboxAccount, SandboxReturn
from integrations.sandbox.services import sandbox_receive, sandbox_return_create, sandbox_return_update
from integrations.sandbox.spec import SandboxProvider, SandboxWarehouse

# What the real API documents for the requests it takes (validated strictly below).
# ShipMonk POST /v1/integrations/returns (providers.md §4.2). Unknown keys are refused.
SHIPMONK_RETURN_REASONS = (
    "reason_exchange",
    "reason_changed_mind",
    "reason_undeliverable",
    "reason_unknown",
    "reason_incorrect_product",
)
SHIPMONK_DESIRED_ACTIONS = ("received_back_into_inventory", "damaged_not_resellable")
SHIPMONK_RETURN = {
    "warehouse": v.Field(str, required=True),
    "rma": v.Field(str, required=True),
    "store_id": v.Field(int, required=True),
    "return_reason": v.Field(str, required=True, enum=SHIPMONK_RETURN_REASONS),
    "items": v.Field(
        list,
        required=True,
        min_items=1,
        items=v.Field(
            dict,
            schema={
                "sku": v.Field(str, required=True),
                "expected_quantity": v.Field(int, required=True, positive=True),
                "desired_action": v.Field(str, required=True, enum=SHIPMONK_DESIRED_ACTIONS),
            },
        ),
    ),
    "order_key": v.Field(str, allow_null=True),
    "note": v.Field(str, allow_null=True),
    "tracking_number": v.Field(str, allow_null=True),
    "tracking_numbers": v.Field(list, items=v.Field(str)),
    # The spec types value as an object (or null), not a string.
    "custom_data": v.Field(
        list,
        items=v.Field(
            dict,
            schema={
                "name": v.Field(str, required=True),
                "value": v.Field(dict, required=True, allow_null=True),
            },
        ),
    ),
    "references_to_related_order": v.Field(
        dict,
        schema={
            "order_number": v.Field(str, required=True),
            "search_in_all_stores": v.Field(bool),
        },
    ),
}
SHIPMONK_COMPLETE_RETURN = {
    "rma": v.Field(str, required=True),
    "completion_mode": v.Field(
        str, required=True, enum=("fully_received", "short_received", "excess_received", "partially_received")
    ),
    "final_disposition": v.Field(
        str, required=True, enum=("reworked", "returned_to_inventory", "return_to_merchant", "dispose", "donate")
    ),
}


def error(status: int, message: str, details: list[str] | None = None) -> HttpResponse:
    """ShipMonk's error body: {"status", "message", "errors"}."""
    return JsonResponse({"status": status, "message": message, "errors": details or []}, status=status)


def authenticated(account: SandboxAccount, request: HttpRequest) -> bool:
    """The Api-Key header."""
    return same(request.headers.get("Api-Key", ""), expected(account, linked="api_key"))


endpoint = sandbox_endpoint(DECLARATION.slug, error=error, authenticated=authenticated)


def _warehouse_codes(account: SandboxAccount) -> set[str]:
    return {str(w.get("code") or w.get("id")) for w in account.warehouses}


@endpoint
def returns(request: HttpRequest, account: SandboxAccount) -> HttpResponse:
    """POST /v1/integrations/returns: create or update, keyed on `rma`."""
    if request.method != "POST":
        return error(405, "Method not allowed")
    body, problem = json_body(request)
    errors = [problem] if problem else v.validate_object(body, SHIPMONK_RETURN)
    if not errors and account.warehouses and body["warehouse"] not in _warehouse_codes(account):
        errors.append(f"body.warehouse: unknown warehouse {body['warehouse']!r}")
    if not errors:
        skus = [item["sku"] for item in body["items"]]
        errors += [f"body.items[{i}].sku: product {sku!r} does not exist" for i, sku in unknown_skus(account, skus)]
    if errors:
        return error(422, "Validation failed", errors)
    items = [
        {"sku": i["sku"], "quantity": i["expected_quantity"], "desired_action": i["desired_action"]}
        for i in body["items"]
    ]
    tracking = body.get("tracking_numbers") or ([body["tracking_number"]] if body.get("tracking_number") else [])
    existing = SandboxReturn.objects.filter(account=account, rma_number=body["rma"]).first()
    if existing:
        sandbox_return = sandbox_return_update(
            sandbox_return=existing, items=items, tracking_numbers=tracking, body=body
        )
        message = "Return updated"
    else:
        sandbox_return = sandbox_return_create(
            account=account,
            rma_number=body["rma"],
            warehouse=body["warehouse"],
            order_ref=body.get("order_key") or "",
            items=items,
            tracking_numbers=tracking,
            body=body,
        )
        message = "Return created"
    return JsonResponse({"status": 200, "data": {"message": message, "id": int(sandbox_return.external_id)}})


@endpoint
def returns_list(request: HttpRequest, account: SandboxAccount) -> HttpResponse:
    """GET /v1/integrations/returns-list?rma=&return_status=&updated_at=&page=&page_size=.

    updated_at is read as "updated at or after" (the spec names the filter, not its operator).
    """
    found = SandboxReturn.objects.filter(account=account).order_by("id")
    if rma := request.GET.get("rma"):
        found = found.filter(rma_number=rma)
    if updated_at := request.GET.get("updated_at"):
        since = parse_datetime(updated_at.replace("Z", "+00:00"))
        if since is None or since.tzinfo is None:
            return error(422, "Validation failed", ["query.updated_at: expected an ISO 8601 date-time"])
        found = found.filter(updated_at__gte=since)
    if status := request.GET.get("return_status"):
        found = found.filter(status=status)
    page_size = min(int(request.GET.get("page_size", 100)), 100)
    page = max(int(request.GET.get("page", 1)), 1)
    total = found.count()
    chunk = found[(page - 1) * page_size : page * page_size]
    return JsonResponse(
        {
            "status": 200,
            "data": {"returns_list": [return_object(r) for r in chunk]},
            "paginator": {"total": total, "pages": max(1, -(-total // page_size)), "page": page},
        }
    )


@endpoint
def warehouses(request: HttpRequest, account: SandboxAccount) -> HttpResponse:
    """GET /v1/integrations/warehouses."""
    data = [
        {
            "id": index + 1,
            "identifier": w.get("code") or w.get("id"),
            "name": w.get("name", ""),
            "timezone": "UTC",
            "warehouse_wms_type": "shipmonk",
            "enabled": True,
            "address": w.get("address", {}),
        }
        for index, w in enumerate(account.warehouses)
    ]
    return JsonResponse({"status": 200, "data": data})


@endpoint
def orders(request: HttpRequest, account: SandboxAccount) -> HttpResponse:
    """GET /v1/integrations/orders: the sandbox holds no outbound orders."""
    return error(404, "Order not found")


@endpoint
def complete_return(request: HttpRequest, account: SandboxAccount) -> HttpResponse:
    """POST /v1/integrations/sandbox/complete-return: ShipMonk's own sandbox helper."""
    body, problem = json_body(request)
    errors = [problem] if problem else v.validate_object(body, SHIPMONK_COMPLETE_RETURN)
    if errors:
        return error(422, "Validation failed", errors)
    sandbox_return = SandboxReturn.objects.filter(account=account, rma_number=body["rma"]).first()
    if sandbox_return is None:
        return error(404, f"Return {body['rma']} not found")
    mode = {
        "fully_received": "fully_received",
        "short_received": "short",
        "excess_received": "excess",
        "partially_received": "short",
    }[body["completion_mode"]]
    if body["final_disposition"] in ("dispose", "donate"):
        mode = "damaged"
    sandbox_receive(sandbox_return=sandbox_return, mode=mode)
    return JsonResponse({"status": 200, "data": {"message": "Return completed"}})


urlpatterns = [
    path("v1/integrations/returns", returns),
    path("v1/integrations/returns-list", returns_list),
    path("v1/integrations/warehouses", warehouses),
    path("v1/integrations/orders", orders),
    path("v1/integrations/sandbox/complete-return", complete_return),
]


# ----------------------------------------------------------------------------- what it sends


def return_object(sandbox_return: SandboxReturn) -> dict[str, Any]:
    """One returns-list element (providers.md §4.2), also the return-status-change webhook body."""
    body = sandbox_return.request_body
    received = {line["sku"]: line for line in sandbox_return.received}
    return {
        "id": int(sandbox_return.external_id),
        "warehouse": sandbox_return.warehouse,
        "order_key": body.get("order_key"),
        "store_id": body.get("store_id"),
        "rma": sandbox_return.rma_number or None,  # a return the warehouse made itself has no RMA number
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


def shipment_notification_payload(
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


def sign(connection: Connection, body: bytes) -> dict[str, str]:
    """Basic Auth with the webhook user and password, plus X-Sm-Signature (HMAC-SHA512 hex) when a secret is set."""
    credentials = f"{connection.webhook_username}:{connection.webhook_password}".encode()
    headers = {"Content-Type": "application/json", "Authorization": "Basic " + base64.b64encode(credentials).decode()}
    if connection.webhook_secret:
        headers["X-Sm-Signature"] = hmac.new(connection.webhook_secret.encode(), body, "sha512").hexdigest()
    return headers


def _status_webhook(sandbox_return: SandboxReturn, previous_status: str) -> tuple[str, dict[str, Any]]:
    return "return_status_change", return_object(sandbox_return)


SANDBOX = SandboxProvider(
    slug=DECLARATION.slug,
    urlpatterns=urlpatterns,
    sign=sign,
    credentials=("api_key", "external_account_id"),
    connection_settings=lambda: {
        "webhook_username": "backhaul",
        "webhook_password": secrets.token_urlsafe(24),
        "webhook_secret": secrets.token_urlsafe(32),
    },
    warehouse=SandboxWarehouse(
        new_external_id=lambda: str(100000 + secrets.randbelow(800000)),
        received_status="returned",
        status_webhook=_status_webhook,
    ),
)
