"""Why a return came back: the shopper's reason as text, and the WMS-neutral category of an RMA (pure)."""

from collections.abc import Iterable

from integrations.base import ReasonCategory
from returns.models import ReturnLine

_REASON_WORDS = (
    (ReasonCategory.UNDELIVERABLE, ("undeliver", "refused", "return to sender", "returned to sender", "bad address")),
    (
        ReasonCategory.INCORRECT_PRODUCT,
        ("wrong item", "wrong product", "incorrect", "not as described", "not what i ordered"),
    ),
    (
        ReasonCategory.CHANGED_MIND,
        ("changed my mind", "changed mind", "no longer", "don't want", "do not want", "mistake"),
    ),
)


def reason_category(*, reasons: Iterable[str], outcome: str = "") -> str:
    """The WMS-neutral reason of an RMA: an exchange first, then keywords in the shopper's reasons."""
    if "exchange" in (outcome or "").lower():
        return ReasonCategory.EXCHANGE.value
    text = " ".join(reasons).lower()
    for category, words in _REASON_WORDS:
        if any(word in text for word in words):
            return category.value
    return ReasonCategory.UNKNOWN.value


def line_reason_text(line: ReturnLine) -> str:
    """`Too small (Fit)`, plus the customer's comment when there is one."""
    text = line.reason or line.reason_code
    if line.parent_reason and line.parent_reason != text:
        text = f"{text} ({line.parent_reason})" if text else line.parent_reason
    if line.customer_comment:
        text = f'{text} - "{line.customer_comment.strip()[:120]}"' if text else line.customer_comment.strip()[:120]
    return text
