"""One worker at a time per RMA and purpose (push, tracking, cancel), across processes."""

import uuid

from django.conf import settings
from django.core.cache import cache


def _lease_seconds() -> int:
    return int(getattr(settings, "RMA_PUSH_LEASE_SECONDS", settings.CELERY_TASK_TIME_LIMIT + 30))


class RmaLease:
    """One worker at a time per RMA, across processes (Redis / file cache)."""

    def __init__(self, rma_id: int, purpose: str) -> None:
        self.key = f"rma-lease:{purpose}:{rma_id}"
        self.token = uuid.uuid4().hex
        self.held = False

    def __enter__(self) -> "RmaLease":
        self.held = bool(cache.add(self.key, self.token, _lease_seconds()))
        return self

    def __exit__(self, *exc: object) -> None:
        if self.held and cache.get(self.key) == self.token:
            cache.delete(self.key)
