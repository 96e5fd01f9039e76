"""A store's grade mappings: a warehouse's grading word (a condition, a disposition) → the returns platform's
condition category and disposition outcome. Like status mappings, every store has a row per word its warehouse
declares (integrations/providers/<slug>/declaration.py `grade_words`), from the defaults on; a word the warehouse
sends that no row names gets a row held for resale review, so support and the owners see it and can change it."""

from collections.abc import Iterable

from integrations.registry import get_declaration, is_provider
from returns.grading import FALLBACK_OUTCOME, MappingRows, word_key
from returns.models import GradeMapping, GradeWordKind


def _defaults(warehouse: str) -> list[tuple[GradeWordKind, str, str, str]]:
    if not is_provider(warehouse):
        return []
    words = get_declaration(warehouse).grade_words
    return [
        (GradeWordKind.CONDITION, w.word, w.condition_category, w.disposition_outcome) for w in words.conditions
    ] + [(GradeWordKind.DISPOSITION, w.word, w.condition_category, w.disposition_outcome) for w in words.dispositions]


def grade_mappings_ensure(*, store_id: int, warehouse: str, seen: Iterable[tuple[str, str]] = ()) -> MappingRows:
    """The store's mappings of one warehouse system's words by (kind, word), creating the missing defaults and a
    row for each (kind, word) in `seen` that has none (held for resale review)."""
    rows = {(m.kind, m.word): m for m in GradeMapping.objects.filter(store_id=store_id, warehouse=warehouse)}
    wanted: dict[tuple[str, str], tuple[str, str]] = {
        (kind, word_key(word)): (category, outcome) for kind, word, category, outcome in _defaults(warehouse)
    }
    for kind, word in seen:
        if word_key(word):
            wanted.setdefault(
                (kind, word_key(word)), ("", FALLBACK_OUTCOME if kind == GradeWordKind.DISPOSITION else "")
            )
    missing = [
        GradeMapping(
            store_id=store_id,
            warehouse=warehouse,
            kind=kind,
            word=word,
            condition_category=category,
            disposition_outcome=outcome,
        )
        for (kind, word), (category, outcome) in wanted.items()
        if (kind, word) not in rows
    ]
    if missing:
        # ignore_conflicts: two workers may fill in the same store at once (unique per store, warehouse and word).
        GradeMapping.objects.bulk_create(missing, ignore_conflicts=True)
        rows = {(m.kind, m.word): m for m in GradeMapping.objects.filter(store_id=store_id, warehouse=warehouse)}
    return rows
