"""What the warehouse's receipt means: an RMA's outcome, a return's outcome, and the words for the platform (pure).

A return's outcome is the worst of its RMAs' once every RMA is resolved; the store's
StatusMapping turns it into an action (returns/services/outcomes.py does, under a lock).
"""

from returns.models import RMA, PlatformAction, RMALine, WarehouseOutcome

RESOLVED_RMA_STATUSES = (RMA.Status.RECEIVED, RMA.Status.CANCELLED)

# Sensible defaults: good and complete → process; anything else → a human looks, told what arrived.
DEFAULT_STATUS_MAPPINGS: dict[str, tuple[str, str]] = {
    WarehouseOutcome.FULLY_RECEIVED: (PlatformAction.PROCESS, ""),
    WarehouseOutcome.SHORT: (PlatformAction.FLAG, "Short receipt: {summary}"),
    WarehouseOutcome.EXCESS: (PlatformAction.FLAG, "More than expected arrived: {summary}"),
    WarehouseOutcome.DAMAGED: (PlatformAction.FLAG, "Damaged or not resellable: {summary}"),
    WarehouseOutcome.CANCELLED: (PlatformAction.IGNORE, ""),
}
# Worst first: the return's outcome is the worst of its RMAs'.
_SEVERITY = (WarehouseOutcome.DAMAGED, WarehouseOutcome.SHORT, WarehouseOutcome.EXCESS, WarehouseOutcome.FULLY_RECEIVED)


def rma_outcome(*, lines: list[RMALine]) -> str:
    """One RMA's outcome from its lines: damaged wins, then short, excess, fully received."""
    if any(d.get("condition") == "damaged" for line in lines for d in line.receiving_details or []):
        return WarehouseOutcome.DAMAGED
    expected = sum(line.quantity for line in lines)
    received = sum(line.received_quantity for line in lines)
    if received < expected:
        return WarehouseOutcome.SHORT
    if received > expected:
        return WarehouseOutcome.EXCESS
    return WarehouseOutcome.FULLY_RECEIVED


def line_received_summary(line: RMALine) -> str:
    """`2 × TEE-BLK-M, good, restocked`: what arrived of one RMA line."""
    words = [f"{line.received_quantity} × {line.sku}"]
    conditions = sorted({d.get("condition") for d in line.receiving_details or [] if d.get("condition")})
    dispositions = sorted({d.get("disposition") for d in line.receiving_details or [] if d.get("disposition")})
    words += conditions + dispositions
    if not dispositions and line.restocked_quantity:
        words.append("restocked" if line.restocked_quantity == line.received_quantity else "partly restocked")
    return ", ".join(words)


def return_outcome(*, rmas: list[RMA]) -> str | None:
    """The return's warehouse outcome, or None while an RMA is unresolved.

    All cancelled → cancelled. Some cancelled and others received → short: goods the platform
    expects will not arrive.
    """
    if not rmas or any(r.status not in RESOLVED_RMA_STATUSES for r in rmas):
        return None
    received = [r for r in rmas if r.status == RMA.Status.RECEIVED]
    if not received:
        return WarehouseOutcome.CANCELLED
    outcomes = {r.outcome or WarehouseOutcome.FULLY_RECEIVED for r in received}
    if len(received) < len(rmas):
        outcomes.add(WarehouseOutcome.SHORT)
    return next(o for o in _SEVERITY if o in outcomes)


def received_summary(*, rmas: list[RMA]) -> str:
    """What arrived, per RMA and SKU: "RMA 1077 at CA1: 1 of 2 × CAP-NVY (good, restocked)" (lines prefetched)."""
    parts = []
    for rma in rmas:
        if rma.status == RMA.Status.CANCELLED:
            parts.append(f"RMA {rma.number} cancelled")
            continue
        where = f" at {rma.location.warehouse_label}" if rma.location else ""
        lines = []
        for line in rma.lines.all():
            words = sorted(
                {str(d.get(k)) for d in line.receiving_details or [] for k in ("condition", "disposition") if d.get(k)}
            )
            if not words and line.restocked_quantity:
                words = ["restocked"]
            detail = f" ({', '.join(words)})" if words else ""
            lines.append(f"{line.received_quantity} of {line.quantity} × {line.sku}{detail}")
        parts.append(f"RMA {rma.number}{where}: {'; '.join(lines) or 'nothing'}")
    return " | ".join(parts)


def platform_note(*, note_template: str, outcome: str, summary: str) -> str:
    """The note left on the platform: the store's template (or the default) filled with what arrived."""
    template = note_template or DEFAULT_STATUS_MAPPINGS[outcome][1] or "{summary}"
    try:
        text = template.format(summary=summary)
    except (KeyError, IndexError, ValueError):
        # A template with other braces is used as written, with what arrived after it.
        text = f"{template} {summary}"
    return f"Backhaul: {text}"
