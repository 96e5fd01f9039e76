"""The warehouse's grades of a return: recorded on its lines once, then sent to the platform before it is told to
process or flag the return (product.md flow 11).

Recorded when the return's outcome is decided, under its row lock (returns/services/outcomes.py): each line gets
one grade per unit (ReturnLine.grades), named by the platform's item id, in the store's words (GradeMappings).

Sent under the return's lease by the platform-action worker (returns/services/platform_actions.py), before the
process / flag calls, as the platform's declaration says (integrations.declarations.GradingSupport):
- API (Loop): grade, then assess, in batches of the declaration's grading_batch_size; each batch is its own
  operation (`return_items_grade:2`), committed as an ApiCall before anything else is written, so a rerun after a
  crash skips the batches that were answered and never sends one twice (platform_in_flight.py);
- NOTE (Redo, no grading API): one note on the return with the grades in words.
A refusal that is configuration (403 / 404 / 410 / 501: grading not enabled for the store) is shown on the timeline
and on the lines, and the return is processed all the same; one that will never succeed (422: a value the platform
refuses) fails the action with a sentence saying what was refused; a transient error retries the action.
"""

import logging
from collections import defaultdict
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from integrations.base import ItemGradeReport, ReturnsPlatformClient
from integrations.declarations import GradingSupport
from integrations.exceptions import ProviderConfigurationError, ProviderRejected
from integrations.models import Connection
from integrations.payload_values import parse_timestamp
from integrations.registry import get_declaration, provider_name
from returns.grading import grade_resolve, grade_units, grades_note, outcome_label, unit_item_id
from returns.models import RMA, GradeOutcome, GradeWordKind, Return, ReturnLine, TimelineEvent
from returns.services.grade_mappings import grade_mappings_ensure
from returns.services.platform_in_flight import platform_call_once, platform_call_succeeded
from returns.services.timeline import timeline_add

logger = logging.getLogger(__name__)


# -- recording ----------------------------------------------------------------------------------


def _units_by_sku(rmas: list[RMA], wanted: dict[str, int]) -> dict[str, list[dict[str, Any]]]:
    """Per platform SKU, one grade per unit the warehouses graded (and, where a warehouse graded an SKU but received
    fewer units than expected, one `missing` unit per unit that did not come), RMAs in number order."""
    units: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for rma in sorted(rmas, key=lambda r: r.number):
        if rma.status != RMA.Status.RECEIVED:
            continue
        for rma_line in rma.lines.all():
            sku = rma_line.platform_sku or rma_line.sku
            room = wanted.get(sku, 0) - len(units[sku])
            if not rma_line.grades or room <= 0:
                continue
            graded = grade_units(grades=rma_line.grades, wanted=room)
            short = max(rma_line.quantity - max(rma_line.received_quantity, len(graded)), 0)
            graded += [{"missing": True, "disposition_outcome": GradeOutcome.MISSING}] * min(short, room - len(graded))
            for unit in graded:
                units[sku].append({**unit, "warehouse": rma.warehouse_connection.provider, "rma": rma.number})
    return units


def _resolve(store_id: int, units: list[dict[str, Any]]) -> None:
    """Fill each unit's condition category and disposition outcome from the store's mappings of its warehouse."""
    by_warehouse: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for unit in units:
        by_warehouse[str(unit.get("warehouse") or "")].append(unit)
    for warehouse, group in by_warehouse.items():
        seen = {(GradeWordKind.CONDITION, str(u.get("condition") or "")) for u in group} | {
            (GradeWordKind.DISPOSITION, str(u.get("disposition") or "")) for u in group
        }
        rows = grade_mappings_ensure(store_id=store_id, warehouse=warehouse, seen=seen)
        for unit in group:
            if unit.get("missing"):
                unit["condition_category"], unit["disposition_outcome"] = "", GradeOutcome.MISSING
                continue
            unit["condition_category"], unit["disposition_outcome"] = grade_resolve(
                condition=str(unit.get("condition") or ""), disposition=str(unit.get("disposition") or ""), rows=rows
            )


