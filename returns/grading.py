"""What the warehouse found per item, in the returns platform's words (pure; product.md flow 11).

A warehouse reports grades per SKU and unit group (integrations.inbound.ItemGrade, kept on RMALine.grades). When
the return's outcome is decided they are shared out over the return's lines unit by unit, each unit naming the
platform's item id (Loop: one line_item_id per unit), and the store's GradeMappings turn the warehouse's words
into a condition category and a disposition outcome (returns/services/grades.py records and sends them).
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from integrations.registry import get_declaration, is_provider, provider_name
from returns.models import GradeMapping, GradeOutcome, GradeWordKind

# A word no mapping names: a person looks before the unit is sold again.
FALLBACK_OUTCOME = GradeOutcome.RESALE_HOLD

MappingRows = Mapping[tuple[str, str], GradeMapping]


def word_key(word: Any) -> str:
    """A grading word as mappings compare it: stripped, lower case."""
    return str(word or "").strip().lower()[:100]


def grade_resolve(*, condition: str, disposition: str, rows: MappingRows) -> tuple[str, str]:
    """(condition category, disposition outcome) of one unit: the disposition's outcome, else the condition's, else
    held for resale review; the condition's category, else the disposition's, else the condition word itself."""
    by_condition = rows.get((GradeWordKind.CONDITION, word_key(condition))) if condition else None
    by_disposition = rows.get((GradeWordKind.DISPOSITION, word_key(disposition))) if disposition else None
    outcome = (
        (by_disposition.disposition_outcome if by_disposition else "")
        or (by_condition.disposition_outcome if by_condition else "")
        or FALLBACK_OUTCOME
    )
    category = (
        (by_condition.condition_category if by_condition else "")
        or (by_disposition.condition_category if by_disposition else "")
        or word_key(condition)
    )
    return category, str(outcome)


def grade_units(*, grades: Iterable[Mapping[str, Any]], wanted: int) -> list[dict[str, Any]]:
    """Unit group grades (ItemGrade.to_json) → one grade per unit, at most `wanted` of them."""
    units: list[dict[str, Any]] = []
    for grade in grades:
        count = int(grade.get("quantity") or 0)
        unit = {k: grade.get(k) for k in ("condition", "disposition", "description", "note", "images", "inspected_at")}
        for _ in range(min(count, wanted - len(units))):
            units.append(dict(unit))
        if len(units) >= wanted:
            break
    return units


def unit_item_id(external_line_ids: list[Any], line_key: str, index: int) -> str:
    """The platform's item id of a line's index-th unit: Loop sends one id per unit; a platform with one item of
    several units (Redo) names it once."""
    if not external_line_ids:
        return line_key
    return str(external_line_ids[min(index, len(external_line_ids) - 1)])


def outcome_label(outcome: str) -> str:
    return str(GradeOutcome(outcome).label) if outcome in GradeOutcome.values else outcome


def unit_words(unit: Mapping[str, Any]) -> str:
    """`damaged, scrapped → recycled`: what the warehouse said and what it means on the platform."""
    said = ", ".join(str(unit.get(k)) for k in ("condition", "disposition") if unit.get(k)) or "no grade"
    if unit.get("missing"):
        said = "not in the parcel"
    outcome = unit.get("disposition_outcome")
    return f"{said} → {outcome_label(str(outcome)).lower()}" if outcome else said


def grades_note(*, lines: Iterable[tuple[str, list[Mapping[str, Any]]]], limit: int = 1000) -> str:
    """The grades as a note for a platform without a grading API: "Backhaul: graded at the warehouse: TEE-BLK-M:
    1 × damaged, scrapped → recycled (photo https://…); 1 × good, restocked → back to stock"."""
    parts = []
    for sku, units in lines:
        counted: dict[str, int] = {}
        for unit in units:
            words = unit_words(unit)
            images = [str(i) for i in unit.get("images") or []]
            if unit.get("note"):
                words += f": {unit['note']}"
            if images:
                words += f" (photo {' '.join(images)})"
            counted[words] = counted.get(words, 0) + 1
        parts.append(f"{sku}: " + "; ".join(f"{n} × {w}" for w, n in counted.items()))
    text = "Backhaul: graded at the warehouse: " + " | ".join(parts)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# -- in words, for the case page and the merchant's return page ----------------------------------


@dataclass(frozen=True)
class GradeRow:
    """Units of one line graded alike, as people read them."""

    sku: str
    units: int
    item_ids: tuple[str, ...]
    found: str  # the warehouse's words ("damaged, scrapped" · "not in the parcel")
    means: str  # the platform's ("grade_c · recycled")
    note: str
    images: tuple[str, ...]  # web addresses only: shown as links
    reached: str  # whether it reached the platform, in a sentence
    tone: str  # ok / error / muted (the admin badge tones)


def _reached(unit: Mapping[str, Any], *, platform: str, grading: str) -> tuple[str, str]:
    state = unit.get("platform") or {}
    if state.get("assessed"):
        graded = "graded and assessed" if state.get("graded") else "assessed"
        return f"Reached {platform}: {graded}", "ok"
    if state.get("noted"):
        return f"In a comment on the {platform} return ({platform} has no grading API)", "ok"
    if state.get("error"):
        return f"Not sent to {platform}: {state['error']}", "error"
    if grading == "none":
        return f"Kept here only: {platform} takes no grades", "muted"
    return f"Not sent to {platform} yet (sent before the return is processed or flagged)", "muted"


def grade_rows(*, lines: Iterable[Any], platform: str, grading: str) -> list[GradeRow]:
    """Each line's units grouped by what the warehouse said, what it means and whether it reached the platform.

    grading: the platform's GradingSupport value ("api", "note", "none")."""
    rows: list[GradeRow] = []
    for line in lines:
        groups: dict[tuple[Any, ...], list[str]] = {}
        for unit in line.grades or []:
            found = (
                "not in the parcel"
                if unit.get("missing")
                else (
                    ", ".join(str(unit.get(k)).replace("_", " ") for k in ("condition", "disposition") if unit.get(k))
                    or "graded"
                )
            )
            outcome = str(unit.get("disposition_outcome") or "")
            means = " · ".join(
                w for w in (str(unit.get("condition_category") or ""), outcome_label(outcome).lower()) if w
            )
            images = tuple(str(i) for i in unit.get("images") or () if str(i).startswith(("https://", "http://")))
            reached, tone = _reached(unit, platform=platform, grading=grading)
            key = (found, means, str(unit.get("note") or ""), images, reached, tone)
            groups.setdefault(key, []).append(str(unit.get("item_id") or ""))
        for (found, means, note, images, reached, tone), ids in groups.items():
            rows.append(GradeRow(line.sku, len(ids), tuple(ids), found, means, note, images, reached, tone))
    return rows


def return_grade_rows(return_obj: Any, lines: Iterable[Any]) -> list[GradeRow]:
    """grade_rows for a return, in its platform's words (how that platform takes grades, from its declaration)."""
    grading = get_declaration(return_obj.platform).grading if is_provider(return_obj.platform) else "none"
    return grade_rows(lines=lines, platform=provider_name(return_obj.platform), grading=str(grading))
