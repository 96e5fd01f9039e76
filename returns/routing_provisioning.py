"""Writing a store's routing rules (the REST API, the setup wizard and the admin): add, change, move, delete.

Every write checks the whole ordered list it would leave (returns/routing_rules.py rules_problems) and is
refused with one-line errors naming the rule: a location of another store or without a warehouse, a rule
without a condition, a rule that can never match. Positions are kept 1..n in order. Edits of one store's
rules are serialised on the store row (FOR NO KEY UPDATE: returns being written for the store, which only
take a key-share lock on it, are not held up).
"""

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils import timezone

from integrations.models import Store
from returns.models import RoutingRule
from returns.routing_rules import CONDITION_FIELDS, ConditionError, condition_clean, rule_label, rules_problems
from warehouses.models import ShippingLocation

RULE_FIELDS = ("name", "location", "match_all", *CONDITION_FIELDS)
MAX_RULES = 100
NAME_MAX = RoutingRule._meta.get_field("name").max_length or 100


def _location_id(value: Any) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, ShippingLocation):
        return value.pk
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise ValidationError({"location": "Give the shipping location's id."}) from exc


def routing_rule_fill(*, rule: RoutingRule, data: Mapping[str, Any], position: int) -> RoutingRule:
    """Set the fields given in `data` on `rule` (a draft or a saved rule; nothing is written), condition values
    cleaned. Raises ValidationError naming the rule (at `position`) and the field."""
    unknown = set(data) - set(RULE_FIELDS)
    if unknown:
        raise TypeError(f"unknown routing rule fields: {sorted(unknown)}")
    errors: dict[str, str] = {}
    if "name" in data:
        rule.name = str(data["name"] or "").strip()
        if len(rule.name) > NAME_MAX:
            errors["name"] = f"Rule {position}: a name of at most {NAME_MAX} characters."
    if "location" in data:
        # None while a draft names no location: routing_rules_check refuses it before anything is saved.
        rule.location_id = _location_id(data["location"])  # type: ignore[assignment]
    if "match_all" in data:
        rule.match_all = bool(data["match_all"])
    label = rule_label(rule, position)
    for field in CONDITION_FIELDS:
        if field in data:
            try:
                setattr(rule, field, condition_clean(field, data[field] or []))
            except ConditionError as exc:
                errors[field] = f"{label}: {exc}"
    if errors:
        raise ValidationError(errors)
    return rule


def store_locations(*, store_id: int) -> dict[int, ShippingLocation]:
    """The store's shipping locations by id (what a rule may send returns to, once linked to a warehouse)."""
    return {loc.pk: loc for loc in ShippingLocation.objects.filter(store_id=store_id).order_by()}


def routing_rules_check(*, store_id: int, rules: Sequence[RoutingRule], current: RoutingRule | None = None) -> None:
    """Refuse an ordered list of rules that cannot be saved: ValidationError with one line per problem. The
    problems of `current` (the rule being written) go under its fields; the others' under non_field_errors."""
    locations = store_locations(store_id=store_id)
    problems = rules_problems(rules, locations=locations, store_id=store_id)
    if not problems:
        return
    errors: dict[str, list[str]] = {}
    for problem in problems:
        mine = current is not None and rules[problem.index] is current
        key = problem.field if mine and problem.field else NON_FIELD_ERRORS
        errors.setdefault(key, []).append(problem.message)
    raise ValidationError(errors)


def _locked_rules(store_id: int) -> list[RoutingRule]:
    """The store's rules in order, with the store row locked until the transaction ends."""
    Store.objects.select_for_update(no_key=True).filter(pk=store_id).values_list("pk", flat=True).first()
    return list(RoutingRule.objects.filter(store_id=store_id).order_by("position", "id"))


def _place(rules: list[RoutingRule], rule: RoutingRule, position: int | None) -> list[RoutingRule]:
    """The list with `rule` at `position` (1-based, clamped; None: where it is, or last when new)."""
    others = [r for r in rules if r.pk is None or r.pk != rule.pk]
    if position is None:
        current = next((i for i, r in enumerate(rules) if rule.pk is not None and r.pk == rule.pk), None)
        index = len(others) if current is None else current
    else:
        index = min(max(int(position), 1), len(others) + 1) - 1
    return [*others[:index], rule, *others[index:]]


