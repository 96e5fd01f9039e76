"""Simulated TrackStar (base https://production.trackstarhq.com): WMS returns with Idempotency-Key,
warehouses, orders, write-info, and Svix-signed return.updated webhooks (providers.md §3)."""

import base64
import hmac
import secrets
import time
import uuid
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path

from integrations.models import Connection
from integrations.providers.trackstar.declaration import DECLARATION
from integrations.sandbox import validation as v
from integrations.sandbox.endpoint import expected, json_body, same, sandbox_endpoint, unknown_skus
from integrations.sandbox.models import SandboxAccount, SandboxReturn
from integrations.sandbox.services import sandbox_return_cancel, sandbox_return_create, sandbox_return_update
from integrations.sandbox.spec import SandboxProvider, SandboxWarehouse

# What the real API documents for the requests it takes (validated strictly below).
# TrackStar POST /wms/returns base schema (providers.md §3.3). Write bodies are non-nullable;
# fields outside the base schema are integration-specific: accepted and reported as unused.
TRACKSTAR_TAG = v.Field((str, dict))
TRACKSTAR_RETURN = {
    "warehouse_id": v.Field(str, required=True),
    "order_id": v.Field(str, required=True),
    "line_items": v.Field(
        list,
        required=True,
        min_items=1,
        items=v.Field(
            dict,
            schema={
                "sku": v.Field(str, required=True),
                "quantity": v.Field(int, required=True, positive=True),
            },
        ),
    ),
    "trackstar_tags": v.Field(list, items=TRACKSTAR_TAG),
}
TRACKSTAR_INTEGRATION_FIELDS = ("tracking_number", "carrier", "return_cause", "notes", "return_reason")


def error(status: int, message: str, details: list[str] | None = None) -> HttpResponse:
    """TrackStar's error body: {"error", "origin", "details"}."""
    return JsonResponse({"error": message, "origin": "trackstar", "details": details or []}, status=status)


def authenticated(account: SandboxAccount, request: HttpRequest) -> bool:
    """Any organisation key (x-trackstar-api-key) and the connection's access token."""
    headers = request.headers
    return bool(headers.get("x-trackstar-api-key")) and same(
        headers.get("x-trackstar-access-token", ""), expected(account, linked="access_token")
    )


endpoint = sandbox_endpoint(DECLARATION.slug, error=error, authenticated=authenticated)


def _non_null_errors(value: Any, where: str = "body") -> list[str]:
    """TrackStar write bodies are non-nullable everywhere: no null, "" or "none"."""
    if value is None:
        return [f"{where}: must not be null"]
    if isinstance(value, str) and value.strip().lower() in ("", "none"):
        return [f'{where}: must not be empty or "none"']
    if isinstance(value, dict):
        return [e for k, item in value.items() for e in _non_null_errors(item, f"{where}.{k}")]
    if isinstance(value, list):
        return [e for i, item in enumerate(value) for e in _non_null_errors(item, f"{where}[{i}]")]
    return []


@endpoint
def returns(request: HttpRequest, account: SandboxAccount) -> HttpResponse:
    """GET /wms/returns (paged, updated_date[gt]) and POST /wms/returns (with Idempotency-Key)."""
    if request.method == "GET":
        found = SandboxReturn.objects.filter(account=account).order_by("updated_at", "id")
        if after := request.GET.get("updated_date[gt]"):
            found = found.filter(updated_at__gt=after.replace("Z", "+00:00"))
        limit = min(int(request.GET.get("limit", 1000)), 1000)
        offset = int(request.GET.get("page_token") or 0)
        chunk = list(found[offset : offset + limit + 1])
        next_token = str(offset + limit) if len(chunk) > limit else None
        return JsonResponse(
            {
                "data": [return_object(r) for r in chunk[:limit]],
                "next_token": next_token,
                "total_count": found.count(),
            }
        )
    if request.method != "POST":
        return error(405, "Method not allowed")
    body, problem = json_body(request)
    if problem:
        return error(422, problem)
    idempotency_key = request.headers.get("Idempotency-Key", "")
    if len(idempotency_key) > 255:
        return error(400, "Idempotency-Key is longer than 255 characters")
    if idempotency_key:
        earlier = SandboxReturn.objects.filter(account=account, idempotency_key=idempotency_key).first()
        if earlier is not None:
            if earlier.request_body != body:
                return error(400, "Idempotency-Key reused with a different body")
            response = JsonResponse(_write_answer(earlier, body))
            response["Idempotent-Replayed"] = "true"
            return response
    errors = _non_null_errors(body) or v.validate_object(body, TRACKSTAR_RETURN, allow_unknown=True)
    if not errors and account.warehouses and body["warehouse_id"] not in {str(w.get("id")) for w in account.warehouses}:
        errors.append(f"body.warehouse_id: unknown warehouse {body['warehouse_id']!r}")
    if not errors:
        skus = [item["sku"] for item in body["line_items"]]
        errors += [
            f"body.line_items[{i}].sku: no inventory item with SKU {sku!r}" for i, sku in unknown_skus(account, skus)
        ]
    if errors:
        return error(422, "Request body failed schema validation", errors)
    sandbox_return = sandbox_return_create(
        account=account,
        rma_number=_reference(body) or idempotency_key,
        warehouse=body["warehouse_id"],
        order_ref=body["order_id"],
        items=[{"sku": i["sku"], "quantity": i["quantity"]} for i in body["line_items"]],
        tracking_numbers=[body["tracking_number"]] if body.get("tracking_number") else [],
        body=body,
        idempotency_key=idempotency_key,
    )
    return JsonResponse(_write_answer(sandbox_return, body))


