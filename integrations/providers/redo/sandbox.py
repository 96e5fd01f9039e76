"""Simulated Redo (base https://api.getredo.com/v2.2): return status, processing and comments, the
store's returns and webhook subscriptions, and bearer-authenticated `return` webhooks (providers.md §2)."""

import json
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path

from integrations.models import Connection
from integrations.providers.redo.declaration import DECLARATION
from integrations.sandbox import validation as v
from integrations.sandbox.endpoint import expected, json_body, same, sandbox_endpoint
from integrations.sandbox.models import SandboxAccount, SandboxWebhookDelivery
from integrations.sandbox.services import now_iso, sandbox_platform_call_record
from integrations.sandbox.spec import SandboxPlatform, SandboxProvider

# What the real API documents for the requests it takes (validated strictly below).
# Redo PUT /returns/{id}/status and POST /returns/{id}/process (providers.md §2.2).
REDO_STATUSES = ("complete", "open", "flagged", "rejected", "deleted")
REDO_STATUS = {"status": v.Field(str, required=True, enum=REDO_STATUSES)}
REDO_PROCESS = {
    "products": v.Field(
        list,
        required=True,
        min_items=1,
        items=v.Field(
            dict,
            schema={
                "_id": v.Field(str, required=True),
                "processInput": v.Field(
                    dict, schema={"restock": v.Field(bool), "newMerchantAdjustment": v.Field((int, float))}
                ),
                "reject": v.Field(bool),
            },
        ),
    ),
    "customerNotes": v.Field(str),
}
REDO_COMMENT = {"comment": v.Field(dict, required=True, schema={"message": v.Field(str), "image": v.Field(str)})}


def redo_process_errors(body: dict[str, Any]) -> list[str]:
    """Each product has either processInput or reject, never both (providers.md §2.2)."""
    errors = v.validate_object(body, REDO_PROCESS)
    for index, product in enumerate(body.get("products") or []):
        if isinstance(product, dict) and ("processInput" in product) == ("reject" in product):
            errors.append(f"body.products[{index}]: needs exactly one of processInput or reject")
    return errors


def error(status: int, message: str, details: list[str] | None = None) -> HttpResponse:
    """Redo's problem+json body."""
    body = {"type": "about:blank", "title": message, "status": status, "detail": "; ".join(details or [])}
    return JsonResponse(body, status=status, content_type="application/problem+json")


def authenticated(account: SandboxAccount, request: HttpRequest) -> bool:
    """Authorization: Bearer <API secret>."""
    header = request.headers.get("Authorization", "")
    return header.startswith("Bearer ") and same(header.removeprefix("Bearer "), expected(account, linked="api_key"))


endpoint = sandbox_endpoint(DECLARATION.slug, error=error, authenticated=authenticated)


@endpoint
def return_status(request: HttpRequest, account: SandboxAccount, return_id: str) -> HttpResponse:
    """PUT /returns/{id}/status {"status": ...} → 204."""
    if request.method != "PUT":
        return error(405, "Method not allowed")
    body, problem = json_body(request)
    errors = [problem] if problem else v.validate_object(body, REDO_STATUS)
    if errors:
        return error(400, "Invalid status", errors)
    sandbox_platform_call_record(account=account, return_id=return_id, action=f"status:{body['status']}", body=body)
    return HttpResponse(status=204)


@endpoint
def return_process(request: HttpRequest, account: SandboxAccount, return_id: str) -> HttpResponse:
    """POST /returns/{id}/process with per-item processInput or reject."""
    if request.method != "POST":
        return error(405, "Method not allowed")
    body, problem = json_body(request)
    errors = [problem] if problem else redo_process_errors(body)
    if errors:
        return error(400, "Invalid process request", errors)
    sandbox_platform_call_record(account=account, return_id=return_id, action="process", body=body)
    return JsonResponse({"message": "Processing triggered successfully"})


@endpoint
def return_comments(request: HttpRequest, account: SandboxAccount, return_id: str) -> HttpResponse:
    """POST /returns/{id}/comments {"comment": {"message": ...}}."""
    body, problem = json_body(request)
    errors = [problem] if problem else v.validate_object(body, REDO_COMMENT)
    if errors:
        return error(400, "Invalid comment", errors)
    sandbox_platform_call_record(account=account, return_id=return_id, action="comment", body=body)
    return JsonResponse({"comment": body["comment"]}, status=201)


def _emitted_returns(account: SandboxAccount) -> list[dict[str, Any]]:
    """The simulated platform's returns: the latest body it sent for each return id."""
    latest: dict[str, dict[str, Any]] = {}
    for delivery in SandboxWebhookDelivery.objects.filter(account=account).order_by("id"):
        payload = json.loads(delivery.body)
        if isinstance(payload.get("return"), dict):
            latest[str(payload["return"].get("id"))] = payload
    return list(latest.values())


