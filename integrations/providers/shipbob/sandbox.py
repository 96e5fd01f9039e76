"""Simulated ShipBob, API 2026-01 (base https://api.shipbob.com): returns created on a channel, read, modified
and cancelled while awaiting arrival; fulfillment centers, inventory, orders and channels to find them with;
and Standard Webhooks-signed return.* webhooks (PROVIDER.md). Its objects are in sandbox_objects.py.

The channel header is read as it arrives: ShipBob documents `shipbob_channel_id`, which Django's and
gunicorn's WSGI servers drop (names with underscores), so the client also sends `shipbob-channel-id`;
both reach a Django view as the same header.
"""

import base64
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path

from integrations.models import Connection
from integrations.payload_values import parse_timestamp
from integrations.providers.shipbob import sandbox_objects as objects
from integrations.providers.shipbob.declaration import DECLARATION
from integrations.providers.shipbob.sandbox_objects import api_error, problem
from integrations.sandbox import validation as v
from integrations.sandbox.endpoint import expected, json_body, same, sandbox_endpoint
from integrations.sandbox.models import SandboxAccount, SandboxReturn
from integrations.sandbox.services import (
    sandbox_return_cancel,
    sandbox_return_create,
    sandbox_return_update,
    sandbox_webhook_send,
)
from integrations.sandbox.spec import SandboxProvider, SandboxWarehouse

# What the real API documents for the requests it takes (validated strictly below):
# Returns.CreateReturnRequest, the body of POST /2026-01/return and PUT /2026-01/return/{id}.
RETURN_ACTIONS = ("Default", "Restock", "Quarantine", "Dispose")
CREATE_RETURN = {
    "reference_id": v.Field(str, required=True, max_length=50),
    "fulfillment_center": v.Field(
        dict,
        required=True,
        schema={"id": v.Field(int, required=True), "name": v.Field(str, allow_null=True)},
    ),
    "inventory": v.Field(
        list,
        required=True,
        min_items=1,
        items=v.Field(
            dict,
            schema={
                "id": v.Field(int, required=True),
                "quantity": v.Field(int, required=True, positive=True),
                "requested_action": v.Field(str, required=True, enum=RETURN_ACTIONS),
                "lot_number": v.Field(str, allow_null=True),
                "lot_date": v.Field(str, allow_null=True),
            },
        ),
    ),
    "tracking_number": v.Field(str, allow_null=True, max_length=500),
    "original_shipment_id": v.Field(int, allow_null=True),
}
LIST_DATES = ("StartDate", "EndDate", "CompletedStartDate", "CompletedEndDate")


def error(status: int, message: str, details: list[str] | None = None) -> HttpResponse:
    """The shared failures in ShipBob's shapes: its rate-limit body for a 429, ProblemDetails otherwise."""
    if status == 429:
        return JsonResponse({"statusCode": 429, "message": message}, status=429)
    return problem(status, message, "; ".join(details or []))


