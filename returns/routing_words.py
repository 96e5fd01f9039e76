"""Why an RMA went to its warehouse, in the merchant's words: RMA.routing (the data returns/routing.py's Route
carries: which step, which rule, which values) as sentences for the merchant's pages and the admin; an RMA
planned before that data was kept has only its short reason (RMA.routing_reason, "fulfilled from CA1 (order
#1042)"), read here too. Outside returns.services so the merchant pages (integrations) may read it."""

import re
from collections.abc import Mapping
from typing import Any

from integrations.registry import provider_name
from returns.routing_rules import value_words

# The short reasons Route carries (stored on RMA.routing_reason, 200 characters), and what each means to a merchant.
_REASON_SENTENCES: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"fulfilled from (?P<warehouse>.+) \(order (?P<order>.+)\)"),
        "{warehouse} shipped order {order}, so the return goes back to the same warehouse.",
    ),
    (
        re.compile(r"platform destination (?P<destination>.+)"),
        "{platform} sent this return to its destination “{destination}”, which you linked to this shipping location.",
    ),
    (
        re.compile(r"order found in the WMS at (?P<warehouse>.+)"),
        "Your warehouse system shows the original order was shipped from {warehouse}, so the return goes there.",
    ),
    (
        re.compile(r"store default location"),
        "Nothing in the return pointed to a particular warehouse, so it went to your default shipping location.",
    ),
)

_STEP_SENTENCES: dict[str, str] = {
    "fulfillment": "{warehouse} shipped order {order}, so the return goes back to the same warehouse.",
    "destination": (
        "{platform} sent this return to its destination “{destination}”, which you linked to this shipping location."
    ),
    "wms_order": (
        "Your warehouse system shows the original order was shipped from {warehouse}, so the return goes there."
    ),
    "default": "Nothing in the return pointed to a particular warehouse, so it went to your default shipping location.",
}


def _clause(field: str, values: Mapping[str, Any]) -> str:
    rule = str(values.get("rule", ""))
    line = str(values.get("line", "")) or rule
    if field == "sku_patterns":
        return f"the SKU {line} matches {rule}" if line.casefold() != rule.casefold() else f"the SKU is {line}"
    if field == "countries":
        return f"the customer's country is {line}"
    if field == "regions":
        return f"the customer's region is {line}" + (f" ({rule})" if line.casefold() != rule.casefold() else "")
    if field == "postal_prefixes":
        return f"the customer's postal code {line} starts with {rule}"
    if field == "reasons":
        return f"the return reason is “{line}”"
    if field == "return_methods":
        return f"it comes back by {value_words(field, rule).lower()}"
    if field == "order_tags":
        return f"the order is tagged “{rule}”"
    if field == "outcomes":
        return f"the shopper chose {value_words(field, rule).lower()}"
    return f"{field} {rule}"


def _route_sentence(route: Mapping[str, Any], *, platform: str) -> str:
    step = route.get("step")
    if step == "rule":
        rule = route.get("rule") or {}
        name = f"Your routing rule {rule.get('position', '?')} “{rule.get('name', '')}”"
        matched = route.get("matched") or {}
        if not matched:
            return f"{name} sends every line here."
        return f"{name} sent it here: " + " and ".join(_clause(f, v) for f, v in matched.items()) + "."
    template = _STEP_SENTENCES.get(str(step))
    if template is None:
        return ""
    if route.get("platform"):
        platform = provider_name(str(route["platform"]))
    values = {"warehouse": "", "order": "", "destination": "", **route, "platform": platform}
    return template.format(**values)


def routing_sentence(*, reason: str, routing: Mapping[str, Any] | None, platform: str = "Your returns platform") -> str:
    """Why an RMA went where it did, in sentences for the merchant ("" for no reason). Lines that got there by
    different rules each get theirs, after their SKUs."""
    routes = [r for r in (routing or {}).get("routes", []) if isinstance(r, Mapping)]
    sentences = [(r, _route_sentence(r, platform=platform)) for r in routes]
    sentences = [(r, s) for r, s in sentences if s]
    if len(sentences) == 1:
        return sentences[0][1]
    if sentences:
        return " ".join(f"{', '.join(r.get('skus') or [])}: {s}" for r, s in sentences)
    return routing_reason_sentence(reason, platform=platform)


def routing_reason_sentence(reason: str, *, platform: str = "Your returns platform") -> str:
    """A short reason alone (an RMA planned before RMA.routing was kept) as a sentence; a reason this does not
    know is shown as it is stored."""
    for pattern, sentence in _REASON_SENTENCES:
        if match := pattern.fullmatch(reason.strip()):
            return sentence.format(platform=platform, **match.groupdict())
    return reason
