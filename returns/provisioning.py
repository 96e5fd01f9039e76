"""Writing a store's disposition rules, status mappings and grade mappings (used by the REST API)."""

from collections.abc import Mapping
from typing import Any, TypeVar

from django.db.models import Model

from integrations.models import Store
from returns.models import DispositionRule, GradeMapping, StatusMapping

DISPOSITION_RULE_FIELDS = (
    "priority",
    "match_reason",
    "match_reason_code",
    "match_outcome",
    "match_sku",
    "instruction",
    "note",
)
STATUS_MAPPING_FIELDS = ("outcome", "action", "note_template")
GRADE_MAPPING_FIELDS = ("warehouse", "kind", "word", "condition_category", "disposition_outcome")


RowT = TypeVar("RowT", bound=Model)


def _apply(instance: RowT, data: Mapping[str, Any], allowed: tuple[str, ...]) -> RowT:
    """Set the given fields (only those allowed), validate and save: the row back, as the type it came in."""
    for name, value in data.items():
        if name not in allowed:
            raise TypeError(f"unknown field: {name}")
        setattr(instance, name, value)
    instance.full_clean()
    instance.save()
    return instance


def disposition_rule_create(*, store: Store, data: Mapping[str, Any]) -> DispositionRule:
    """Add a disposition rule to a store."""
    return _apply(DispositionRule(store=store), data, DISPOSITION_RULE_FIELDS)


def disposition_rule_update(*, rule: DispositionRule, data: Mapping[str, Any]) -> DispositionRule:
    """Change a disposition rule (only the fields given)."""
    return _apply(rule, data, DISPOSITION_RULE_FIELDS)


def disposition_rule_delete(*, rule: DispositionRule) -> None:
    """Delete a disposition rule."""
    rule.delete()


def status_mapping_create(*, store: Store, data: Mapping[str, Any]) -> StatusMapping:
    """Add a status mapping (one per warehouse outcome) to a store."""
    return _apply(StatusMapping(store=store), data, STATUS_MAPPING_FIELDS)


def status_mapping_update(*, mapping: StatusMapping, data: Mapping[str, Any]) -> StatusMapping:
    """Change a status mapping (only the fields given)."""
    return _apply(mapping, data, STATUS_MAPPING_FIELDS)


def status_mapping_delete(*, mapping: StatusMapping) -> None:
    """Delete a status mapping."""
    mapping.delete()


def grade_mapping_create(*, store: Store, data: Mapping[str, Any]) -> GradeMapping:
    """Add a grade mapping (one per warehouse system, kind and word) to a store."""
    return _apply(GradeMapping(store=store), data, GRADE_MAPPING_FIELDS)


def grade_mapping_update(*, mapping: GradeMapping, data: Mapping[str, Any]) -> GradeMapping:
    """Change a grade mapping (only the fields given)."""
    return _apply(mapping, data, GRADE_MAPPING_FIELDS)


def grade_mapping_delete(*, mapping: GradeMapping) -> None:
    """Delete a grade mapping (the warehouse's default comes back the next time it grades)."""
    mapping.delete()
