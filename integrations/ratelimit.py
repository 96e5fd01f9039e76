"""Per-connection outbound rate limits shared by every worker, with the `limits` library.

Storage is Redis when settings.REDIS_URL is set (shared by all workers and hosts), else
process memory (quick start: one worker process). A hit never sleeps: the caller gets the
seconds to wait and the task retries with that countdown.
https://limits.readthedocs.io/en/stable/
"""

import functools
import time

from django.conf import settings
from limits import parse
from limits.storage import Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter


@functools.cache
def _limiter_for(storage_uri: str) -> MovingWindowRateLimiter:
    storage = storage_from_string(storage_uri)
    if not isinstance(storage, Storage):  # an "async+..." URI: this limiter is synchronous
        raise ValueError(f"rate-limit storage must be synchronous, not {type(storage).__name__}")
    return MovingWindowRateLimiter(storage)


def _limiter() -> MovingWindowRateLimiter:
    return _limiter_for(settings.REDIS_URL or "memory://")


def acquire(*, key: str, limit: str) -> float:
    """Take one slot of `limit` for `key`; 0.0 when allowed, else the seconds until a slot frees."""
    item = parse(limit)
    limiter = _limiter()
    if limiter.hit(item, "backhaul", key):
        return 0.0
    stats = limiter.get_window_stats(item, "backhaul", key)
    # At least a small positive wait, so a retry never comes back inside the same window.
    return max(stats.reset_time - time.time(), 0.05)


def reset(*, key: str, limit: str) -> None:
    """Forget the window of one key (tests, admin)."""
    _limiter().clear(parse(limit), "backhaul", key)
