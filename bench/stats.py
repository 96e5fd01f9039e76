"""Small statistics helpers (no numpy on purpose: a few thousand numbers)."""

import math


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile; NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def steady_rate(times: list[float], *, trim: float = 0.05) -> float:
    """Events per second between the trim and 1-trim quantiles of their times (drops start-up and tail)."""
    if len(times) < 20:
        return float("nan")
    ordered = sorted(times)
    lo, hi = int(len(ordered) * trim), int(len(ordered) * (1 - trim)) - 1
    span = ordered[hi] - ordered[lo]
    return (hi - lo) / span if span > 0 else float("nan")
