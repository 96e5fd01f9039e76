"""Strict validation of the requests the real providers document (see ../shared/docs/providers.md).

A tiny declarative schema: each field names its type, whether it is required, its enum, and
its item or object schema. validate() returns a list of "<path>: <problem>" strings.
"""

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Field:
    kind: type | tuple[type, ...]
    required: bool = False
    enum: tuple[Any, ...] | None = None
    items: "Field | None" = None
    schema: "dict[str, Field] | None" = None
    positive: bool = False
    max_length: int | None = None
    allow_null: bool = False
    min_items: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


def _type_name(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(
        {str: "string", int: "integer", float: "number", bool: "boolean", list: "array", dict: "object"}.get(
            k, k.__name__
        )
        for k in kinds
    )


def validate_value(value: Any, spec: Field, path: str, *, forbid_empty: bool) -> list[str]:
    if value is None:
        return [] if spec.allow_null and not forbid_empty else [f"{path}: must not be null"]
    # bool is an int in Python; a boolean where a number is due is a type error at every provider.
    if isinstance(value, bool) and bool not in (spec.kind if isinstance(spec.kind, tuple) else (spec.kind,)):
        return [f"{path}: must be {_type_name(spec.kind)}"]
    if not isinstance(value, spec.kind):
        return [f"{path}: must be {_type_name(spec.kind)}"]
    errors: list[str] = []
    if forbid_empty and isinstance(value, str) and value.strip().lower() in ("", "none"):
        errors.append(f'{path}: must not be empty or "none"')
    if spec.enum is not None and value not in spec.enum:
        errors.append(f"{path}: must be one of {', '.join(map(str, spec.enum))}")
    if spec.positive and isinstance(value, int | float) and value <= 0:
        errors.append(f"{path}: must be positive")
    if spec.max_length is not None and isinstance(value, str) and len(value) > spec.max_length:
        errors.append(f"{path}: must be at most {spec.max_length} characters")
    if isinstance(value, list):
        if len(value) < spec.min_items:
            errors.append(f"{path}: must have at least {spec.min_items} item(s)")
        if spec.items is not None:
            for index, item in enumerate(value):
                errors += validate_value(item, spec.items, f"{path}[{index}]", forbid_empty=forbid_empty)
    if isinstance(value, dict) and spec.schema is not None:
        errors += validate_object(value, spec.schema, path, forbid_empty=forbid_empty)
    return errors


def validate_object(
    data: Any, schema: dict[str, Field], path: str = "body", *, forbid_empty: bool = False, allow_unknown: bool = False
) -> list[str]:
    if not isinstance(data, dict):
        return [f"{path}: must be an object"]
    errors: list[str] = []
    for name, spec in schema.items():
        if name not in data:
            if spec.required:
                errors.append(f"{path}.{name}: is required")
            continue
        errors += validate_value(data[name], spec, f"{path}.{name}", forbid_empty=forbid_empty)
    if not allow_unknown:
        errors += [f"{path}.{name}: is not a known field" for name in data if name not in schema]
    return errors


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
    "warehouse": Field(str, required=True),
    "rma": Field(str, required=True),
    "store_id": Field(int, required=True),
    "return_reason": Field(str, required=True, enum=SHIPMONK_RETURN_REASONS),
    "items": Field(
        list,
        required=True,
        min_items=1,
        items=Field(
            dict,
            schema={
                "sku": Field(str, required=True),
                "expected_quantity": Field(int, required=True, positive=True),
                "desired_action": Field(str, required=True, enum=SHIPMONK_DESIRED_ACTIONS),
            },
        ),
    ),
    "order_key": Field(str, allow_null=True),
    "note": Field(str, allow_null=True),
    "tracking_number": Field(str, allow_null=True),
    "tracking_numbers": Field(list, items=Field(str)),
    # The spec types value as an object (or null), not a string.
    "custom_data": Field(
        list,
        items=Field(
            dict,
            schema={
                "name": Field(str, required=True),
                "value": Field(dict, required=True, allow_null=True),
            },
        ),
    ),
    "references_to_related_order": Field(
        dict,
        schema={
            "order_number": Field(str, required=True),
            "search_in_all_stores": Field(bool),
        },
    ),
}
SHIPMONK_COMPLETE_RETURN = {
    "rma": Field(str, required=True),
    "completion_mode": Field(
        str, required=True, enum=("fully_received", "short_received", "excess_received", "partially_received")
    ),
    "final_disposition": Field(
        str, required=True, enum=("reworked", "returned_to_inventory", "return_to_merchant", "dispose", "donate")
    ),
}