def authenticated(account: SandboxAccount, request: HttpRequest) -> bool:
    """Authorization: Bearer <personal access token>."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and same(token.strip(), expected(account, linked="api_key"))


endpoint = sandbox_endpoint(DECLARATION.slug, error=error, authenticated=authenticated)


def _channel_refusal(account: SandboxAccount, request: HttpRequest, *, required: bool) -> HttpResponse | None:
    """The channel header: required on a create, an integer, and the account's own channel (the one with
    returns_write). A server that keeps both spellings joins them with a comma: they must agree."""
    values = {part.strip() for part in request.headers.get("shipbob-channel-id", "").split(",") if part.strip()}
    if not values:
        return problem(400, "Bad Request", "The shipbob_channel_id header is required.") if required else None
    if len(values) > 1 or not next(iter(values)).isdigit():
        return problem(400, "Bad Request", "The shipbob_channel_id header must be one channel id (an integer).")
    if int(next(iter(values))) != objects.channel_id(account):
        return problem(403, "Forbidden", f"Channel {next(iter(values))} has no returns_write access for this token.")
    return None


def _request_body(request: HttpRequest) -> tuple[dict[str, Any], HttpResponse | None]:
    """The CreateReturnRequest, or a 400 validation problem naming each field."""
    body, unreadable = json_body(request)
    errors = [unreadable] if unreadable else v.validate_object(body, CREATE_RETURN)
    if not errors and not body["reference_id"]:
        errors.append("body.reference_id: must be 1 to 50 characters")
    if errors:
        by_field: dict[str, list[str]] = {}
        for message in errors:
            where, _, what = message.partition(": ")
            by_field.setdefault(where, []).append(what or where)
        return {}, problem(400, "One or more validation errors occurred.", "; ".join(errors), by_field)
    return body, None


def _rule_errors(account: SandboxAccount, body: dict[str, Any], current: SandboxReturn | None) -> list[str]:
    """What ShipBob refuses in a well-formed request (422): an unknown fulfillment center or inventory id,
    an inventory id twice, a bundle or digital item, a reference id already used, a reference id changed."""
    errors = []
    centers = {c["id"] for c in objects.fulfillment_centers(account)}
    if centers and body["fulfillment_center"]["id"] not in centers:
        errors.append(f"Fulfillment center {body['fulfillment_center']['id']} does not exist.")
    ids = [item["id"] for item in body["inventory"]]
    errors += [f"Inventory id {i} is listed more than once." for i in sorted({i for i in ids if ids.count(i) > 1})]
    for inventory_id in dict.fromkeys(ids):
        sku = objects.sku_of(account, inventory_id)
        if not sku:
            errors.append(f"Inventory id {inventory_id} does not exist.")
        elif sku.upper().startswith((objects.BUNDLE_PREFIX, objects.DIGITAL_PREFIX)):
            errors.append(f"Inventory id {inventory_id} ({sku}) is a bundle or digital item, which cannot be returned.")
    reference = body["reference_id"]
    if current is not None and reference != current.rma_number:
        errors.append(f"reference_id cannot change (it is {current.rma_number}).")
    taken = SandboxReturn.objects.filter(account=account, rma_number=reference)
    if current is None and taken.exists():
        errors.append(f"A return with reference_id {reference} already exists.")
    return errors


def _items(account: SandboxAccount, body: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "sku": objects.sku_of(account, item["id"]),
            "quantity": item["quantity"],
            "inventory_id": item["id"],
            "requested_action": item["requested_action"],
        }
        for item in body["inventory"]
    ]


def _notify(sandbox_return: SandboxReturn, topic: str) -> None:
    """Tell the store, as ShipBob's subscription would (nothing when the account is linked to no store)."""
    if sandbox_return.account.connection is not None:
        sandbox_webhook_send(
            account=sandbox_return.account, event_type=topic, payload=objects.return_v1(sandbox_return)
        )


@endpoint
def returns(request: HttpRequest, account: SandboxAccount) -> HttpResponse:
    """GET /2026-01/return (search) and POST /2026-01/return (create → 201 PublicReturnV1Dto)."""
    if request.method == "GET":
        return _returns_list(request, account)
    if request.method != "POST":
        return problem(405, "Method Not Allowed")
    refused = _channel_refusal(account, request, required=True)
    body, invalid = _request_body(request)
    if refused or invalid:
        return refused or invalid  # type: ignore[return-value]
    if errors := _rule_errors(account, body, None):
        return api_error("The return could not be created.", errors)
    sandbox_return = sandbox_return_create(
        account=account,
        rma_number=body["reference_id"],
        warehouse=str(body["fulfillment_center"]["id"]),
        order_ref=str(body.get("original_shipment_id") or ""),
        items=_items(account, body),
        tracking_numbers=[body["tracking_number"]] if body.get("tracking_number") else [],
        body=body,
    )
    _notify(sandbox_return, "return.created")
    return JsonResponse(objects.return_v1(sandbox_return), status=201)


def _page_link(request: HttpRequest, cursor: int) -> str:
    query = {**request.GET.dict(), "Cursor": str(cursor)}
    return request.build_absolute_uri(f"{request.path}?{urlencode(query)}")