def return_grades_record(*, return_obj: Return, rmas: list[RMA]) -> int:
    """Share the warehouses' grades out over the return's lines, unit by unit, in the store's words; the caller
    holds the return's row lock and decides its outcome now (once). Returns how many units are graded."""
    lines = list(return_obj.lines.order_by("id"))
    wanted: dict[str, int] = defaultdict(int)
    for line in lines:
        wanted[line.sku] += line.quantity
    by_sku = _units_by_sku(rmas, wanted)
    if not any(by_sku.values()):
        return 0
    _resolve(return_obj.store_id, [u for units in by_sku.values() for u in units])
    count = 0
    for line in lines:
        units, by_sku[line.sku] = by_sku[line.sku][: line.quantity], by_sku[line.sku][line.quantity :]
        grades = [
            {**unit, "item_id": unit_item_id(line.external_line_ids or [], line.line_key, index), "platform": {}}
            for index, unit in enumerate(units)
        ]
        if grades != line.grades:
            line.grades = grades
            line.save(update_fields=["grades", "updated_at"])
        count += len(grades)
    return count


# -- sending ------------------------------------------------------------------------------------


def _reports(lines: list[ReturnLine]) -> list[ItemGradeReport]:
    """One report per platform item (the first unit that names it), in line order."""
    reports: dict[str, ItemGradeReport] = {}
    for line in lines:
        for unit in line.grades:
            item_id = str(unit.get("item_id") or "")
            if not item_id or item_id in reports:
                continue
            reports[item_id] = ItemGradeReport(
                item_id=item_id,
                description=str(unit.get("description") or ""),
                condition_category=str(unit.get("condition_category") or ""),
                disposition_outcome=str(unit.get("disposition_outcome") or ""),
                note=str(unit.get("note") or ""),
                images=tuple(str(i) for i in unit.get("images") or ()),
                inspected_at=parse_timestamp(unit.get("inspected_at")),
                graded=not unit.get("missing"),
            )
    return list(reports.values())


def _mappings_reapply(store_id: int, lines: list[ReturnLine]) -> None:
    """The store's mappings as they are now (support may have changed one after the platform refused a value)."""
    before = [[dict(u) for u in line.grades] for line in lines]
    _resolve(store_id, [u for line in lines for u in line.grades])
    for line, old in zip(lines, before, strict=True):
        if line.grades != old:
            ReturnLine.objects.filter(pk=line.pk).update(grades=line.grades)


def _mark(lines: list[ReturnLine], item_ids: set[str], **state: Any) -> None:
    """Write on the lines what reached the platform for these items (shown on the case and return pages)."""
    for line in lines:
        changed = False
        for unit in line.grades:
            if str(unit.get("item_id")) in item_ids:
                unit["platform"] = {**(unit.get("platform") or {}), **state}
                changed = True
        if changed:
            ReturnLine.objects.filter(pk=line.pk).update(grades=line.grades)


def _batches(items: list[ItemGradeReport], size: int) -> list[list[ItemGradeReport]]:
    size = size if size > 0 else len(items) or 1
    return [items[i : i + size] for i in range(0, len(items), size)]


class _Sender:
    """One run's grading calls: counts the ones made now (a rerun that finds them all done writes no timeline)."""

    def __init__(self, return_obj: Return, lines: list[ReturnLine]) -> None:
        self.return_obj, self.lines, self.sent_now = return_obj, lines, 0
        self.calls: list[int] = []
        # What is being sent now: named in the sentence when the platform refuses it.
        self.current: tuple[str, Sequence[ItemGradeReport]] = ("", ())

    def once(self, operation: str, call: Callable[[], int | None], items: Sequence[ItemGradeReport], step: str) -> None:
        self.current = (step, items)
        if platform_call_succeeded(return_id=self.return_obj.pk, operation=operation) is None:
            self.sent_now += 1
        api_call_id = platform_call_once(self.return_obj.pk, operation, call)
        if api_call_id is not None:
            self.calls.append(api_call_id)
        _mark(self.lines, {i.item_id for i in items}, **{step: api_call_id or True, "error": ""})


