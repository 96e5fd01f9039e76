"""HTTP faces of the simulated providers: the same paths, auth, validation and error shapes as the real APIs.

Each view is wrapped by `sandbox_endpoint`, which finds the account, checks the credentials the
real provider checks, adds the configured latency and injects the configured failures.
"""

import base64
import hmac
import json
import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_exempt

from integrations.models import Provider
from integrations.sandbox import validation as v
from integrations.sandbox.models import SandboxAccount, SandboxReturn, SandboxWebhookDelivery
from integrations.sandbox.services import (
    RECEIVE_MODES,
    sandbox_platform_call_record,
    sandbox_receive,
    sandbox_return_cancel,
    sandbox_return_create,
    sandbox_return_update,
    sandbox_take_failure,
    shipmonk_return_object,
    shipstream_delivery_object,
    trackstar_return_object,
)

View = Callable[..., HttpResponse]


# ----------------------------------------------------------------------------- error shapes


def provider_error(provider: str, status: int, message: str, details: list[str] | None = None) -> HttpResponse:
    """An error in the shape the real provider uses (providers.md)."""
    body: dict[str, Any]
    match provider:
        case Provider.TRACKSTAR:
            return JsonResponse({"error": message, "origin": "trackstar", "details": details or []}, status=status)
        case Provider.SHIPMONK:
            return JsonResponse({"status": status, "message": message, "errors": details or []}, status=status)
        case Provider.LOOP:
            if status == 401:
                body = {"error": {"code": "401", "http_code": "GEN-UNAUTHORIZED", "message": "Unauthorized."}}
            else:
                body = {"errors": {"message": message, "code": "VALIDATION_ERROR", "details": details or []}}
            return JsonResponse(body, status=status)
        case Provider.REDO:
            body = {"type": "about:blank", "title": message, "status": status, "detail": "; ".join(details or [])}
            return JsonResponse(body, status=status, content_type="application/problem+json")
        case _:
            return JsonResponse({"error": {"code": -32000 - status, "message": message}}, status=status)


def _json_body(request: HttpRequest) -> tuple[Any, str | None]:
    try:
        return json.loads(request.body or b"null"), None
    except ValueError:
        return None, "body is not valid JSON"


# ----------------------------------------------------------------------------- authentication


def _same(given: str, expected: str) -> bool:
    return bool(given) and (not expected or hmac.compare_digest(given.encode(), expected.encode()))


def _basic_credentials(request: HttpRequest) -> tuple[str, str]:
    header = request.headers.get("Authorization", "")
    if not header.startswith("Basic "):
        return "", ""
    try:
        user, _, password = base64.b64decode(header[6:]).decode().partition(":")
    except ValueError:
        return "", ""
    return user, password


def authenticated(account: SandboxAccount, request: HttpRequest) -> bool:
    """The credential the real provider requires, compared with the linked connection's where it has one."""
    connection = account.connection
    headers = request.headers
    match account.provider:
        case Provider.SHIPMONK:
            return _same(headers.get("Api-Key", ""), connection.api_key if connection else "")
        case Provider.TRACKSTAR:
            api_key_ok = bool(headers.get("x-trackstar-api-key"))
            return api_key_ok and _same(
                headers.get("x-trackstar-access-token", ""), connection.access_token if connection else ""
            )
        case Provider.SHIPSTREAM:
            user, password = _basic_credentials(request)
            return _same(user, connection.api_username if connection else "") and _same(
                password, connection.api_password if connection else ""
            )
        case Provider.LOOP:
            return _same(headers.get("X-Authorization", ""), connection.api_key if connection else "")
        case Provider.REDO:
            token = headers.get("Authorization", "").removeprefix("Bearer ")
            return headers.get("Authorization", "").startswith("Bearer ") and _same(
                token, connection.api_key if connection else ""
            )
    return False


