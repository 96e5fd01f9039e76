"""Redo request bodies (pure functions, no I/O).

https://developers.redo.com/docs/api-reference (OpenAPI 2.2.1, @redotech/redo-api-schema); providers.md §2.
"""

from collections.abc import Iterable
from typing import Any

# PUT /returns/{id}/status accepts these (providers.md §2.2).
STATUSES = ("complete", "open", "flagged", "rejected", "deleted")


def status_body(status: str) -> dict[str, str]:
    if status not in STATUSES:
        raise ValueError(f"Redo has no return status {status!r}")
    return {"status": status}


def process_body(*, items: Iterable[tuple[str, bool, bool]], customer_notes: str = "") -> dict[str, Any]:
    """POST /returns/{id}/process: per item (id, accept, restock) → processInput{restock} or reject.

    Each product carries exactly one of processInput or reject.
    """
    products: list[dict[str, Any]] = []
    for item_id, accept, restock in items:
        if accept:
            products.append({"_id": item_id, "processInput": {"restock": restock}})
        else:
            products.append({"_id": item_id, "reject": True})
    body: dict[str, Any] = {"products": products}
    if customer_notes:
        body["customerNotes"] = customer_notes
    return body


def comment_body(message: str) -> dict[str, Any]:
    return {"comment": {"message": message}}


def webhook_body(*, url: str, token: str, external_id: str) -> dict[str, Any]:
    """POST /stores/{storeId}/webhooks, the OpenAPI form (the guide's flat form is unconfirmed)."""
    return {
        "webhook": {
            "topic": "return",
            "kind": "redo",
            "externalId": external_id,
            "backfill": False,
            "callback": {"url": url, "auth": {"bearer": {"token": token}}},
        }
    }


def returns_from(data: Any) -> list[dict[str, Any]]:
    """GET /stores/{storeId}/returns → webhook-shaped {type, return, order} per return, for the mapper."""
    if not isinstance(data, dict):
        return []
    orders = {str(o.get("id")): o for o in data.get("orders") or [] if isinstance(o, dict) and o.get("id")}
    out = []
    for ret in data.get("returns") or []:
        if not isinstance(ret, dict) or not ret.get("id"):
            continue
        order_field = ret.get("order")
        order_ref = order_field if isinstance(order_field, dict) else {}
        order = orders.get(str(order_ref.get("id"))) or order_ref
        out.append({"type": "updated", "at": ret.get("updatedAt"), "return": ret, "order": order})
    return out
