"""Simulated ShipStream (base https://<instance>.shipstream.app): JSON-RPC with Basic auth, RMA
deliveries with a unique Merchant RMA #, warehouses, and HMAC-signed delivery webhooks (providers.md §5)."""

import base64
import hmac
import secrets
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path

from integrations.models import Connection
from integrations.providers.shipstream.declaration import DECLARATION
from integrations.sandbox import validation as v
from integrations.sandbox.endpoint import basic_credentials, expected, json_body, same, sandbox_endpoint, unknown_skus
from integrations.sandbox.models import SandboxAccount, SandboxReturn
from integrations.sandbox.services import now_iso, sandbox_return_cancel, sandbox_return_create, sandbox_return_update
from integrations.sandbox.spec import SandboxProvider, SandboxWarehouse

# What the real API documents for the requests it takes (validated strictly below).
# ShipStream delivery.create data fields (providers.md §5.2); no others are accepted.
SHIPSTREAM_DELIVERY_DATA = {
    "warehouse_id": v.Field(int, required=True),
    "sender_name": v.Field(str),
    "merchant_ref": v.Field(str, required=True),
    "sender_ref_alt": v.Field(str),
    "sender_ref": v.Field(str),
    "tracking_numbers": v.Field(list, items=v.Field(str)),
    "expected_delivery": v.Field(str),
    "carrier_name": v.Field(str),
    "comments": v.Field(str),
    "special_requirements": v.Field(str),
    "merchant_status": v.Field(str),
    "auto_commit": v.Field(int, enum=(0, 1, 2)),
    "auto_close": v.Field(int, enum=(0, 1, 2)),
}
SHIPSTREAM_DELIVERY_ITEM = v.Field(
    dict,
    schema={
        "sku": v.Field(str, required=True),
        "qty": v.Field((int, float), required=True, positive=True),
        "item_ref": v.Field(str, max_length=32),
    },
)


def error(status: int, message: str, details: list[str] | None = None) -> HttpResponse:
    """An HTTP-level failure in JSON-RPC's error shape."""
    return JsonResponse({"error": {"code": -32000 - status, "message": message}}, status=status)


def authenticated(account: SandboxAccount, request: HttpRequest) -> bool:
    """Basic auth with the API user's name and password."""
    user, password = basic_credentials(request)
    return same(user, expected(account, linked="api_username")) and same(
        password, expected(account, linked="api_password")
    )


endpoint = sandbox_endpoint(DECLARATION.slug, error=error, authenticated=authenticated)


def _rpc_result(request_id: Any, result: Any) -> JsonResponse:
    return JsonResponse({"jsonrpc": "2.0", "id": request_id, "result": result})


def _rpc_error(request_id: Any, code: int, message: str) -> JsonResponse:
    return JsonResponse({"jsonrpc": "2.0", "id": request_id, "error": {"code": code, "message": message}})


@endpoint
def jsonrpc(request: HttpRequest, account: SandboxAccount) -> HttpResponse:
    """POST /api/jsonrpc: call(null, "resource.method", [args]) with Basic auth."""
    body, problem = json_body(request)
    if problem or not isinstance(body, dict):
        return _rpc_error(None, -32700, "Parse error")
    request_id = body.get("id")
    params = body.get("params")
    if body.get("jsonrpc") != "2.0" or body.get("method") != "call" or not isinstance(params, list) or len(params) < 2:
        return _rpc_error(request_id, -32600, "Invalid Request: expected call(session_id, method, [args])")
    method, args = params[1], (params[2] if len(params) > 2 else [])
    if not isinstance(args, list):
        return _rpc_error(request_id, -32602, "Invalid params: arguments must be an array")
    handler = METHODS.get(method)
    if handler is None:
        return _rpc_error(request_id, -32601, f"Method not found: {method}")
    try:
        return _rpc_result(request_id, handler(account, args))
    except ShipStreamFault as fault:
        return _rpc_error(request_id, fault.code, fault.message)