def sandbox_endpoint(provider: str) -> Callable[[View], View]:
    def decorator(view: View) -> View:
        @csrf_exempt
        @wraps(view)
        def wrapper(request: HttpRequest, key: str, *args: Any, **kwargs: Any) -> HttpResponse:
            account = SandboxAccount.objects.filter(provider=provider, key=key).select_related("connection").first()
            if account is None:
                return provider_error(provider, 404, "Unknown sandbox account")
            if not authenticated(account, request):
                return provider_error(provider, 401, "Unauthorized")
            if account.latency_ms:
                time.sleep(account.latency_ms / 1000)
            failing = sandbox_take_failure(account=account)
            if failing and account.failure_mode == SandboxAccount.FailureMode.SERVER_ERROR:
                return provider_error(provider, 503, "Service temporarily unavailable (sandbox failure injection)")
            if failing and account.failure_mode == SandboxAccount.FailureMode.RATE_LIMITED:
                response = provider_error(provider, 429, "Too many requests (sandbox failure injection)")
                response["Retry-After"] = str(account.retry_after_seconds)
                response["x-ratelimit-limit"] = "50"
                response["x-ratelimit-remaining"] = "0"
                response["x-ratelimit-reset"] = str(int(time.time()) + account.retry_after_seconds)
                return response
            response = view(request, account, *args, **kwargs)
            if failing and account.failure_mode == SandboxAccount.FailureMode.TIMEOUT_AFTER_WORK:
                # The work is done and committed; the answer comes too late for the client.
                time.sleep(account.late_answer_seconds)
            return response

        return wrapper

    return decorator


def _method_not_allowed(provider: str) -> HttpResponse:
    return provider_error(provider, 405, "Method not allowed")


# ----------------------------------------------------------------------------- ShipMonk


@sandbox_endpoint(Provider.SHIPMONK)
def shipmonk_returns(request: HttpRequest, account: SandboxAccount) -> HttpResponse:
    """POST /v1/integrations/returns: create or update, keyed on `rma`."""
    if request.method != "POST":
        return _method_not_allowed(Provider.SHIPMONK)
    body, problem = _json_body(request)
    errors = [problem] if problem else v.validate_object(body, v.SHIPMONK_RETURN)
    if not errors and account.warehouses and body["warehouse"] not in _warehouse_codes(account):
        errors.append(f"body.warehouse: unknown warehouse {body['warehouse']!r}")
    if errors:
        return provider_error(Provider.SHIPMONK, 422, "Validation failed", errors)
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


