"""How a task goes on after one run of a push or platform action: done, retry after a countdown, or busy."""

import random
from dataclasses import dataclass

from django.conf import settings

from config.countdowns import countdown_cap, task_countdown


@dataclass(frozen=True)
class PushOutcome:
    """What a task should do after one run of a push service."""

    action: str  # "done", "retry" (a transient failure) or "busy" (another holder's lease: wait, not a retry)
    detail: str = ""
    countdown: float = 0.0

    @property
    def retry(self) -> bool:
        """The task runs again after `countdown` seconds."""
        return self.action in ("retry", "busy")


def _backoff_base() -> float:
    return float(getattr(settings, "RMA_PUSH_BACKOFF_SECONDS", 10))


def push_countdown(*, retries: int, retry_after: float | None = None) -> float:
    """Exponential backoff with jitter, never shorter than the provider's Retry-After, within the one
    bound of every countdown (config/countdowns.py)."""
    backoff = min(countdown_cap(), _backoff_base() * (2**retries))
    delay = random.uniform(backoff / 2, backoff)  # noqa: S311 - jitter, not cryptography
    if retry_after:
        delay = max(delay, retry_after)
    return task_countdown(delay)
