"""Simulated Loop (base https://api.loopreturns.com/api/v1): warehouse actions on returns, notes,
webhook subscriptions, return details and list, and HMAC-signed `return` webhooks (providers.md §1)."""

import base64
import hmac
import json
import re
from datetime import UTC, datetime
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path
from django.utils import timezone

from integrations.models import Connection
from integrations.providers.loop.declaration import DECLARATION
from integrations.sandbox import validation as v
from integrations.sandbox.endpoint import expected, json_body, same, sandbox_endpoint
from integrations.sandbox.models import SandboxAccount, SandboxWebhookDelivery
from integrations.sandbox.services import now_iso, sandbox_platform_call_record
from integrations.sandbox.spec import SandboxPlatform, SandboxProvider

# What the real API documents for the requests it takes (validated strictly below).
# Loop POST /warehouse/return/{id}/note (providers.md §1.7): content under 255 characters.
LOOP_NOTE = {"content": v.Field(str, required=True, max_length=254)}

ACTIONS = ("process", "flag", "close", "cancel", "remove")

# Dispositioning API (providers.md §8.1): {"items": [...]}, at most 30, each naming Loop's integer line_item_id.
GRADE_ITEM = {
    "line_item_id": v.Field(int, required=True),
    "description": v.Field(str, required=True, max_length=255),
    "condition_category": v.Field(str),
    "return_processor": v.Field(str),
    "note": v.Field(str),
    "images": v.Field(list, items=v.Field(str)),
    "inspected_at": v.Field(str),
}
DISPOSITION_OUTCOMES = ("back_to_stock", "resale_hold", "recycle", "donate", "missing")
ASSESS_ITEM = {
    "line_item_id": v.Field(int, required=True),
    "disposition_outcome": v.Field(str, required=True, enum=DISPOSITION_OUTCOMES),
    "return_processor": v.Field(str, max_length=100),
    "note": v.Field(str),
    "inspected_at": v.Field(str),
}
DISPOSITIONING = {
    "grade": {"items": v.Field(list, required=True, min_items=1, max_items=30, items=v.Field(dict, schema=GRADE_ITEM))},
    "assess": {
        "items": v.Field(list, required=True, min_items=1, max_items=30, items=v.Field(dict, schema=ASSESS_ITEM))
    },
}
INSPECTED_AT = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")


def error(status: int, message: str, details: list[str] | None = None) -> HttpResponse:
    """Loop's two error bodies: its generic 401, and {"errors": {...}} for everything else."""
    body: dict[str, Any]
    if status == 401:
        body = {"error": {"code": "401", "http_code": "GEN-UNAUTHORIZED", "message": "Unauthorized."}}
    else:
        body = {"errors": {"message": message, "code": "VALIDATION_ERROR", "details": details or []}}
    return JsonResponse(body, status=status)


def authenticated(account: SandboxAccount, request: HttpRequest) -> bool:
    """The X-Authorization API key."""
    return same(request.headers.get("X-Authorization", ""), expected(account, linked="api_key"))


endpoint = sandbox_endpoint(DECLARATION.slug, error=error, authenticated=authenticated)


@endpoint
def return_action(request: HttpRequest, account: SandboxAccount, return_id: str, action: str) -> HttpResponse:
    """POST /warehouse/return/{id}/{process|flag|close|cancel|remove} and /note."""
    if request.method != "POST":
        return error(405, "Method not allowed")
    if action == "note":
        body, problem = json_body(request)
        errors = [problem] if problem else v.validate_object(body, LOOP_NOTE)
        if errors:
            return error(422, "Invalid note", errors)
        sandbox_platform_call_record(account=account, return_id=return_id, action="note", body=body)
        return JsonResponse({"note": {"content": body["content"]}})
    if action not in ACTIONS:
        return error(404, "Not found")
    sandbox_platform_call_record(
        account=account, return_id=return_id, action=action, body={"line_item_id": request.GET.get("line_item_id")}
    )
    # Loop answers a successful action with the bare string "true".
    return HttpResponse("true", content_type="application/json")


def _dispositioning_errors(step: str, body: Any) -> list[str]:
    errors = v.validate_object(body, DISPOSITIONING[step])
    for index, item in enumerate(body.get("items") or [] if isinstance(body, dict) else []):
        when = item.get("inspected_at") if isinstance(item, dict) else None
        if isinstance(when, str) and not INSPECTED_AT.fullmatch(when):
            errors.append(f"body.items[{index}].inspected_at: must be YYYY-MM-DD HH:MM:SS")
    return errors


@endpoint
def dispositioning(request: HttpRequest, account: SandboxAccount, step: str) -> HttpResponse:
    """POST /dispositioning/grade and /dispositioning/assess: 422 for an invalid value (an unknown outcome, more
    than 30 items, an item without its line_item_id); 200 with the items."""
    if request.method != "POST":
        return error(405, "Method not allowed")
    if step not in DISPOSITIONING:
        return error(404, "Not found")
    body, problem = json_body(request)
    errors = [problem] if problem else _dispositioning_errors(step, body)
    if errors:
        return error(422, f"Invalid {step} request", errors)
    sandbox_platform_call_record(account=account, return_id="", action=step, body=body)
    return JsonResponse({"items": body["items"]})


@endpoint
def happy_returns_shipment(request: HttpRequest, account: SandboxAccount, shipment_id: str) -> HttpResponse:
    """GET /happy-returns/shipments/{id}."""
    return JsonResponse(
        {
            "id": shipment_id,
            "status": "processed",
            "carrier": "UPS",
            "tracking_number": f"1ZSANDBOX{shipment_id}",
            "bag_barcodes": [f"BAG-{shipment_id}"],
            "return_ids": [],
        }
    )