@sandbox_endpoint(Provider.SHIPMONK)
def shipmonk_returns_list(request: HttpRequest, account: SandboxAccount) -> HttpResponse:
    """GET /v1/integrations/returns-list?rma=&return_status=&updated_at=&page=&page_size=.

    updated_at is read as "updated at or after" (the spec names the filter, not its operator).
    """
    returns = SandboxReturn.objects.filter(account=account).order_by("id")
    if rma := request.GET.get("rma"):
        returns = returns.filter(rma_number=rma)
    if updated_at := request.GET.get("updated_at"):
        since = parse_datetime(updated_at.replace("Z", "+00:00"))
        if since is None or since.tzinfo is None:
            return provider_error(
                Provider.SHIPMONK, 422, "Validation failed", ["query.updated_at: expected an ISO 8601 date-time"]
            )
        returns = returns.filter(updated_at__gte=since)
    if status := request.GET.get("return_status"):
        returns = returns.filter(status=status)
    page_size = min(int(request.GET.get("page_size", 100)), 100)
    page = max(int(request.GET.get("page", 1)), 1)
    total = returns.count()
    chunk = returns[(page - 1) * page_size : page * page_size]
    return JsonResponse(
        {
            "status": 200,
            "data": {"returns_list": [shipmonk_return_object(r) for r in chunk]},
            "paginator": {"total": total, "pages": max(1, -(-total // page_size)), "page": page},
        }
    )


@sandbox_endpoint(Provider.SHIPMONK)
def shipmonk_warehouses(request: HttpRequest, account: SandboxAccount) -> HttpResponse:
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


@sandbox_endpoint(Provider.SHIPMONK)
def shipmonk_orders(request: HttpRequest, account: SandboxAccount) -> HttpResponse:
    """GET /v1/integrations/orders: the sandbox holds no outbound orders."""
    return provider_error(Provider.SHIPMONK, 404, "Order not found")


@sandbox_endpoint(Provider.SHIPMONK)
def shipmonk_complete_return(request: HttpRequest, account: SandboxAccount) -> HttpResponse:
    """POST /v1/integrations/sandbox/complete-return: ShipMonk's own sandbox helper."""
    body, problem = _json_body(request)
    errors = [problem] if problem else v.validate_object(body, v.SHIPMONK_COMPLETE_RETURN)
    if errors:
        return provider_error(Provider.SHIPMONK, 422, "Validation failed", errors)
    sandbox_return = SandboxReturn.objects.filter(account=account, rma_number=body["rma"]).first()
    if sandbox_return is None:
        return provider_error(Provider.SHIPMONK, 404, f"Return {body['rma']} not found")
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


def _warehouse_codes(account: SandboxAccount) -> set[str]:
    return {str(w.get("code") or w.get("id")) for w in account.warehouses}


# ----------------------------------------------------------------------------- TrackStar


def _trackstar_non_null_errors(value: Any, path: str = "body") -> list[str]:
    """TrackStar write bodies are non-nullable everywhere: no null, "" or "none"."""
    if value is None:
        return [f"{path}: must not be null"]
    if isinstance(value, str) and value.strip().lower() in ("", "none"):
        return [f'{path}: must not be empty or "none"']
    if isinstance(value, dict):
        return [e for k, item in value.items() for e in _trackstar_non_null_errors(item, f"{path}.{k}")]
    if isinstance(value, list):
        return [e for i, item in enumerate(value) for e in _trackstar_non_null_errors(item, f"{path}[{i}]")]
    return []


@sandbox_endpoint(Provider.TRACKSTAR)
def trackstar_returns(request: HttpRequest, account: SandboxAccount) -> HttpResponse:
    """GET /wms/returns (paged, updated_date[gt]) and POST /wms/returns (with Idempotency-Key)."""
    if request.method == "GET":
        returns = SandboxReturn.objects.filter(account=account).order_by("updated_at", "id")
        if after := request.GET.get("updated_date[gt]"):
            returns = returns.filter(updated_at__gt=after.replace("Z", "+00:00"))
        limit = min(int(request.GET.get("limit", 1000)), 1000)
        offset = int(request.GET.get("page_token") or 0)
        chunk = list(returns[offset : offset + limit + 1])
        next_token = str(offset + limit) if len(chunk) > limit else None
        return JsonResponse(
            {
                "data": [trackstar_return_object(r) for r in chunk[:limit]],
                "next_token": next_token,
                "total_count": returns.count(),
            }
        )
    if request.method != "POST":
        return _method_not_allowed(Provider.TRACKSTAR)
    body, problem = _json_body(request)
    if problem:
        return provider_error(Provider.TRACKSTAR, 422, problem)
    idempotency_key = request.headers.get("Idempotency-Key", "")
    if len(idempotency_key) > 255:
        return provider_error(Provider.TRACKSTAR, 400, "Idempotency-Key is longer than 255 characters")
    if idempotency_key:
        earlier = SandboxReturn.objects.filter(account=account, idempotency_key=idempotency_key).first()
        if earlier is not None:
            if earlier.request_body != body:
                return provider_error(Provider.TRACKSTAR, 400, "Idempotency-Key reused with a different body")
            response = JsonResponse(_trackstar_write_answer(earlier, body))
            response["Idempotent-Replayed"] = "true"
            return response
    errors = _trackstar_non_null_errors(body) or v.validate_object(body, v.TRACKSTAR_RETURN, allow_unknown=True)
    if not errors and account.warehouses and body["warehouse_id"] not in {str(w.get("id")) for w in account.warehouses}:
        errors.append(f"body.warehouse_id: unknown warehouse {body['warehouse_id']!r}")
    if errors:
        return provider_error(Provider.TRACKSTAR, 422, "Request body failed schema validation", errors)
    sandbox_return = sandbox_return_create(
        account=account,
        rma_number=_trackstar_reference(body) or idempotency_key,
        warehouse=body["warehouse_id"],
        order_ref=body["order_id"],
        items=[{"sku": i["sku"], "quantity": i["quantity"]} for i in body["line_items"]],
        tracking_numbers=[body["tracking_number"]] if body.get("tracking_number") else [],
        body=body,
        idempotency_key=idempotency_key,
    )
    return JsonResponse(_trackstar_write_answer(sandbox_return, body))


def _trackstar_reference(body: dict[str, Any]) -> str:
    """The RMA number Backhaul tags the return with, when it does."""
    for tag in body.get("trackstar_tags", []):
        if isinstance(tag, dict) and ("rma" in tag or "rma_number" in tag):
            return str(tag.get("rma", tag.get("rma_number")))
        if isinstance(tag, str) and tag.startswith("rma:"):
            return tag.removeprefix("rma:")
    return ""


def _trackstar_write_answer(sandbox_return: SandboxReturn, body: dict[str, Any]) -> dict[str, Any]:
    known = set(v.TRACKSTAR_RETURN) | set(v.TRACKSTAR_INTEGRATION_FIELDS)
    return {
        "data": trackstar_return_object(sandbox_return),
        "id": sandbox_return.external_id,
        "unused_fields": sorted(k for k in body if k not in known),
    }


@sandbox_endpoint(Provider.TRACKSTAR)
def trackstar_return_detail(request: HttpRequest, account: SandboxAccount, return_id: str) -> HttpResponse:
    """GET /wms/returns/{id} and PUT /wms/returns/{id} (tracking and other updates)."""
    sandbox_return = SandboxReturn.objects.filter(account=account, external_id=return_id).first()
    if sandbox_return is None:
        return provider_error(Provider.TRACKSTAR, 404, f"Return {return_id} not found")
    if request.method == "GET":
        return JsonResponse({"data": trackstar_return_object(sandbox_return)})
    if request.method != "PUT":
        return _method_not_allowed(Provider.TRACKSTAR)
    body, problem = _json_body(request)
    errors = [problem] if problem else _trackstar_non_null_errors(body)
    if not errors and not isinstance(body, dict):
        errors = ["body: must be an object"]
    if errors:
        return provider_error(Provider.TRACKSTAR, 422, "Request body failed schema validation", errors)
    tracking = [body["tracking_number"]] if body.get("tracking_number") else None
    items = [{"sku": i["sku"], "quantity": i["quantity"]} for i in body["line_items"]] if "line_items" in body else None
    merged = {**sandbox_return.request_body, **body}
    sandbox_return_update(sandbox_return=sandbox_return, items=items, tracking_numbers=tracking, body=merged)
    return JsonResponse(_trackstar_write_answer(sandbox_return, body))


@sandbox_endpoint(Provider.TRACKSTAR)
def trackstar_return_cancel(request: HttpRequest, account: SandboxAccount, return_id: str) -> HttpResponse:
    """PUT /wms/returns/{id}/cancel."""
    if request.method != "PUT":
        return _method_not_allowed(Provider.TRACKSTAR)
    sandbox_return = SandboxReturn.objects.filter(account=account, external_id=return_id).first()
    if sandbox_return is None:
        return provider_error(Provider.TRACKSTAR, 404, f"Return {return_id} not found")
    sandbox_return_cancel(sandbox_return=sandbox_return)
    return JsonResponse({"data": trackstar_return_object(sandbox_return), "id": return_id, "unused_fields": []})


@sandbox_endpoint(Provider.TRACKSTAR)
def trackstar_warehouses(request: HttpRequest, account: SandboxAccount) -> HttpResponse:
    """GET /wms/warehouses."""
    data = [
        {"id": str(w.get("id")), "name": w.get("name", ""), "code": w.get("code", ""), "address": w.get("address", {})}
        for w in account.warehouses
    ]
    return JsonResponse({"data": data, "next_token": None, "total_count": len(data)})


@sandbox_endpoint(Provider.TRACKSTAR)
def trackstar_orders(request: HttpRequest, account: SandboxAccount) -> HttpResponse:
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


@sandbox_endpoint(Provider.TRACKSTAR)
def trackstar_write_info(request: HttpRequest, account: SandboxAccount, integration_name: str) -> HttpResponse:
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


# ----------------------------------------------------------------------------- ShipStream


def _rpc_result(request_id: Any, result: Any) -> JsonResponse:
    return JsonResponse({"jsonrpc": "2.0", "id": request_id, "result": result})


def _rpc_error(request_id: Any, code: int, message: str) -> JsonResponse:
    return JsonResponse({"jsonrpc": "2.0", "id": request_id, "error": {"code": code, "message": message}})


@sandbox_endpoint(Provider.SHIPSTREAM)
def shipstream_jsonrpc(request: HttpRequest, account: SandboxAccount) -> HttpResponse:
    """POST /api/jsonrpc: call(null, "resource.method", [args]) with Basic auth."""
    body, problem = _json_body(request)
    if problem or not isinstance(body, dict):
        return _rpc_error(None, -32700, "Parse error")
    request_id = body.get("id")
    params = body.get("params")
    if body.get("jsonrpc") != "2.0" or body.get("method") != "call" or not isinstance(params, list) or len(params) < 2:
        return _rpc_error(request_id, -32600, "Invalid Request: expected call(session_id, method, [args])")
    method, args = params[1], (params[2] if len(params) > 2 else [])
    if not isinstance(args, list):
        return _rpc_error(request_id, -32602, "Invalid params: arguments must be an array")
    handler = SHIPSTREAM_METHODS.get(method)
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


def _shipstream_find(account: SandboxAccount, increment_id: Any) -> SandboxReturn:
    found = SandboxReturn.objects.filter(account=account, external_id=str(increment_id)).first()
    if found is None:
        raise ShipStreamFault(-32101, f"Delivery {increment_id} does not exist.")
    return found


def _shipstream_items(items: Any) -> list[dict[str, Any]]:
    errors = v.validate_value(
        items, v.Field(list, min_items=1, items=v.SHIPSTREAM_DELIVERY_ITEM), "items", forbid_empty=False
    )
    if errors:
        raise ShipStreamFault(-32602, "; ".join(errors))
    return [{"sku": i["sku"], "quantity": int(i["qty"]), "item_ref": i.get("item_ref", "")} for i in items]


def _shipstream_delivery_create(account: SandboxAccount, args: list[Any]) -> str:
    if len(args) < 2:
        raise ShipStreamFault(-32602, "delivery.create expects (type, data, items)")
    delivery_type, data = args[0], args[1]
    if delivery_type not in ("asn", "rma", "other"):
        raise ShipStreamFault(-32602, "type must be one of asn, rma, other")
    errors = v.validate_object(data, v.SHIPSTREAM_DELIVERY_DATA, "data")
    if errors:
        raise ShipStreamFault(-32602, "; ".join(errors))
    if account.warehouses and str(data["warehouse_id"]) not in {str(w.get("id")) for w in account.warehouses}:
        raise ShipStreamFault(-32602, f"Invalid warehouse_id {data['warehouse_id']}.")
    # ShipStream enforces a unique Merchant RMA #: the natural idempotency key.
    if SandboxReturn.objects.filter(account=account, rma_number=data["merchant_ref"]).exists():
        raise ShipStreamFault(-32105, f"A delivery with Merchant RMA # {data['merchant_ref']} already exists.")
    items = _shipstream_items(args[2] if len(args) > 2 else None)
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


def _shipstream_delivery_search(account: SandboxAccount, args: list[Any]) -> dict[str, Any]:
    filters = args[0] if args and isinstance(args[0], dict) else {}
    returns = SandboxReturn.objects.filter(account=account).order_by("id")
    if "merchant_ref" in filters:
        ref = filters["merchant_ref"]
        ref = ref.get("eq", ref) if isinstance(ref, dict) else ref
        returns = returns.filter(rma_number=ref)
    if "increment_id" in filters:
        returns = returns.filter(external_id=str(filters["increment_id"]))
    results = [shipstream_delivery_object(r) for r in returns]
    return {"totalCount": len(results), "results": results}


def _shipstream_delivery_update(account: SandboxAccount, args: list[Any]) -> bool:
    if len(args) < 2:
        raise ShipStreamFault(-32602, "delivery.update expects (increment_id, data, addItems, removeItems)")
    sandbox_return = _shipstream_find(account, args[0])
    data = args[1] or {}
    # An update may send any subset of the create fields, none of them required.
    allowed = {
        k: v.Field(spec.kind, enum=spec.enum, items=spec.items) for k, spec in v.SHIPSTREAM_DELIVERY_DATA.items()
    }
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


def _shipstream_delivery_cancel(account: SandboxAccount, args: list[Any]) -> bool:
    sandbox_return = _shipstream_find(account, args[0] if args else None)
    sandbox_return_cancel(sandbox_return=sandbox_return)
    return True


def _shipstream_warehouse_list(account: SandboxAccount, args: list[Any]) -> list[dict[str, Any]]:
    return [
        {
            "warehouse_id": int(w.get("id")),
            "name": w.get("name", ""),
            "is_active": True,
            "address": w.get("address", {}),
        }
        for w in account.warehouses
    ]


SHIPSTREAM_METHODS: dict[str, Callable[[SandboxAccount, list[Any]], Any]] = {
    "delivery.create": _shipstream_delivery_create,
    "delivery.search": _shipstream_delivery_search,
    "delivery.update": _shipstream_delivery_update,
    "delivery.cancel": _shipstream_delivery_cancel,
    "warehouse.list": _shipstream_warehouse_list,
}


# ----------------------------------------------------------------------------- Loop


LOOP_ACTIONS = ("process", "flag", "close", "cancel", "remove")


@sandbox_endpoint(Provider.LOOP)
def loop_return_action(request: HttpRequest, account: SandboxAccount, return_id: str, action: str) -> HttpResponse:
    """POST /warehouse/return/{id}/{process|flag|close|cancel|remove} and /note."""
    if request.method != "POST":
        return _method_not_allowed(Provider.LOOP)
    if action == "note":
        body, problem = _json_body(request)
        errors = [problem] if problem else v.validate_object(body, v.LOOP_NOTE)
        if errors:
            return provider_error(Provider.LOOP, 422, "Invalid note", errors)
        sandbox_platform_call_record(account=account, return_id=return_id, action="note", body=body)
        return JsonResponse({"note": {"content": body["content"]}})
    if action not in LOOP_ACTIONS:
        return provider_error(Provider.LOOP, 404, "Not found")
    sandbox_platform_call_record(
        account=account, return_id=return_id, action=action, body={"line_item_id": request.GET.get("line_item_id")}
    )
    # Loop answers a successful action with the bare string "true".
    return HttpResponse("true", content_type="application/json")


@sandbox_endpoint(Provider.LOOP)
def loop_happy_returns_shipment(request: HttpRequest, account: SandboxAccount, shipment_id: str) -> HttpResponse:
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


@sandbox_endpoint(Provider.LOOP)
def loop_webhooks(request: HttpRequest, account: SandboxAccount) -> HttpResponse:
    """GET /webhooks and POST /webhooks {topic, trigger, url, status}."""
    if request.method == "POST":
        body, problem = _json_body(request)
        schema = {
            "topic": v.Field(str, required=True),
            "trigger": v.Field(str, required=True),
            "url": v.Field(str, required=True),
            "status": v.Field(str, enum=("active", "inactive")),
        }
        errors = [problem] if problem else v.validate_object(body, schema)
        if errors:
            return provider_error(Provider.LOOP, 422, "Invalid webhook", errors)
        sandbox_platform_call_record(account=account, return_id="", action="webhook.create", body=body)
        return JsonResponse({"id": account.calls.filter(action="webhook.create").count(), **body}, status=201)
    hooks = [c.body for c in account.calls.filter(action="webhook.create").order_by("id")]
    return JsonResponse({"webhooks": [{"id": i + 1, **h} for i, h in enumerate(hooks)]})


def _emitted_returns(account: SandboxAccount) -> dict[str, dict[str, Any]]:
    """The simulated platform's returns: the latest body it sent for each return id."""
    latest: dict[str, dict[str, Any]] = {}
    for delivery in SandboxWebhookDelivery.objects.filter(account=account).order_by("id"):
        payload = json.loads(delivery.body)
        if account.provider == Provider.LOOP and payload.get("topic") == "return":
            latest[str(payload.get("id"))] = payload
        elif account.provider == Provider.REDO and isinstance(payload.get("return"), dict):
            latest[str(payload["return"].get("id"))] = payload
    return latest


@sandbox_endpoint(Provider.LOOP)
def loop_return_details(request: HttpRequest, account: SandboxAccount) -> HttpResponse:
    """GET /warehouse/return/details?return_id=: the latest payload the sandbox sent for it."""
    payload = _emitted_returns(account).get(request.GET.get("return_id", ""))
    if payload is None:
        return provider_error(Provider.LOOP, 404, "Return not found")
    return JsonResponse(payload)


@sandbox_endpoint(Provider.LOOP)
def loop_return_list(request: HttpRequest, account: SandboxAccount) -> HttpResponse:
    """GET /warehouse/return/list?from=&to=&state=: the returns this sandbox account has sent."""
    returns = list(_emitted_returns(account).values())
    if state := request.GET.get("state"):
        returns = [r for r in returns if r.get("state") == state]
    return JsonResponse({"returns": returns})


# ----------------------------------------------------------------------------- Redo


@sandbox_endpoint(Provider.REDO)
def redo_return_status(request: HttpRequest, account: SandboxAccount, return_id: str) -> HttpResponse:
    """PUT /returns/{id}/status {"status": ...} → 204."""
    if request.method != "PUT":
        return _method_not_allowed(Provider.REDO)
    body, problem = _json_body(request)
    errors = [problem] if problem else v.validate_object(body, v.REDO_STATUS)
    if errors:
        return provider_error(Provider.REDO, 400, "Invalid status", errors)
    sandbox_platform_call_record(account=account, return_id=return_id, action=f"status:{body['status']}", body=body)
    return HttpResponse(status=204)


@sandbox_endpoint(Provider.REDO)
def redo_return_process(request: HttpRequest, account: SandboxAccount, return_id: str) -> HttpResponse:
    """POST /returns/{id}/process with per-item processInput or reject."""
    if request.method != "POST":
        return _method_not_allowed(Provider.REDO)
    body, problem = _json_body(request)
    errors = [problem] if problem else v.redo_process_errors(body)
    if errors:
        return provider_error(Provider.REDO, 400, "Invalid process request", errors)
    sandbox_platform_call_record(account=account, return_id=return_id, action="process", body=body)
    return JsonResponse({"message": "Processing triggered successfully"})


@sandbox_endpoint(Provider.REDO)
def redo_return_comments(request: HttpRequest, account: SandboxAccount, return_id: str) -> HttpResponse:
    """POST /returns/{id}/comments {"comment": {"message": ...}}."""
    body, problem = _json_body(request)
    errors = [problem] if problem else v.validate_object(body, v.REDO_COMMENT)
    if errors:
        return provider_error(Provider.REDO, 400, "Invalid comment", errors)
    sandbox_platform_call_record(account=account, return_id=return_id, action="comment", body=body)
    return JsonResponse({"comment": body["comment"]}, status=201)


@sandbox_endpoint(Provider.REDO)
def redo_store_returns(request: HttpRequest, account: SandboxAccount, store_id: str) -> HttpResponse:
    """GET /stores/{storeId}/returns: {returns, orders} of what this sandbox account has sent."""
    payloads = list(_emitted_returns(account).values())
    return JsonResponse({"returns": [p["return"] for p in payloads], "orders": [p.get("order", {}) for p in payloads]})


@sandbox_endpoint(Provider.REDO)
def redo_store_webhooks(request: HttpRequest, account: SandboxAccount, store_id: str) -> HttpResponse:
    """POST /stores/{storeId}/webhooks {"webhook": {topic, kind, callback{url, auth{bearer{token}}}}}."""
    body, problem = _json_body(request)
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
        return provider_error(Provider.REDO, 400, "Invalid webhook", errors)
    recorded = dict(body)
    recorded["webhook"] = {**body["webhook"], "callback": {"url": body["webhook"]["callback"]["url"]}}
    sandbox_platform_call_record(account=account, return_id="", action="webhook.create", body=recorded)
    return JsonResponse({"webhook": {"id": f"wh{account.calls.count()}", **recorded["webhook"]}}, status=201)


# ----------------------------------------------------------------------------- control (sandbox only)


@csrf_exempt
def control_receive(request: HttpRequest, provider: str, key: str) -> HttpResponse:
    """POST {"rma": ..., "mode": fully_received|short|excess|damaged}: tell a sandbox WMS to receive an RMA."""
    account = SandboxAccount.objects.filter(provider=provider, key=key).first()
    if account is None:
        return JsonResponse({"error": "unknown sandbox account"}, status=404)
    if request.method != "POST":
        return JsonResponse({"error": "POST only"}, status=405)
    body, problem = _json_body(request)
    if problem or not isinstance(body, dict) or body.get("mode") not in RECEIVE_MODES:
        return JsonResponse({"error": f"expected {{rma, mode}} with mode in {', '.join(RECEIVE_MODES)}"}, status=400)
    sandbox_return = SandboxReturn.objects.filter(account=account, rma_number=body.get("rma")).first()
    if sandbox_return is None:
        return JsonResponse({"error": f"no sandbox RMA {body.get('rma')!r}"}, status=404)
    sandbox_receive(sandbox_return=sandbox_return, mode=body["mode"])
    return JsonResponse({"rma": sandbox_return.rma_number, "status": sandbox_return.status})
