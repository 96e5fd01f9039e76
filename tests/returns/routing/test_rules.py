"""Routing rules in isolation (returns/routing_rules.py): what each condition matches, what a catch-all is,
and which lists of rules are refused, each refusal one line naming the rule."""

from typing import Any

import pytest

from returns.models import Return, ReturnLine, RoutingRule
from returns.routing_rules import (
    ConditionError,
    condition_clean,
    first_match,
    is_catch_all,
    line_facts,
    outcome_key,
    rule_conditions_words,
    rule_match,
    rules_problems,
)
from warehouses.models import ShippingLocation

STORE = 7


def _facts(line: dict[str, Any] | None = None, **ret: Any) -> Any:
    return_obj = Return(store_id=STORE, **ret)
    return line_facts(return_obj=return_obj, line=ReturnLine(**{"sku": "TEE-BLK-M", "quantity": 1, **(line or {})}))


def _rule(name: str = "R", **conditions: Any) -> RoutingRule:
    return RoutingRule(store_id=STORE, name=name, location_id=conditions.pop("location_id", 1), **conditions)


@pytest.mark.parametrize(
    ("patterns", "sku", "matches"),
    [
        (["TEE-*"], "TEE-BLK-M", True),
        (["tee-*"], "TEE-BLK-M", True),  # case-insensitive
        (["TEE-???-M"], "TEE-BLK-M", True),
        (["TEE-???-M"], "TEE-BLK-XL", False),
        (["CAP-*", "*-M"], "TEE-BLK-M", True),  # any of the patterns
        (["TEE"], "TEE-BLK-M", False),  # a pattern without a wildcard is the whole SKU
        (["TEE-[AB]*"], "TEE-BLK-M", True),
    ],
)
def test_sku_patterns_are_shell_wildcards_without_case(patterns: list[str], sku: str, matches: bool) -> None:
    assert (rule_match(_rule(sku_patterns=patterns), _facts({"sku": sku})) is not None) is matches


@pytest.mark.parametrize(
    ("prefix", "postal", "matches"),
    [
        ("895", "89501", True),
        ("sw1a", "SW1A 1AA", True),  # spaces and case do not count
        ("SW1A 1", "sw1a1aa", True),
        ("896", "89501", False),
        ("89501-", "89501-1234", True),
    ],
)
def test_postal_prefixes_ignore_spaces_and_case(prefix: str, postal: str, matches: bool) -> None:
    rule = _rule(postal_prefixes=condition_clean("postal_prefixes", [prefix]))
    assert (rule_match(rule, _facts(customer_postal_code=postal)) is not None) is matches


@pytest.mark.parametrize(
    ("rule_region", "shopper_region", "matches"),
    [("NV", "NV", True), ("NV", "Nevada", True), ("nevada", "NV", True), ("Ontario", "on", True), ("NV", "CA", False)],
)
def test_regions_match_a_name_or_its_code(rule_region: str, shopper_region: str, matches: bool) -> None:
    rule = _rule(regions=[rule_region])
    assert (rule_match(rule, _facts(customer_region=shopper_region)) is not None) is matches


def test_every_condition_of_a_rule_must_match_and_the_values_that_did_are_kept() -> None:
    rule = _rule(countries=["US"], regions=["NV", "CA"], sku_patterns=["TEE-*"])
    facts = _facts({"sku": "TEE-BLK-M"}, customer_country_code="US", customer_region="California")
    assert rule_match(rule, facts) == {
        "sku_patterns": {"rule": "TEE-*", "line": "TEE-BLK-M"},
        "countries": {"rule": "US", "line": "US"},
        "regions": {"rule": "CA", "line": "California"},
    }
    assert rule_match(rule, _facts({"sku": "CAP-RED"}, customer_country_code="US", customer_region="CA")) is None
    assert rule_match(rule, _facts({"sku": "TEE-1"}, customer_country_code="CA", customer_region="CA")) is None


def test_reasons_match_the_code_or_words_of_the_reason() -> None:
    rule = _rule(reasons=["damaged"])
    assert rule_match(rule, _facts({"reason": "Arrived damaged"})) is not None
    assert rule_match(rule, _facts({"reason_code": "DAMAGED"})) is not None
    assert rule_match(rule, _facts({"parent_reason": "Damaged or defective"})) is not None
    assert rule_match(rule, _facts({"reason": "Too small"})) is None


@pytest.mark.parametrize(
    ("word", "outcome"),
    [("refund", "refund"), ("exchange", "exchange"), ("store_credit", "store_credit"), ("credit", "store_credit")],
)
def test_outcomes_read_the_platforms_words(word: str, outcome: str) -> None:
    assert outcome_key(word) == outcome
    assert rule_match(_rule(outcomes=[outcome]), _facts({"outcome": word})) is not None


def test_the_line_outcome_comes_first_then_the_returns() -> None:
    rule = _rule(outcomes=["exchange"])
    assert rule_match(rule, _facts({"outcome": "default"}, outcome="exchange")) is not None
    assert rule_match(rule, _facts({"outcome": "refund"}, outcome="exchange")) is None