def _unknown_store(account: SandboxAccount, store_id: str) -> HttpResponse | None:
    """Redo answers 404 for a store the API secret does not belong to."""
    wanted = expected(account, linked="external_account_id")
    if wanted and store_id != wanted:
        return error(404, "Store not found", [f"no store {store_id} for this API secret"])
    return None


@endpoint
def store_returns(request: HttpRequest, account: SandboxAccount, store_id: str) -> HttpResponse:
    """GET /stores/{storeId}/returns: {returns, orders} of what this sandbox account has sent."""
    if (unknown := _unknown_store(account, store_id)) is not None:
        return unknown
    payloads = _emitted_returns(account)
    return JsonResponse({"returns": [p["return"] for p in payloads], "orders": [p.get("order", {}) for p in payloads]})


@endpoint
def store_webhooks(request: HttpRequest, account: SandboxAccount, store_id: str) -> HttpResponse:
    """POST /stores/{storeId}/webhooks {"webhook": {topic, kind, callback{url, auth{bearer{token}}}}}."""
    if (unknown := _unknown_store(account, store_id)) is not None:
        return unknown
    body, problem = json_body(request)
    schema = {
        "webhook": v.Field(
            dict,
            required=True,
            schema={
                "topic": v.Field(str, required=True, enum=("return",)),
                "kind": v.Field(str, enum=("redo", "loop")),
                "externalId": v.Field(str),
                "backfill": v.Field(bool),
                "callback": v.Field(
                    dict,
                    required=True,
                    schema={
                        "url": v.Field(str, required=True),
                        "auth": v.Field(
                            dict, schema={"bearer": v.Field(dict, schema={"token": v.Field(str, required=True)})}
                        ),
                    },
                ),
            },
        )
    }
    errors = [problem] if problem else v.validate_object(body, schema)
    if not errors and not body["webhook"]["callback"]["url"].startswith("https://") and not settings.DEBUG:
        errors.append("body.webhook.callback.url: must be an https URL")
    if errors:
        return error(400, "Invalid webhook", errors)
    recorded = dict(body)
    recorded["webhook"] = {**body["webhook"], "callback": {"url": body["webhook"]["callback"]["url"]}}
    sandbox_platform_call_record(account=account, return_id="", action="webhook.create", body=recorded)
    return JsonResponse({"webhook": {"id": f"wh{account.calls.count()}", **recorded["webhook"]}}, status=201)


urlpatterns = [
    path("returns/<str:return_id>/status", return_status),
    path("returns/<str:return_id>/process", return_process),
    path("returns/<str:return_id>/comments", return_comments),
    path("stores/<str:store_id>/returns", store_returns),
    path("stores/<str:store_id>/webhooks", store_webhooks),
]


# ----------------------------------------------------------------------------- what it sends


def return_payload(
    *,
    return_id: str,
    order_name: str,
    lines: list[dict[str, Any]],
    event_type: str = "created",
    status: str = "open",
    shipment: dict[str, Any] | None = None,
    shopper_address: dict[str, Any] | None = None,
    order_tags: list[str] | None = None,
) -> dict[str, Any]:
    """A Redo `return` webhook body (providers.md §2.3); the shopper (`source`) lives at `shopper_address`
    (a Redo mailingAddress), the order carries `order_tags` when given."""
    order: dict[str, Any] = {"id": f"ord{return_id}", "name": order_name}
    if order_tags is not None:
        order["tags"] = list(order_tags)
    address = shopper_address or {
        "line1": "1 Main St",
        "city": "Springfield",
        "state": "IL",
        "postalCode": "62701",
        "country": "US",
    }
    return {
        "type": event_type,
        "at": now_iso(),
        "merchantName": "Sandbox Store",
        "return": {
            "id": str(return_id),
            "type": "return",
            "status": status,
            "createdAt": now_iso(),
            "updatedAt": now_iso(),
            "order": order,
            "source": {
                "emailAddress": "shopper@example.com",
                "name": {"given": "Sandbox", "surname": "Shopper"},
                "mailingAddress": address,
            },
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


def _new_return_webhook(
    return_id: str, order_name: str, lines: list[dict[str, Any]], tracking: str
) -> tuple[str, dict[str, Any]]:
    shipment = {"carrier": "USPS", "status": "pre_transit", "tracker": tracking}
    return "created", return_payload(return_id=return_id, order_name=order_name, lines=lines, shipment=shipment)


def sign(connection: Connection, body: bytes) -> dict[str, str]:
    """Redo sends the bearer token the merchant gave it (no signature)."""
    return {"Content-Type": "application/json", "Authorization": f"Bearer {connection.webhook_secret}"}


SANDBOX = SandboxProvider(
    slug=DECLARATION.slug,
    urlpatterns=urlpatterns,
    sign=sign,
    credentials=("api_key", "external_account_id"),
    platform=SandboxPlatform(
        new_return_webhook=_new_return_webhook,
        return_id_of=lambda body: str((body.get("return") or {}).get("id", "")),
    ),
)
