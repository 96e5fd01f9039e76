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
    max_items: int | None = None
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
        if spec.max_items is not None and len(value) > spec.max_items:
            errors.append(f"{path}: must have at most {spec.max_items} items")
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