def _reference(body: dict[str, Any]) -> str:
    """The RMA number Backhaul tags the return with, when it does."""
    for tag in body.get("trackstar_tags", []):
        if isinstance(tag, dict) and ("rma" in tag or "rma_number" in tag):
            return str(tag.get("rma", tag.get("rma_number")))
        if isinstance(tag, str) and tag.startswith("rma:"):
            return tag.removeprefix("rma:")
    return ""


def _write_answer(sandbox_return: SandboxReturn, body: dict[str, Any]) -> dict[str, Any]:
    known = set(TRACKSTAR_RETURN) | set(TRACKSTAR_INTEGRATION_FIELDS)
    return {
        "data": return_object(sandbox_return),
        "id": sandbox_return.external_id,
        "unused_fields": sorted(k for k in body if k not in known),
    }


@endpoint
def return_detail(request: HttpRequest, account: SandboxAccount, return_id: str) -> HttpResponse:
    """GET /wms/returns/{id} and PUT /wms/returns/{id} (tracking and other updates)."""
    sandbox_return = SandboxReturn.objects.filter(account=account, external_id=return_id).first()
    if sandbox_return is None:
        return error(404, f"Return {return_id} not found")
    if request.method == "GET":
        return JsonResponse({"data": return_object(sandbox_return)})
    if request.method != "PUT":
        return error(405, "Method not allowed")
    body, problem = json_body(request)
    errors = [problem] if problem else _non_null_errors(body)
    if not errors and not isinstance(body, dict):
        errors = ["body: must be an object"]
    if errors:
        return error(422, "Request body failed schema validation", errors)
    tracking = [body["tracking_number"]] if body.get("tracking_number") else None
    items = [{"sku": i["sku"], "quantity": i["quantity"]} for i in body["line_items"]] if "line_items" in body else None
    merged = {**sandbox_return.request_body, **body}
    sandbox_return_update(sandbox_return=sandbox_return, items=items, tracking_numbers=tracking, body=merged)
    return JsonResponse(_write_answer(sandbox_return, body))


@endpoint
def return_cancel(request: HttpRequest, account: SandboxAccount, return_id: str) -> HttpResponse:
    """PUT /wms/returns/{id}/cancel."""
    if request.method != "PUT":
        return error(405, "Method not allowed")
    sandbox_return = SandboxReturn.objects.filter(account=account, external_id=return_id).first()
    if sandbox_return is None:
        return error(404, f"Return {return_id} not found")
    sandbox_return_cancel(sandbox_return=sandbox_return)
    return JsonResponse({"data": return_object(sandbox_return), "id": return_id, "unused_fields": []})


@endpoint
def warehouses(request: HttpRequest, account: SandboxAccount) -> HttpResponse:
    """GET /wms/warehouses."""
    data = [
        {"id": str(w.get("id")), "name": w.get("name", ""), "code": w.get("code", ""), "address": w.get("address", {})}
        for w in account.warehouses
    ]
    return JsonResponse({"data": data, "next_token": None, "total_count": len(data)})