class ShipStreamFault(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


def _find(account: SandboxAccount, increment_id: Any) -> SandboxReturn:
    found = SandboxReturn.objects.filter(account=account, external_id=str(increment_id)).first()
    if found is None:
        raise ShipStreamFault(-32101, f"Delivery {increment_id} does not exist.")
    return found


def _items(items: Any) -> list[dict[str, Any]]:
    errors = v.validate_value(
        items, v.Field(list, min_items=1, items=SHIPSTREAM_DELIVERY_ITEM), "items", forbid_empty=False
    )
    if errors:
        raise ShipStreamFault(-32602, "; ".join(errors))
    return [{"sku": i["sku"], "quantity": int(i["qty"]), "item_ref": i.get("item_ref", "")} for i in items]


def _delivery_create(account: SandboxAccount, args: list[Any]) -> str:
    if len(args) < 2:
        raise ShipStreamFault(-32602, "delivery.create expects (type, data, items)")
    delivery_type, data = args[0], args[1]
    if delivery_type not in ("asn", "rma", "other"):
        raise ShipStreamFault(-32602, "type must be one of asn, rma, other")
    errors = v.validate_object(data, SHIPSTREAM_DELIVERY_DATA, "data")
    if errors:
        raise ShipStreamFault(-32602, "; ".join(errors))
    if account.warehouses and str(data["warehouse_id"]) not in {str(w.get("id")) for w in account.warehouses}:
        raise ShipStreamFault(-32602, f"Invalid warehouse_id {data['warehouse_id']}.")
    # ShipStream enforces a unique Merchant RMA #: the natural idempotency key.
    if SandboxReturn.objects.filter(account=account, rma_number=data["merchant_ref"]).exists():
        raise ShipStreamFault(-32105, f"A delivery with Merchant RMA # {data['merchant_ref']} already exists.")
    items = _items(args[2] if len(args) > 2 else None)
    if unknown := unknown_skus(account, [item["sku"] for item in items]):
        raise ShipStreamFault(-32602, "; ".join(f"Invalid SKU: {sku}" for _, sku in unknown))
    sandbox_return = sandbox_return_create(
        account=account,
        rma_number=data["merchant_ref"],
        warehouse=str(data["warehouse_id"]),
        order_ref=data.get("sender_ref_alt", ""),
        items=items,
        tracking_numbers=data.get("tracking_numbers", []),
        body=data,
    )
    return sandbox_return.external_id


def _delivery_search(account: SandboxAccount, args: list[Any]) -> dict[str, Any]:
    filters = args[0] if args and isinstance(args[0], dict) else {}
    found = SandboxReturn.objects.filter(account=account).order_by("id")
    if "merchant_ref" in filters:
        ref = filters["merchant_ref"]
        ref = ref.get("eq", ref) if isinstance(ref, dict) else ref
        found = found.filter(rma_number=ref)
    if "increment_id" in filters:
        number = filters["increment_id"]
        number = number.get("eq", number) if isinstance(number, dict) else number
        found = found.filter(external_id=str(number))
    results = [delivery_object(r) for r in found]
    return {"totalCount": len(results), "results": results}


def _delivery_update(account: SandboxAccount, args: list[Any]) -> bool:
    if len(args) < 2:
        raise ShipStreamFault(-32602, "delivery.update expects (increment_id, data, addItems, removeItems)")
    sandbox_return = _find(account, args[0])
    data = args[1] or {}
    # An update may send any subset of the create fields, none of them required.
    allowed = {k: v.Field(spec.kind, enum=spec.enum, items=spec.items) for k, spec in SHIPSTREAM_DELIVERY_DATA.items()}
    errors = v.validate_object(data, allowed, "data")
    if errors:
        raise ShipStreamFault(-32602, "; ".join(errors))
    sandbox_return_update(
        sandbox_return=sandbox_return,
        items=None,
        tracking_numbers=data.get("tracking_numbers"),
        body={**sandbox_return.request_body, **data},
    )
    return True


def _delivery_cancel(account: SandboxAccount, args: list[Any]) -> bool:
    sandbox_return = _find(account, args[0] if args else None)
    sandbox_return_cancel(sandbox_return=sandbox_return)
    return True


def _warehouse_list(account: SandboxAccount, args: list[Any]) -> list[dict[str, Any]]:
    return [
        {
            "warehouse_id": int(w.get("id")),
            "name": w.get("name", ""),
            "is_active": True,
            "address": w.get("address", {}),
        }
        for w in account.warehouses
    ]


METHODS: dict[str, Callable[[SandboxAccount, list[Any]], Any]] = {
    "delivery.create": _delivery_create,
    "delivery.search": _delivery_search,
    "delivery.update": _delivery_update,
    "delivery.cancel": _delivery_cancel,
    "warehouse.list": _warehouse_list,
}

urlpatterns = [path("api/jsonrpc", jsonrpc)]


# ----------------------------------------------------------------------------- what it sends


STATES = {"new": "new", "put_away": "complete", "cancelled": "canceled", "canceled": "canceled"}


def delivery_object(sandbox_return: SandboxReturn) -> dict[str, Any]:
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
        "state": STATES.get(status, "processing"),
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


def sign(connection: Connection, body: bytes) -> dict[str, str]:
    """X-Plugin-Hmac-Sha256: base64 HMAC-SHA256 of the body with the shared secret."""
    digest = hmac.new(connection.webhook_secret.encode(), body, "sha256").digest()
    return {"Content-Type": "application/json", "X-Plugin-Hmac-Sha256": base64.b64encode(digest).decode()}


def _status_webhook(sandbox_return: SandboxReturn, previous_status: str) -> tuple[str, dict[str, Any]]:
    delivery = delivery_object(sandbox_return)
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
            "event_timestamp": now_iso(),
        },
    }


SANDBOX = SandboxProvider(
    slug=DECLARATION.slug,
    urlpatterns=urlpatterns,
    sign=sign,
    credentials=("api_username", "api_password"),
    connection_settings=lambda: {"webhook_secret": secrets.token_urlsafe(32)},
    warehouse=SandboxWarehouse(
        new_external_id=lambda: str(2000000 + secrets.randbelow(800000)),
        received_status="put_away",
        status_webhook=_status_webhook,
    ),
)
