"""TrackStar request bodies, built from DTOs (pure functions, no I/O).

https://docs.trackstarhq.com/api-reference/wms-api/returns/post ; write bodies are non-nullable
(https://docs.trackstarhq.com/how-to-guides/programmatic-writes): keys are omitted, never null/""/"none".
"""

from typing import Any

from integrations.base import RmaPayload
from integrations.providers._common import compact, full_note

# Integration-specific names we know how to fill, in order of preference, per concept.
TRACKING_FIELDS = ("tracking_numbers", "tracking_number")
CARRIER_FIELDS = ("carrier", "carrier_name")
REASON_FIELDS = ("return_cause", "return_reason", "reason")
NOTE_FIELDS = ("notes", "note", "comments")


def write_fields(write_info: Any) -> dict[str, dict[str, Any]]:
    """Field name → its schema, from a `GET /integrations/wms/{name}/write-info` document.

    The document is an OpenAPI description whose exact layout varies; we collect every
    `properties` map under a returns-related path, and fall back to every `properties` map.
    """
    found: dict[str, dict[str, Any]] = {}
    anywhere: dict[str, dict[str, Any]] = {}

    def walk(node: Any, in_returns: bool) -> None:
        if isinstance(node, dict):
            props = node.get("properties")
            if isinstance(props, dict):
                target = found if in_returns else anywhere
                for name, schema in props.items():
                    target.setdefault(str(name), schema if isinstance(schema, dict) else {})
            for key, value in node.items():
                walk(value, in_returns or "return" in str(key).lower())
        elif isinstance(node, list):
            for item in node:
                walk(item, in_returns)

    walk(write_info, False)
    return found or anywhere


def _pick(fields: dict[str, dict[str, Any]], candidates: tuple[str, ...]) -> str:
    return next((name for name in candidates if name in fields), "")


def _enum_choice(schema: dict[str, Any], wanted: list[str]) -> str:
    """A value of the field's enum matching one of our reasons (case-insensitive), or ""."""
    enum = schema.get("enum") or (schema.get("items") or {}).get("enum") or []
    if not enum:
        return wanted[0] if wanted else ""
    lowered = {str(v).lower(): str(v) for v in enum}
    for reason in wanted:
        if reason.lower() in lowered:
            return lowered[reason.lower()]
    for reason in wanted:
        for key, value in lowered.items():
            if key and (key in reason.lower() or reason.lower() in key):
                return value
    return ""


def tags(payload: RmaPayload) -> list[Any]:
    """trackstar_tags: strings or one-key objects; the RMA number is how we find the return again."""
    out: list[Any] = ["backhaul", {"rma_number": payload.number}]
    if payload.platform and payload.platform_return_id:
        out.append({f"{payload.platform}_return_id": payload.platform_return_id})
    for line in payload.lines:
        if line.instruction:
            out.append({f"instruction:{line.sku}": line.instruction})
    return out


def integration_fields(payload: RmaPayload, fields: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Tracking, carrier, reason and note, only where this WMS's write-info lists such a field."""
    out: dict[str, Any] = {}
    tracking = _pick(fields, TRACKING_FIELDS)
    if tracking and payload.tracking_numbers:
        is_list = tracking.endswith("s") or fields[tracking].get("type") == "array"
        out[tracking] = list(payload.tracking_numbers) if is_list else payload.tracking_numbers[0]
    carrier = _pick(fields, CARRIER_FIELDS)
    if carrier and payload.carrier:
        out[carrier] = payload.carrier
    reason = _pick(fields, REASON_FIELDS)
    reasons = [r for line in payload.lines for r in line.reasons]
    if reason and reasons:
        out[reason] = _enum_choice(fields[reason], reasons)
    note = _pick(fields, NOTE_FIELDS)
    if note:
        text = full_note(payload)
        is_list = fields[note].get("type") == "array"
        out[note] = [text] if is_list else text
    return out


def return_create_body(payload: RmaPayload, *, fields: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Body of POST /wms/returns: base schema plus the integration's own fields from write-info."""
    body: dict[str, Any] = {
        "warehouse_id": payload.trackstar_warehouse_id,
        "order_id": payload.external_order_id,
        "line_items": [{"sku": line.sku, "quantity": line.quantity} for line in payload.lines],
        "trackstar_tags": tags(payload),
    }
    body.update(integration_fields(payload, fields))
    return compact(body)


def return_update_body(payload: RmaPayload, *, fields: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Body of PUT /wms/returns/{id} after a label change: only tracking and carrier."""
    extra = integration_fields(payload, fields)
    keep = set(TRACKING_FIELDS) | set(CARRIER_FIELDS)
    return compact({k: v for k, v in extra.items() if k in keep})