@endpoint
def orders(request: HttpRequest, account: SandboxAccount) -> HttpResponse:
    """GET /wms/orders: every order number asked for exists, shipped from the first warehouse."""
    number = next(
        (
            value
            for name, value in request.GET.items()
            if isinstance(value, str) and ("order_number" in name or "reference" in name)
        ),
        "",
    )
    if not number:
        return JsonResponse({"data": [], "next_token": None, "total_count": 0})
    warehouse_id = str(account.warehouses[0].get("id")) if account.warehouses else "wh_sandbox"
    order = {
        "id": f"ord_{number.lstrip('#')}",
        "order_number": number,
        "warehouse_id": warehouse_id,
        "status": "shipped",
    }
    return JsonResponse({"data": [order], "next_token": None, "total_count": 1})


@endpoint
def write_info(request: HttpRequest, account: SandboxAccount, integration_name: str) -> HttpResponse:
    """GET /integrations/wms/{name}/write-info: an OpenAPI document of the integration's write fields.

    The base create schema plus the integration-specific fields this sandbox accepts (providers.md §3.2).
    """
    string = {"type": "string"}
    create_schema = {
        "type": "object",
        "required": ["warehouse_id", "order_id", "line_items"],
        "properties": {
            "warehouse_id": string,
            "order_id": string,
            "line_items": {
                "type": "array",
                "items": {"type": "object", "properties": {"sku": string, "quantity": {"type": "integer"}}},
            },
            "trackstar_tags": {"type": "array", "items": {}},
            "tracking_number": string,
            "carrier": string,
            "return_cause": {"type": "string", "enum": ["customer_return", "damaged", "wrong_item", "other"]},
        },
    }
    return JsonResponse(
        {
            "openapi": "3.1.0",
            "info": {"title": f"{integration_name} write fields", "version": "sandbox"},
            "paths": {
                "/wms/returns": {"post": {"requestBody": {"content": {"application/json": {"schema": create_schema}}}}}
            },
        }
    )


urlpatterns = [
    path("wms/returns", returns),
    path("wms/returns/<str:return_id>", return_detail),
    path("wms/returns/<str:return_id>/cancel", return_cancel),
    path("wms/warehouses", warehouses),
    path("wms/orders", orders),
    path("integrations/wms/<str:integration_name>/write-info", write_info),
]


# ----------------------------------------------------------------------------- what it sends


def return_object(sandbox_return: SandboxReturn) -> dict[str, Any]:
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


def _b64_hmac(key: bytes, message: bytes) -> str:
    return base64.b64encode(hmac.new(key, message, "sha256").digest()).decode()


def sign(connection: Connection, body: bytes) -> dict[str, str]:
    """Svix: svix-id, svix-timestamp and "v1,<base64 HMAC-SHA256 of id.timestamp.body>" with the whsec_ key."""
    message_id = f"msg_{uuid.uuid4().hex}"
    timestamp = str(int(time.time()))
    key = base64.b64decode(connection.webhook_secret.removeprefix("whsec_"))
    signed = f"{message_id}.{timestamp}.".encode() + body
    return {
        "Content-Type": "application/json",
        "svix-id": message_id,
        "svix-timestamp": timestamp,
        "svix-signature": "v1," + _b64_hmac(key, signed),
    }


def new_svix_secret() -> str:
    """A webhook signing secret in Svix's whsec_<base64> form."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def _status_webhook(sandbox_return: SandboxReturn, previous_status: str) -> tuple[str, dict[str, Any]]:
    connection = sandbox_return.account.connection
    return "return.updated", {
        "connection_id": connection.external_account_id if connection else "",
        "event_type": "return.updated",
        "integration_name": connection.wms_name if connection else "sandbox",
        "data": return_object(sandbox_return),
        "previous_attributes": {"status": previous_status},
    }


SANDBOX = SandboxProvider(
    slug=DECLARATION.slug,
    urlpatterns=urlpatterns,
    sign=sign,
    credentials=("access_token",),
    # Any organisation key will do here; the real one is Backhaul's (TRACKSTAR_API_KEY).
    # Any organisation key will do here; against the real TrackStar it is Backhaul's (TRACKSTAR_API_KEY).
    connection_settings=lambda: {"webhook_secret": new_svix_secret(), "api_key": "sbx_organisation_key"},
    warehouse=SandboxWarehouse(
        new_external_id=lambda: f"ret_{secrets.token_hex(6)}",
        received_status="received",
        status_webhook=_status_webhook,
    ),
)
