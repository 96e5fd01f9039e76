"""Writing a store's disposition rules, status mappings and grade mappings (used by the REST API)."""

from collections.abc import Mapping
from typing import Any

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


def _apply(instance: Model, data: Mapping[str, Any], allowed: tuple[str, ...]) -> Model:
    for name, value in data.items():
        if name not in allowed:
            raise TypeError(f"unknown field: {name}")
        setattr(instance, name, value)
    instance.full_clean()
    instance.save()
    return instance


def disposition_rule_create(*, store: Store, data: Mapping[str, Any]) -> DispositionRule:
    """Add a disposition rule to a store."""
    rule = _apply(DispositionRule(store=store), data, DISPOSITION_RULE_FIELDS)
    assert isinstance(rule, DispositionRule)  # noqa: S101 (narrowing for mypy)
    return rule


def disposition_rule_update(*, rule: DispositionRule, data: Mapping[str, Any]) -> DispositionRule:
    """Change a disposition rule (only the fields given)."""
    _apply(rule, data, DISPOSITION_RULE_FIELDS)
    return rule


def disposition_rule_delete(*, rule: DispositionRule) -> None:
    """Delete a disposition rule."""
    rule.delete()


def status_mapping_create(*, store: Store, data: Mapping[str, Any]) -> StatusMapping:
    """Add a status mapping (one per warehouse outcome) to a store."""
    mapping = _apply(StatusMapping(store=store), data, STATUS_MAPPING_FIELDS)
    assert isinstance(mapping, StatusMapping)  # noqa: S101 (narrowing for mypy)
    return mapping


def status_mapping_update(*, mapping: StatusMapping, data: Mapping[str, Any]) -> StatusMapping:
    """Change a status mapping (only the fields given)."""
    _apply(mapping, data, STATUS_MAPPING_FIELDS)
    return mapping


def status_mapping_delete(*, mapping: StatusMapping) -> None:
    """Delete a status mapping."""
    mapping.delete()


def grade_mapping_create(*, store: Store, data: Mapping[str, Any]) -> GradeMapping:
    """Add a grade mapping (one per warehouse system, kind and word) to a store."""
    mapping = _apply(GradeMapping(store=store), data, GRADE_MAPPING_FIELDS)
    assert isinstance(mapping, GradeMapping)  # noqa: S101 (narrowing for mypy)
    return mapping


def grade_mapping_update(*, mapping: GradeMapping, data: Mapping[str, Any]) -> GradeMapping:
    """Change a grade mapping (only the fields given)."""
    _apply(mapping, data, GRADE_MAPPING_FIELDS)
    return mapping


def grade_mapping_delete(*, mapping: GradeMapping) -> None:
    """Delete a grade mapping (the warehouse's default comes back the next time it grades)."""
    mapping.delete()