# TrackStar POST /wms/returns base schema (providers.md §3.3). Write bodies are non-nullable;
# fields outside the base schema are integration-specific: accepted and reported as unused.
TRACKSTAR_TAG = Field((str, dict))
TRACKSTAR_RETURN = {
    "warehouse_id": Field(str, required=True),
    "order_id": Field(str, required=True),
    "line_items": Field(
        list,
        required=True,
        min_items=1,
        items=Field(
            dict,
            schema={
                "sku": Field(str, required=True),
                "quantity": Field(int, required=True, positive=True),
            },
        ),
    ),
    "trackstar_tags": Field(list, items=TRACKSTAR_TAG),
}
TRACKSTAR_INTEGRATION_FIELDS = ("tracking_number", "carrier", "return_cause", "notes", "return_reason")

# ShipStream delivery.create data fields (providers.md §5.2); no others are accepted.
SHIPSTREAM_DELIVERY_DATA = {
    "warehouse_id": Field(int, required=True),
    "sender_name": Field(str),
    "merchant_ref": Field(str, required=True),
    "sender_ref_alt": Field(str),
    "sender_ref": Field(str),
    "tracking_numbers": Field(list, items=Field(str)),
    "expected_delivery": Field(str),
    "carrier_name": Field(str),
    "comments": Field(str),
    "special_requirements": Field(str),
    "merchant_status": Field(str),
    "auto_commit": Field(int, enum=(0, 1, 2)),
    "auto_close": Field(int, enum=(0, 1, 2)),
}
SHIPSTREAM_DELIVERY_ITEM = Field(
    dict,
    schema={
        "sku": Field(str, required=True),
        "qty": Field((int, float), required=True, positive=True),
        "item_ref": Field(str, max_length=32),
    },
)

# Loop POST /warehouse/return/{id}/note (providers.md §1.7): content under 255 characters.
LOOP_NOTE = {"content": Field(str, required=True, max_length=254)}

# Redo PUT /returns/{id}/status and POST /returns/{id}/process (providers.md §2.2).
REDO_STATUSES = ("complete", "open", "flagged", "rejected", "deleted")
REDO_STATUS = {"status": Field(str, required=True, enum=REDO_STATUSES)}
REDO_PROCESS = {
    "products": Field(
        list,
        required=True,
        min_items=1,
        items=Field(
            dict,
            schema={
                "_id": Field(str, required=True),
                "processInput": Field(
                    dict, schema={"restock": Field(bool), "newMerchantAdjustment": Field((int, float))}
                ),
                "reject": Field(bool),
            },
        ),
    ),
    "customerNotes": Field(str),
}
REDO_COMMENT = {"comment": Field(dict, required=True, schema={"message": Field(str), "image": Field(str)})}


def redo_process_errors(body: dict[str, Any]) -> list[str]:
    """Each product has either processInput or reject, never both (providers.md §2.2)."""
    errors = validate_object(body, REDO_PROCESS)
    for index, product in enumerate(body.get("products") or []):
        if isinstance(product, dict) and ("processInput" in product) == ("reject" in product):
            errors.append(f"body.products[{index}]: needs exactly one of processInput or reject")
    return errors