def _send_api(client: ReturnsPlatformClient, sender: _Sender, reports: list[ItemGradeReport], size: int) -> None:
    """Grade the graded items (a missing unit has nothing to grade), then assess every item, batch by batch."""
    steps: tuple[tuple[str, str, Callable[..., int | None], list[ItemGradeReport]], ...] = (
        ("graded", "return_items_grade", client.return_items_grade, [r for r in reports if r.graded]),
        ("assessed", "return_items_assess", client.return_items_assess, reports),
    )
    for step, operation, method, items in steps:
        for batch, chunk in enumerate(_batches(items, size), start=1):
            sender.once(f"{operation}:{batch}", partial(method, items=chunk, batch=batch), chunk, step)


_VERBS = {"graded": "grade", "assessed": "assess", "noted": "take the note with the grades of"}


def return_grades_send(*, client: ReturnsPlatformClient, connection: Connection, return_obj: Return) -> list[int]:
    """Send the return's grades before its action (the caller holds its lease, no transaction open); returns the
    ApiCall ids. Raises ProviderRejected (a sentence saying what was refused) and transient errors."""
    declaration = get_declaration(connection.provider)
    lines = [line for line in return_obj.lines.order_by("id") if line.grades]
    if declaration.grading == GradingSupport.NONE or not lines:
        return []
    platform = provider_name(connection.provider)
    _mappings_reapply(return_obj.store_id, lines)
    reports = _reports(lines)
    sender = _Sender(return_obj, lines)
    try:
        if declaration.grading == GradingSupport.API:
            _send_api(client, sender, reports, declaration.grading_batch_size)
        else:
            content = grades_note(lines=[(line.sku, line.grades) for line in lines])
            sender.once(
                "return_grades_note",
                lambda: client.return_grades_note_create(return_id=return_obj.external_id, content=content),
                reports,
                "noted",
            )
    except ProviderConfigurationError as exc:
        # Grading not enabled for the store (403 / 404), or not offered: shown, not a reason to hold the refund.
        _mark(lines, {r.item_id for r in reports}, error=exc.message[:500])
        timeline_add(
            return_obj=return_obj,
            kind="platform_grades_not_sent",
            level=TimelineEvent.Level.WARNING,
            message=f"Grades not sent to {platform}: {exc.message}"[:500],
            data={"error": exc.message},
            api_call_id=exc.api_call_id,
        )
        return sender.calls
    except ProviderRejected as exc:
        step, items = sender.current
        message = (
            f"{platform} refused to {_VERBS.get(step, step)} items {', '.join(i.item_id for i in items)} "
            f"({exc.message}), so the return was not processed or flagged: change the store's grade mapping (or the "
            "item's grade), then retry the platform action"
        )
        _mark(lines, {i.item_id for i in items}, error=exc.message[:500])
        raise ProviderRejected(message, status_code=exc.status_code, api_call_id=exc.api_call_id) from exc
    if sender.sent_now:
        outcomes: dict[str, int] = defaultdict(int)
        units = [unit for line in lines for unit in line.grades]
        for unit in units:
            outcomes[outcome_label(str(unit.get("disposition_outcome") or "")).lower()] += 1
        words = ", ".join(f"{n} {o}" for o, n in outcomes.items())
        how = "graded and assessed" if declaration.grading == GradingSupport.API else "written in a note"
        timeline_add(
            return_obj=return_obj,
            kind="platform_grades_sent",
            level=TimelineEvent.Level.SUCCESS,
            message=f"Warehouse grades sent to {platform}: {len(units)} item{'s' if len(units) != 1 else ''} "
            f"{how} ({words})"[:500],
            data={"api_calls": sender.calls, "items": [r.item_id for r in reports]},
            api_call_id=sender.calls[0] if sender.calls else None,
        )
    return sender.calls
