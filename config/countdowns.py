"""The one rule for how long a task waits before it runs again (reliability.md rule 5).

Every countdown a task asks for — its own backoff, a provider's Retry-After (a number of seconds or
an HTTP date), TrackStar's rate-limit reset, our own per-connection limiter's wait — is at most
settings.CELERY_MAX_COUNTDOWN_SECONDS. The broker redelivers a message not acknowledged within its
visibility timeout, and a delayed retry is such a message: a countdown past it would run twice
(celery#5935). A system check (config/checks.py) keeps the cap below that timeout.
"""

import math

from django.conf import settings


def countdown_cap() -> float:
    return float(settings.CELERY_MAX_COUNTDOWN_SECONDS)


def countdown_bounded(seconds: float | None) -> float | None:
    """seconds within [0, the cap]; an infinite or huge wait becomes the cap, and None (or NaN, which
    says nothing) stays None."""
    if seconds is None or math.isnan(seconds):
        return None
    return min(max(seconds, 0.0), countdown_cap())


def task_countdown(seconds: float) -> float:
    """countdown_bounded for a value that is always known (a backoff, a lease's remaining time)."""
    return countdown_bounded(seconds) or 0.0
