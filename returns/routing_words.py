"""Why an RMA went to its warehouse, in the merchant's words: the short reasons returns.services.routing
stores on RMA.routing_reason ("fulfilled from CA1 (order #1042)") as sentences for the merchant's pages.
Outside returns.services so the merchant pages (integrations) may read it; keep it in step with Route's reasons."""

import re

# The reasons Route carries (stored on RMA.routing_reason, 200 characters), and what each means to a merchant.
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


def routing_reason_sentence(reason: str, *, platform: str = "Your returns platform") -> str:
    """Why an RMA went where it did, in a sentence for the merchant ("" for no reason); a reason this does not
    know (an older release's) is shown as it is stored."""
    for pattern, sentence in _REASON_SENTENCES:
        if match := pattern.fullmatch(reason.strip()):
            return sentence.format(platform=platform, **match.groupdict())
    return reason
