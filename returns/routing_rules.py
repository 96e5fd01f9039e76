"""Routing rules (pure): what their conditions mean, whether one matches a return line, and what makes a list of
rules wrong. No database here: the rules, the return, its lines and the store's locations are handed in.

A rule's condition is a list of values, any of which matches; a rule matches a line when each condition it has
matches (a rule with a SKU pattern and a region matches lines of that SKU from that region). A catch-all rule
matches every line. Values are compared without case: SKU patterns are shell-style wildcards (`TEE-*`,
`CAP-??-RED`) over the platform's SKU, postal-code prefixes ignore spaces, regions accept a US state's or a
Canadian province's name or code, reasons match the reason code or appear in the reason's words (as
disposition rules do), outcomes read the platforms' spellings (refund, exchange, store credit / gift card).
"""

import fnmatch
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from returns.models import Return, ReturnLine, ReturnMethodChoice, RoutingOutcome, RoutingRule
from returns.regions import region_key
from warehouses.models import ShippingLocation

MAX_VALUES = 50  # per condition
MAX_VALUE_LENGTH = 100


@dataclass(frozen=True)
class Condition:
    field: str  # the RoutingRule field
    label: str  # one value's name, for sentences ("region")
    plural: str
    shopper: str  # what the line's value is, for "why it went there" ("the customer's region")


CONDITIONS: tuple[Condition, ...] = (
    Condition("sku_patterns", "SKU pattern", "SKU patterns", "the SKU"),
    Condition("countries", "country", "countries", "the customer's country"),
    Condition("regions", "region", "regions", "the customer's region"),
    Condition("postal_prefixes", "postal-code prefix", "postal-code prefixes", "the customer's postal code"),
    Condition("reasons", "reason", "reasons", "the return reason"),
    Condition("return_methods", "return method", "return methods", "the return method"),
    Condition("order_tags", "order tag", "order tags", "the order's tags"),
    Condition("outcomes", "outcome", "outcomes", "the outcome"),
)
CONDITION_FIELDS = tuple(c.field for c in CONDITIONS)
BY_FIELD = {c.field: c for c in CONDITIONS}
METHOD_WORDS = dict(ReturnMethodChoice.choices)
OUTCOME_WORDS = dict(RoutingOutcome.choices)


# -- values ----------------------------------------------------------------------------------------------------


def postal_key(value: str) -> str:
    """A postal code or prefix without spaces or case ("sw1a 1aa" → "SW1A1AA")."""
    return "".join(value.split()).upper()


def outcome_key(value: str) -> str:
    """A platform's word for what the shopper gets, as a RoutingOutcome value ("" when it names none):
    Loop's `refund` / `exchange` / `credit` (and `default`, which says nothing), Redo's `refund` /
    `store_credit` / `exchange`, a gift card being store credit."""
    word = value.strip().casefold()
    if "exchange" in word:
        return RoutingOutcome.EXCHANGE
    if "credit" in word or "gift" in word:
        return RoutingOutcome.STORE_CREDIT
    if "refund" in word:
        return RoutingOutcome.REFUND
    return ""


class ConditionError(ValueError):
    """A condition's values cannot be saved: the message says which value and why, in one line."""


def condition_clean(field: str, values: Any) -> list[str]:
    """A condition's values as stored: strings, stripped, without blanks or repeats (compared without case);
    codes upper-cased (countries, postal prefixes) or checked against their choices (methods, outcomes).

    Raises ConditionError naming the value that cannot be."""
    condition = BY_FIELD[field]
    if isinstance(values, str):
        values = values.split(",")
    if not isinstance(values, list | tuple):
        raise ConditionError(f"{condition.plural}: give a list of values.")
    cleaned: dict[str, str] = {}
    for raw in values:
        if not isinstance(raw, str):
            raise ConditionError(f"{condition.plural}: each value must be text.")
        value = raw.strip()
        if not value:
            continue
        if "\x00" in value:
            raise ConditionError(f"{condition.plural}: null characters are not allowed.")
        if len(value) > MAX_VALUE_LENGTH:
            raise ConditionError(f"{condition.label} “{value[:30]}…”: at most {MAX_VALUE_LENGTH} characters.")
        value = _value_clean(condition, value)
        cleaned.setdefault(value.casefold(), value)
    if len(cleaned) > MAX_VALUES:
        raise ConditionError(f"{condition.plural}: at most {MAX_VALUES} values.")
    return list(cleaned.values())