def test_order_tags_and_return_methods() -> None:
    assert rule_match(_rule(order_tags=["Wholesale"]), _facts(order_tags=["vip", "wholesale"])) is not None
    assert rule_match(_rule(order_tags=["wholesale"]), _facts(order_tags=[])) is None
    happy = _rule(return_methods=["happy_returns", "drop_off"])
    assert rule_match(happy, _facts(return_method="happy_returns")) is not None
    assert rule_match(happy, _facts(return_method="mail")) is None
    assert rule_match(happy, _facts(return_method="")) is None


def test_the_first_matching_rule_wins() -> None:
    west = _rule("West", regions=["NV"])
    tees = _rule("Tees", sku_patterns=["TEE-*"])
    assert first_match([west, tees], _facts(customer_region="NV"))[0] is west
    assert first_match([tees, west], _facts(customer_region="NV"))[0] is tees
    assert first_match([west], _facts({"sku": "CAP"}, customer_region="OR")) is None


def test_catch_alls() -> None:
    assert is_catch_all(_rule(match_all=True))
    assert is_catch_all(_rule(sku_patterns=["*"]))
    assert not is_catch_all(_rule(sku_patterns=["*"], countries=["US"]))
    assert not is_catch_all(_rule(sku_patterns=["*-M"]))
    assert rule_match(_rule(match_all=True), _facts()) == {}


@pytest.mark.parametrize(
    ("field", "values", "cleaned"),
    [
        ("countries", ["us", " ca ", "US"], ["US", "CA"]),
        ("postal_prefixes", "sw1a 1, 89 5", ["SW1A1", "895"]),
        ("sku_patterns", ["TEE-*", "", "tee-*"], ["TEE-*"]),
        ("return_methods", ["happy_returns"], ["happy_returns"]),
    ],
)
def test_values_are_cleaned(field: str, values: Any, cleaned: list[str]) -> None:
    assert condition_clean(field, values) == cleaned


@pytest.mark.parametrize(
    ("field", "values", "message"),
    [
        ("countries", ["USA"], "country “USA”: use the two-letter code"),
        ("return_methods", ["pigeon"], "return method “pigeon”: choose from mail, happy_returns, drop_off."),
        ("outcomes", ["cash"], "outcome “cash”: choose from refund, exchange, store_credit."),
        ("regions", [3], "regions: each value must be text."),
        ("order_tags", ["x" * 101], "at most 100 characters"),
    ],
)
def test_bad_values_are_refused_in_one_line(field: str, values: Any, message: str) -> None:
    with pytest.raises(ConditionError, match=message.replace("(", r"\(")):
        condition_clean(field, values)


@pytest.fixture
def locations() -> dict[int, ShippingLocation]:
    return {
        1: ShippingLocation(pk=1, store_id=STORE, name="Reno", warehouse_connection_id=5),
        2: ShippingLocation(pk=2, store_id=STORE, name="Unlinked"),
        3: ShippingLocation(pk=3, store_id=STORE + 1, name="Elsewhere", warehouse_connection_id=6),
    }


def _problems(rules: list[RoutingRule], locations: dict[int, ShippingLocation]) -> list[str]:
    return [p.message for p in rules_problems(rules, locations=locations, store_id=STORE)]


def test_a_good_list_has_no_problem(locations: dict) -> None:
    rules = [_rule("West", regions=["NV"]), _rule("Tees", sku_patterns=["TEE-*"]), _rule("Rest", match_all=True)]
    assert _problems(rules, locations) == []


def test_each_refusal_is_one_line_naming_the_rule(locations: dict) -> None:
    rules = [
        _rule("Empty"),
        _rule("Other store", regions=["NV"], location_id=3),
        _rule("No warehouse", regions=["CA"], location_id=2),
        _rule("Everything", match_all=True),
        _rule("Too late", sku_patterns=["TEE-*"]),
    ]
    assert _problems(rules, locations) == [
        "Rule 1 “Empty” has no condition: give it at least one (SKU pattern, country, region, postal-code prefix, "
        "reason, return method, order tag or outcome), or make it a catch-all for every line.",
        "Rule 2 “Other store”: shipping location 3 is not one of this store's.",
        "Rule 3 “No warehouse”: the shipping location “Unlinked” is not linked to a warehouse; link it first.",
        "Rule 5 “Too late” comes after rule 4 “Everything”, which takes every line, so it can never match: move it "
        "above rule 4 or delete it.",
    ]
    assert all("\n" not in message for message in _problems(rules, locations))


def test_a_rule_with_the_conditions_of_one_above_can_never_match(locations: dict) -> None:
    rules = [_rule("A", regions=["NV", "ca"]), _rule("B", regions=["CA", "nv"])]
    assert _problems(rules, locations) == [
        "Rule 2 “B” has the same conditions as rule 1 “A” above it, so it can never match: change its conditions "
        "or delete it."
    ]


def test_a_sku_star_alone_is_a_catch_all_too(locations: dict) -> None:
    rules = [_rule("Stars", sku_patterns=["*"]), _rule("After", regions=["NV"])]
    assert "comes after rule 1 “Stars”, which takes every line" in _problems(rules, locations)[0]


def test_conditions_in_words() -> None:
    rule = _rule(sku_patterns=["TEE-*", "CAP-*"], regions=["NV"], return_methods=["happy_returns"])
    assert rule_conditions_words(rule) == (
        "SKU patterns TEE-* or CAP-*; region NV; return method Happy Returns drop-off"
    )
    assert rule_conditions_words(_rule(match_all=True)) == "every line"