def _save_order(ordered: list[RoutingRule], rule: RoutingRule) -> RoutingRule:
    now = timezone.now()
    moved = []
    for position, row in enumerate(ordered, start=1):
        if row is not rule and row.position != position:
            row.position = position
            row.updated_at = now  # bulk_update calls no save(): auto_now would not run
            moved.append(row)
    rule.position = ordered.index(rule) + 1
    rule.save()
    RoutingRule.objects.bulk_update(moved, ["position", "updated_at"])
    return RoutingRule.objects.select_related("location").get(pk=rule.pk)


def routing_rules_placed(
    *,
    store_id: int,
    data: Mapping[str, Any],
    rule_id: int | None = None,
    position: int | None = None,
    rules: list[RoutingRule] | None = None,
) -> tuple[list[RoutingRule], RoutingRule]:
    """The store's rules as they would be with a rule added (`rule_id` None) or changed by `data`, placed at
    `position` (None: where it is, or last), and that rule; checked, nothing written (a draft's dry run
    replays this list). `rules`: the store's rules in order, when the caller read them (under the lock)."""
    if rules is None:
        rules = list(RoutingRule.objects.filter(store_id=store_id).order_by("position", "id"))
    if rule_id is None:
        rule = RoutingRule(store_id=store_id)
        data = {"name": "", "location": None, **data}
        placed = len(rules) + 1 if position is None else position
    else:
        saved = next((r for r in rules if r.pk == rule_id), None)
        if saved is None:
            raise RoutingRule.DoesNotExist(f"routing rule {rule_id} was deleted")
        rule = copy.copy(saved)  # the caller's rows stay as they were: a dry run changes nothing
        placed = saved.position if position is None else position
    routing_rule_fill(rule=rule, data=data, position=min(max(placed, 1), len(rules) + 1))
    ordered = _place(rules, rule, position)
    routing_rules_check(store_id=store_id, rules=ordered, current=rule)
    return ordered, rule


@transaction.atomic
def routing_rule_create(*, store: Store, data: Mapping[str, Any], position: int | None = None) -> RoutingRule:
    """Add a rule at `position` (1 = first; None: last, before nothing but the built-in steps)."""
    rules = _locked_rules(store.pk)
    if len(rules) >= MAX_RULES:
        raise ValidationError({NON_FIELD_ERRORS: f"A store has at most {MAX_RULES} routing rules."})
    ordered, rule = routing_rules_placed(store_id=store.pk, data=data, position=position, rules=rules)
    return _save_order(ordered, rule)


@transaction.atomic
def routing_rule_update(*, rule: RoutingRule, data: Mapping[str, Any], position: int | None = None) -> RoutingRule:
    """Change a rule's fields (only those given) and, with `position`, move it there."""
    rules = _locked_rules(rule.store_id)
    ordered, changed = routing_rules_placed(
        store_id=rule.store_id, data=data, rule_id=rule.pk, position=position, rules=rules
    )
    return _save_order(ordered, changed)


def routing_rule_move(*, rule: RoutingRule, position: int) -> RoutingRule:
    """Move a rule to `position` (1 = first); refused when that would leave a rule that can never match."""
    return routing_rule_update(rule=rule, data={}, position=position)


@transaction.atomic
def routing_rule_delete(*, rule: RoutingRule) -> None:
    """Delete a rule; the ones after it move up. RMAs it routed keep the words of why (RMA.routing)."""
    rules = _locked_rules(rule.store_id)
    RoutingRule.objects.filter(pk=rule.pk).delete()
    now = timezone.now()
    moved = []
    for position, row in enumerate((r for r in rules if r.pk != rule.pk), start=1):
        if row.position != position:
            row.position, row.updated_at = position, now
            moved.append(row)
    RoutingRule.objects.bulk_update(moved, ["position", "updated_at"])


def routing_rules_draft(*, store: Store, drafts: Sequence[Mapping[str, Any]]) -> list[RoutingRule]:
    """Unsaved rules from the given data, in that order, checked as a list would be before saving (for a dry
    run of rules not saved yet). Writes nothing; raises ValidationError naming the rule."""
    rules = []
    errors: dict[str, list[str]] = {}
    for position, data in enumerate(drafts, start=1):
        rule = RoutingRule(store=store, position=position)
        try:
            routing_rule_fill(rule=rule, data={"name": "", "location": None, **data}, position=position)
        except ValidationError as exc:
            for messages in exc.message_dict.values():
                errors.setdefault(NON_FIELD_ERRORS, []).extend(messages)
        rules.append(rule)
    if errors:
        raise ValidationError(errors)
    routing_rules_check(store_id=store.pk, rules=rules)
    locations = store_locations(store_id=store.pk)
    for rule in rules:
        rule.location = locations[rule.location_id]  # checked above: every rule names one of the store's
    return rules