def _value_clean(condition: Condition, value: str) -> str:
    if condition.field == "countries":
        if len(value) != 2 or not value.isascii() or not value.isalpha():
            raise ConditionError(f"country “{value}”: use the two-letter code (ISO 3166-1), for example US or CA.")
        return value.upper()
    if condition.field == "postal_prefixes":
        return postal_key(value)
    if condition.field == "return_methods" and value not in METHOD_WORDS:
        raise ConditionError(f"return method “{value}”: choose from {', '.join(METHOD_WORDS)}.")
    if condition.field == "outcomes" and value not in OUTCOME_WORDS:
        raise ConditionError(f"outcome “{value}”: choose from {', '.join(OUTCOME_WORDS)}.")
    return value


def conditions_of(rule: RoutingRule) -> dict[str, list[str]]:
    """The conditions a rule has (field → values), in CONDITIONS order."""
    return {field: list(getattr(rule, field) or []) for field in CONDITION_FIELDS if getattr(rule, field)}


def is_catch_all(rule: RoutingRule) -> bool:
    """The rule takes every line: marked so, or its only condition is a SKU pattern made of `*` alone."""
    if rule.match_all:
        return True
    conditions = conditions_of(rule)
    patterns = conditions.get("sku_patterns", [])
    return set(conditions) == {"sku_patterns"} and any(p and set(p) == {"*"} for p in patterns)


# -- matching --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LineFacts:
    """What the rules compare for one return line, each already in its comparable form."""

    sku: str
    country: str
    region: str
    postal: str
    reason_texts: tuple[str, ...]
    reason_code: str
    return_method: str
    order_tags: frozenset[str]
    outcome: str
    shown: Mapping[str, str]  # the line's own values, as the platform sent them, for "why it went there"


def line_facts(*, return_obj: Return, line: ReturnLine) -> LineFacts:
    tags = [str(t) for t in return_obj.order_tags or [] if isinstance(t, str | int)]
    outcome = outcome_key(line.outcome or "") or outcome_key(return_obj.outcome or "")
    return LineFacts(
        sku=line.sku.casefold(),
        country=(return_obj.customer_country_code or "").upper(),
        region=region_key(return_obj.customer_region or ""),
        postal=postal_key(return_obj.customer_postal_code or ""),
        reason_texts=tuple(t.casefold() for t in (line.reason, line.parent_reason) if t),
        reason_code=(line.reason_code or "").casefold(),
        return_method=return_obj.return_method or "",
        order_tags=frozenset(t.casefold() for t in tags),
        outcome=outcome,
        shown={
            "sku_patterns": line.sku,
            "countries": return_obj.customer_country_code,
            "regions": return_obj.customer_region,
            "postal_prefixes": return_obj.customer_postal_code,
            "reasons": line.reason or line.reason_code,
            "return_methods": return_obj.return_method,
            "order_tags": ", ".join(tags),
            "outcomes": outcome,
        },
    )


def _value_matches(field: str, value: str, facts: LineFacts) -> bool:
    if field == "sku_patterns":
        return bool(facts.sku) and fnmatch.fnmatchcase(facts.sku, value.casefold())
    if field == "countries":
        return bool(facts.country) and facts.country == value.upper()
    if field == "regions":
        return bool(facts.region) and facts.region == region_key(value)
    if field == "postal_prefixes":
        prefix = postal_key(value)
        return bool(prefix) and facts.postal.startswith(prefix)
    if field == "reasons":
        wanted = value.casefold()
        return wanted == facts.reason_code or any(wanted in text for text in facts.reason_texts)
    if field == "return_methods":
        return bool(facts.return_method) and facts.return_method == value
    if field == "order_tags":
        return value.casefold() in facts.order_tags
    if field == "outcomes":
        return bool(facts.outcome) and facts.outcome == value
    raise KeyError(field)


def rule_match(rule: RoutingRule, facts: LineFacts) -> dict[str, dict[str, str]] | None:
    """What made the rule match the line (field → {"rule": its value, "line": the line's}), {} for a catch-all;
    None when it does not match."""
    if rule.match_all:
        return {}
    conditions = conditions_of(rule)
    if not conditions:
        return None  # never saved (refused as empty), but a draft may be
    matched: dict[str, dict[str, str]] = {}
    for field, values in conditions.items():
        hit = next((v for v in values if _value_matches(field, v, facts)), None)
        if hit is None:
            return None
        matched[field] = {"rule": hit, "line": facts.shown.get(field, "")}
    return matched