@endpoint
def webhooks(request: HttpRequest, account: SandboxAccount) -> HttpResponse:
    """GET /webhooks and POST /webhooks {topic, trigger, url, status}."""
    if request.method == "POST":
        body, problem = json_body(request)
        schema = {
            "topic": v.Field(str, required=True),
            "trigger": v.Field(str, required=True),
            "url": v.Field(str, required=True),
            "status": v.Field(str, enum=("active", "inactive")),
        }
        errors = [problem] if problem else v.validate_object(body, schema)
        if errors:
            return error(422, "Invalid webhook", errors)
        sandbox_platform_call_record(account=account, return_id="", action="webhook.create", body=body)
        return JsonResponse({"id": account.calls.filter(action="webhook.create").count(), **body}, status=201)
    hooks = [c.body for c in account.calls.filter(action="webhook.create").order_by("id")]
    return JsonResponse({"webhooks": [{"id": i + 1, **h} for i, h in enumerate(hooks)]})


def _emitted_returns(account: SandboxAccount) -> dict[str, dict[str, Any]]:
    """The simulated platform's returns: the latest body it sent for each return id."""
    latest: dict[str, dict[str, Any]] = {}
    for delivery in SandboxWebhookDelivery.objects.filter(account=account).order_by("id"):
        payload = json.loads(delivery.body)
        if payload.get("topic") == "return":
            latest[str(payload.get("id"))] = payload
    return latest


@endpoint
def return_details(request: HttpRequest, account: SandboxAccount) -> HttpResponse:
    """GET /warehouse/return/details?return_id=: the latest payload the sandbox sent for it."""
    payload = _emitted_returns(account).get(request.GET.get("return_id", ""))
    if payload is None:
        return error(404, "Return not found")
    return JsonResponse(payload)


@endpoint
def return_list(request: HttpRequest, account: SandboxAccount) -> HttpResponse:
    """GET /warehouse/return/list?from=&to=&state=: the returns this sandbox account has sent."""
    found = list(_emitted_returns(account).values())
    if state := request.GET.get("state"):
        found = [r for r in found if r.get("state") == state]
    return JsonResponse({"returns": found})


urlpatterns = [
    path("warehouse/return/details", return_details),
    path("warehouse/return/list", return_list),
    path("warehouse/return/<str:return_id>/<str:action>", return_action),
    path("happy-returns/shipments/<str:shipment_id>", happy_returns_shipment),
    path("dispositioning/<str:step>", dispositioning),
    path("webhooks", webhooks),
]


# ----------------------------------------------------------------------------- what it sends


def return_payload(
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
    address: dict[str, Any] | None = None,
    order_tags: list[str] | None = None,
) -> dict[str, Any]:
    """A Loop `return` webhook body (providers.md §1.5): one line item per unit; `address` is the shopper's
    (Loop's keys: state, zip, country_code...), `order_tags` the order's tags when given."""
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
    return {
        "topic": "return",
        "trigger": trigger,
        "shop_id": 501,
        "id": str(return_id),
        "state": state,
        "created_at": now_iso(),
        "edited_at": (edited_at or timezone.now()).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "order_id": order_id,
        "order_name": order_name,
        "order_number": order_name.lstrip("#"),
        "provider_order_id": f"555{order_id}",
        "customer": "shopper@example.com",
        "address": address
        or {
            "name": "Sandbox Shopper",
            "address1": "1 Main St",
            "city": "Springfield",
            "state": "Illinois",
            "zip": "62701",
            "country": "United States",
            "country_code": "US",
        },
        **({"order_tags": list(order_tags)} if order_tags is not None else {}),
        "currency": "USD",
        "return_total": "39.00",
        "refund": "39.00",
        "destination_id": destination_id,
        "labels": [label] if label else [],
        "line_items": line_items,
    }


def _new_return_webhook(
    return_id: str, order_name: str, lines: list[dict[str, Any]], tracking: str
) -> tuple[str, dict[str, Any]]:
    payload = return_payload(return_id=return_id, order_name=order_name, lines=lines)
    unit_ids = [item["line_item_id"] for item in payload["line_items"]]
    payload["labels"] = [
        {"status": "new", "carrier": "USPS", "tracking_number": tracking, "line_items": unit_ids, "url": ""}
    ]
    return "return.created", payload


def sign(connection: Connection, body: bytes) -> dict[str, str]:
    """X-Loop-Signature: base64 HMAC-SHA256 of the raw body with the webhook secret."""
    digest = hmac.new(connection.webhook_secret.encode(), body, "sha256").digest()
    return {"Content-Type": "application/json", "X-Loop-Signature": base64.b64encode(digest).decode()}


def encode(payload: dict[str, Any]) -> str:
    """Compact, slash-escaped JSON like Loop's PHP serialiser: the receiver must verify raw bytes."""
    return json.dumps(payload, separators=(",", ":")).replace("/", "\\/")


SANDBOX = SandboxProvider(
    slug=DECLARATION.slug,
    urlpatterns=urlpatterns,
    sign=sign,
    encode=encode,
    # Loop shows the merchant the secret it signs webhooks with.
    credentials=("api_key", "webhook_secret"),
    platform=SandboxPlatform(new_return_webhook=_new_return_webhook, return_id_of=lambda body: str(body.get("id", ""))),
)