def _returns_list(request: HttpRequest, account: SandboxAccount) -> HttpResponse:
    """Ids, ReferenceIds, Status (comma-separated), the date filters, SortOrder, Limit and Cursor (the page)."""
    if (refused := _channel_refusal(account, request, required=False)) is not None:
        return refused
    found = SandboxReturn.objects.filter(account=account)
    query = request.GET
    if ids := [i for i in query.get("Ids", "").split(",") if i.strip()]:
        found = found.filter(external_id__in=[i.strip() for i in ids])
    if references := [r.strip() for r in query.get("ReferenceIds", "").split(",") if r.strip()]:
        found = found.filter(rma_number__in=references)
    if statuses := {s.strip().lower() for s in query.get("Status", "").split(",") if s.strip()}:
        found = found.filter(status__in=[k for k, word in objects.STATUS_WORDS.items() if word.lower() in statuses])
    dates = {}
    for name in LIST_DATES:
        if query.get(name):
            dates[name] = parse_timestamp(query[name])
            if dates[name] is None:
                return problem(400, "Bad Request", f"{name} must be an ISO 8601 date-time.")
    if "StartDate" in dates:
        found = found.filter(created_at__gte=dates["StartDate"])
    if "EndDate" in dates:
        found = found.filter(created_at__lte=dates["EndDate"])
    if {"CompletedStartDate", "CompletedEndDate"} & set(dates):
        found = found.filter(status="completed")
        if "CompletedStartDate" in dates:
            found = found.filter(updated_at__gte=dates["CompletedStartDate"])
        if "CompletedEndDate" in dates:
            found = found.filter(updated_at__lte=dates["CompletedEndDate"])
    try:
        limit, cursor = int(query.get("Limit", 50)), int(query.get("Cursor", 1))
    except ValueError:
        return problem(400, "Bad Request", "Limit and Cursor must be integers.")
    if not (1 <= limit <= 250 and cursor >= 1):
        return problem(400, "Bad Request", "Limit must be 1 to 250 and Cursor at least 1.")
    order = ("created_at", "id") if query.get("SortOrder", "Desc").lower() == "asc" else ("-created_at", "-id")
    total = found.count()
    pages = max(1, -(-total // limit))
    rows = found.order_by(*order)[(cursor - 1) * limit : cursor * limit]
    response = JsonResponse(
        {
            "items": [objects.return_full(r) for r in rows],
            "first": _page_link(request, 1),
            "prev": _page_link(request, cursor - 1) if cursor > 1 else None,
            "next": _page_link(request, cursor + 1) if cursor < pages else None,
            "last": _page_link(request, pages),
        }
    )
    response["Page-Number"], response["Total-Pages"], response["Total-Count"] = str(cursor), str(pages), str(total)
    return response


def _held(account: SandboxAccount, return_id: int) -> SandboxReturn | None:
    return SandboxReturn.objects.filter(account=account, external_id=str(return_id)).first()


@endpoint
def return_detail(request: HttpRequest, account: SandboxAccount, return_id: int) -> HttpResponse:
    """GET /2026-01/return/{id} → PublicReturnDto; PUT (the whole CreateReturnRequest) while awaiting arrival."""
    sandbox_return = _held(account, return_id)
    if sandbox_return is None:
        return problem(404, "Not Found", f"Return {return_id} was not found.")
    if request.method == "GET":
        return JsonResponse(objects.return_full(sandbox_return))
    if request.method != "PUT":
        return problem(405, "Method Not Allowed")
    refused = _channel_refusal(account, request, required=False)
    body, invalid = _request_body(request)
    if refused or invalid:
        return refused or invalid  # type: ignore[return-value]
    if sandbox_return.status != "open":
        status = objects.STATUS_WORDS.get(sandbox_return.status, sandbox_return.status)
        return api_error("The return cannot be modified.", [f"Return {return_id} is {status}, not AwaitingArrival."])
    if errors := _rule_errors(account, body, sandbox_return):
        return api_error("The return could not be modified.", errors)
    sandbox_return.warehouse = str(body["fulfillment_center"]["id"])
    sandbox_return.order_ref = str(body.get("original_shipment_id") or "")
    tracking = [body["tracking_number"]] if body.get("tracking_number") else []
    sandbox_return_update(
        sandbox_return=sandbox_return, items=_items(account, body), tracking_numbers=tracking, body=body
    )
    return JsonResponse(objects.return_v1(sandbox_return))


@endpoint
def return_cancel(request: HttpRequest, account: SandboxAccount, return_id: int) -> HttpResponse:
    """POST /2026-01/return/{id}:cancel → 200 with an empty body, only while awaiting arrival."""
    if request.method != "POST":
        return problem(405, "Method Not Allowed")
    if (refused := _channel_refusal(account, request, required=False)) is not None:
        return refused
    sandbox_return = _held(account, return_id)
    if sandbox_return is None:
        return problem(404, "Not Found", f"Return {return_id} was not found.")
    if sandbox_return.status != "open":
        status = objects.STATUS_WORDS.get(sandbox_return.status, sandbox_return.status)
        return problem(400, "Bad Request", f"Return {return_id} is {status}: only AwaitingArrival can be cancelled.")
    sandbox_return_cancel(sandbox_return=sandbox_return)
    _notify(sandbox_return, "return.updated")
    return HttpResponse(status=200)


def _reader(answer: Callable[[HttpRequest, SandboxAccount], Any]) -> Callable[..., HttpResponse]:
    """A GET-only endpoint answering JSON."""

    @endpoint
    def view(request: HttpRequest, account: SandboxAccount) -> HttpResponse:
        if request.method != "GET":
            return problem(405, "Method Not Allowed")
        return JsonResponse(answer(request, account), safe=False)

    view.__doc__ = answer.__doc__
    return view


def _centers(request: HttpRequest, account: SandboxAccount) -> list[dict[str, Any]]:
    """GET /2026-01/fulfillment-center → a bare array."""
    return objects.fulfillment_centers(account)


def _inventory(request: HttpRequest, account: SandboxAccount) -> dict[str, Any]:
    """GET /2026-01/inventory?SearchBy= → one page of items."""
    found = objects.inventory_matching(account, request.GET.get("SearchBy", "").strip())
    return {"items": found, "first": None, "last": None, "next": None, "prev": None}


def _orders(request: HttpRequest, account: SandboxAccount) -> list[dict[str, Any]]:
    """GET /2026-01/order?ReferenceIds= → a bare array: every reference id asked for is an order."""
    references = [r.strip() for r in request.GET.get("ReferenceIds", "").split(",") if r.strip()]
    return [objects.order(account, reference) for reference in dict.fromkeys(references)]


def _channels(request: HttpRequest, account: SandboxAccount) -> dict[str, Any]:
    """GET /2026-01/channel → the channel the token created."""
    channel = {
        "id": objects.channel_id(account),
        "name": "PAT Channel",
        "application_name": "SMA",
        "scopes": objects.CHANNEL_SCOPES,
    }
    return {"items": [channel], "next": None, "prev": None}


VERSION = "2026-01/"
urlpatterns = [
    path(f"{VERSION}return", returns),
    path(f"{VERSION}return/<int:return_id>:cancel", return_cancel),
    path(f"{VERSION}return/<int:return_id>", return_detail),
    path(f"{VERSION}fulfillment-center", _reader(_centers)),
    path(f"{VERSION}inventory", _reader(_inventory)),
    path(f"{VERSION}order", _reader(_orders)),
    path(f"{VERSION}channel", _reader(_channels)),
]


# ----------------------------------------------------------------------------- what it sends


def _topic(body: bytes) -> str:
    """The shared signer is handed the body only: the fake's topic follows from the return's status (created
    while awaiting arrival, completed once completed, updated for every other change)."""
    try:
        status = json.loads(body).get("status")
    except (ValueError, AttributeError):
        status = None
    return {"AwaitingArrival": "return.created", "Completed": "return.completed"}.get(status, "return.updated")


def sign(connection: Connection, body: bytes) -> dict[str, str]:
    """Standard Webhooks with `webhook-` headers: v1,<base64 HMAC-SHA256 of "id.timestamp.body"> keyed with the
    base64 after whsec_ (a secret without the prefix is its own key, as Backhaul's verifier reads it). The id is
    the message's, kept across retries of it: a hash of the body."""
    message_id = "msg_" + hashlib.sha256(body).hexdigest()[:27]
    timestamp = str(int(time.time()))
    secret = connection.webhook_secret
    key = base64.b64decode(secret.removeprefix("whsec_")) if secret.startswith("whsec_") else secret.encode()
    digest = hmac.new(key, f"{message_id}.{timestamp}.".encode() + body, "sha256").digest()
    return {
        "Content-Type": "application/json",
        "webhook-id": message_id,
        "webhook-timestamp": timestamp,
        "webhook-signature": "v1," + base64.b64encode(digest).decode(),
        "x-webhook-topic": _topic(body),
    }


def _status_webhook(sandbox_return: SandboxReturn, previous_status: str) -> tuple[str, dict[str, Any]]:
    topic = "return.completed" if sandbox_return.status == "completed" else "return.updated"
    return topic, objects.return_v1(sandbox_return)


SANDBOX = SandboxProvider(
    slug=DECLARATION.slug,
    urlpatterns=urlpatterns,
    sign=sign,
    # The token, its channel, and the signing secret ShipBob shows for a webhook subscription: the merchant
    # pastes it (or leaves it blank with the sandbox), and the fake signs with it, so a wrong one is refused.
    # The shared sandbox makes it as a plain token, not whsec_<base64>: its bytes are then the key (sign above).
    credentials=("api_key", "external_account_id", "webhook_secret"),
    warehouse=SandboxWarehouse(
        new_external_id=lambda: str(1_000_000 + secrets.randbelow(8_000_000)),
        received_status="completed",
        status_webhook=_status_webhook,
    ),
)
