"""Writing the return timeline: the one place timeline rows are created."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from returns.models import RMA, Return, TimelineEvent

# Rows held back by timeline_batch(), written together when it ends; None outside a batch.
_batch: ContextVar[list[TimelineEvent] | None] = ContextVar("timeline_batch", default=None)


@contextmanager
def timeline_batch() -> Iterator[None]:
    """Within: timeline_add holds its rows back, and they are written in one INSERT (bulk_create, in the
    order they were added) when the block ends without an error; an error drops them with the rest of the
    caller's transaction. For a service that writes several entries in one transaction (a webhook's intake
    writes "return created" and "RMA planned") and reads none of them back before it ends. Nested: the
    outermost batch writes."""
    if _batch.get() is not None:
        yield
        return
    token = _batch.set([])
    try:
        yield
        rows = _batch.get()
    finally:
        _batch.reset(token)
    if rows:
        TimelineEvent.objects.bulk_create(rows)


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
) -> None:
    """Append one human-readable entry to a return's timeline (at once, or when the enclosing timeline_batch ends)."""
    event = TimelineEvent(
        return_obj=return_obj,
        rma=rma,
        kind=kind,
        level=level,
        message=message[:500],
        data=data or {},
        webhook_id=webhook_id,
        api_call_id=api_call_id,
    )
    rows = _batch.get()
    if rows is None:
        event.save(force_insert=True)
    else:
        rows.append(event)
