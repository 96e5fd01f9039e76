"""Which processing instruction a returned line gets: the store's disposition rules, first match by priority (pure)."""

from collections.abc import Iterable

from returns.models import DispositionRule, Instruction, ReturnLine

# When lines of one SKU carry different instructions, the most cautious one wins: restocking
# a unit that needed inspection is worse than inspecting one that could have been restocked.
INSTRUCTION_CAUTION = {"": 0, Instruction.RESTOCK: 1, Instruction.INSPECT: 2, Instruction.QUARANTINE: 3}

INSTRUCTION_CAUTION[Instruction.DISPOSE] = 4


def _sku_matches(pattern: str, sku: str) -> bool:
    if pattern.endswith("*"):
        return sku.startswith(pattern[:-1])
    return pattern == sku


def rule_matches(rule: DispositionRule, *, line: ReturnLine, return_outcome: str = "") -> bool:
    """Blank criteria match anything; reason is a case-insensitive substring of reason or parent reason."""
    if rule.match_reason:
        wanted = rule.match_reason.lower()
        if wanted not in (line.reason or "").lower() and wanted not in (line.parent_reason or "").lower():
            return False
    if rule.match_reason_code and rule.match_reason_code.lower() != (line.reason_code or "").lower():
        return False
    if rule.match_outcome:
        outcome = (line.outcome or return_outcome or "").lower()
        if rule.match_outcome.lower() != outcome:
            return False
    return not (rule.match_sku and not _sku_matches(rule.match_sku, line.sku))


def disposition_for(
    *, rules: Iterable[DispositionRule], line: ReturnLine, return_outcome: str = ""
) -> DispositionRule | None:
    """The first matching rule by priority (rules must already be ordered)."""
    return next((r for r in rules if rule_matches(r, line=line, return_outcome=return_outcome)), None)