def first_match(rules: Iterable[RoutingRule], facts: LineFacts) -> tuple[RoutingRule, dict[str, dict[str, str]]] | None:
    """The first rule (in the order given) that matches, with what matched."""
    for rule in rules:
        matched = rule_match(rule, facts)
        if matched is not None:
            return rule, matched
    return None


# -- the list's problems ---------------------------------------------------------------------------------------


def rule_label(rule: RoutingRule, position: int, *, start: bool = True) -> str:
    """ "Rule 2 “West coast”" ("rule 2 ..." inside a sentence)."""
    word = "Rule" if start else "rule"
    return f"{word} {position} “{rule.name}”" if rule.name else f"{word} {position}"


@dataclass(frozen=True)
class RuleProblem:
    index: int  # in the list checked
    field: str  # the field to fix ("" for the rule as a whole)
    message: str  # one line, naming the rule


def rules_problems(
    rules: Sequence[RoutingRule], *, locations: Mapping[int, ShippingLocation], store_id: int
) -> list[RuleProblem]:
    """Everything that stops this ordered list from being saved: a rule without a name, without a condition,
    with a condition and "every line" both, sending returns to a location of another store or to one not
    linked to a warehouse, or one that can never match (after a catch-all, or with the same conditions as a
    rule above it). `locations`: the store's shipping locations by id."""
    problems: list[RuleProblem] = []
    catch_all: tuple[int, RoutingRule] | None = None
    seen: dict[tuple[tuple[str, tuple[str, ...]], ...], int] = {}
    for index, rule in enumerate(rules):
        label = rule_label(rule, index + 1)
        conditions = conditions_of(rule)
        if not rule.name.strip():
            problems.append(RuleProblem(index, "name", f"Rule {index + 1}: give it a name."))
        if not conditions and not rule.match_all:
            problems.append(
                RuleProblem(
                    index,
                    "",
                    f"{label} has no condition: give it at least one (SKU pattern, country, region, postal-code "
                    "prefix, reason, return method, order tag or outcome), or make it a catch-all for every line.",
                )
            )
        if conditions and rule.match_all:
            problems.append(
                RuleProblem(index, "match_all", f"{label} is for every line and also has conditions: keep one.")
            )
        location = locations.get(rule.location_id) if rule.location_id else None
        if rule.location_id is None:
            problems.append(RuleProblem(index, "location", f"{label}: choose the shipping location it sends to."))
        elif location is None or location.store_id != store_id:
            problems.append(
                RuleProblem(
                    index, "location", f"{label}: shipping location {rule.location_id} is not one of this store's."
                )
            )
        elif location.warehouse_connection_id is None:
            problems.append(
                RuleProblem(
                    index,
                    "location",
                    f"{label}: the shipping location “{location.name}” is not linked to a warehouse; link it first.",
                )
            )
        if catch_all is not None:
            before, taker = catch_all
            taker_label = rule_label(taker, before + 1, start=False)
            problems.append(
                RuleProblem(
                    index,
                    "position",
                    f"{label} comes after {taker_label}, which takes every line, so it can never match: move it "
                    f"above rule {before + 1} or delete it.",
                )
            )
        elif conditions:
            key = tuple((field, tuple(sorted(v.casefold() for v in values))) for field, values in conditions.items())
            if key in seen:
                first = seen[key]
                first_label = rule_label(rules[first], first + 1, start=False)
                problems.append(
                    RuleProblem(
                        index,
                        "",
                        f"{label} has the same conditions as {first_label} above it, so it can never match: change "
                        "its conditions or delete it.",
                    )
                )
            else:
                seen[key] = index
        if catch_all is None and is_catch_all(rule):
            catch_all = (index, rule)
    return problems


# -- words -----------------------------------------------------------------------------------------------------


def value_words(field: str, value: str) -> str:
    if field == "return_methods":
        return METHOD_WORDS.get(value, value)
    if field == "outcomes":
        return OUTCOME_WORDS.get(value, value)
    return value


def rule_conditions_words(rule: RoutingRule) -> str:
    """The rule's conditions in a line: "SKU pattern TEE-* or CAP-*; region NV" ("every line" for a catch-all)."""
    if rule.match_all:
        return "every line"
    parts = []
    for field, values in conditions_of(rule).items():
        condition = BY_FIELD[field]
        words = " or ".join(value_words(field, v) for v in values)
        parts.append(f"{condition.label if len(values) == 1 else condition.plural} {words}")
    return "; ".join(parts) or "no condition"
