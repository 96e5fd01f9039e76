"""Writing the return timeline: the one place timeline rows are created."""

from typing import Any

from returns.models import RMA, Return, TimelineEvent


def timeline_add(
    *,
    return_obj: Return,
    kind: str,
    message: str,
    level: str = TimelineEvent.Level.INFO,
    rma: RMA | None = None,
    data: dict[str, Any] | None = None,
    webhook_id: int | None = None,
    api_call_id: int | None = None,
) -> TimelineEvent:
    """Append one human-readable entry to a return's timeline."""
    return TimelineEvent.objects.create(
        return_obj=return_obj,
        rma=rma,
        kind=kind,
        level=level,
        message=message[:500],
        data=data or {},
        webhook_id=webhook_id,
        api_call_id=api_call_id,
    )
