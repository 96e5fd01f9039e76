"""Inline SVG charts for the admin overview, drawn in Python from the selectors' numbers.

No JavaScript and no charting library: each function returns one `<svg>` (safe markup, every text
escaped) that scales to its container's width. Every bar and point carries a `<title>`, so hovering
shows its exact number; colours follow one meaning everywhere (green done, amber waiting or
refused by us, red failed).
"""

import datetime as dt
import math
from collections.abc import Iterable, Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from config.overview.selectors import (
    PROMISE_SECONDS,
    WEBHOOK_OUTCOMES,
    WORK_STATES,
    LatencyHours,
    ProviderAnswers,
    ProviderHours,
    WorkRow,
)

# SVG presentation attributes, not a style attribute: the Content-Security-Policy blocks those.
FONT = 'font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif" font-size="11"'
AXIS = "#888"
GRID = "#e3e3e3"
TEXT = "currentColor"
OUTCOME_COLOURS = {"accepted": "#2e7d32", "duplicate": "#90a4ae", "rejected": "#f9a825", "failed": "#c62828"}
WORK_COLOURS = {
    "succeeded": "#2e7d32",
    "queued": "#b0bec5",
    "retrying": "#f9a825",
    "needs attention": "#ef6c00",
    "failed": "#c62828",
}
P50_COLOUR = "#1565c0"
P95_COLOUR = "#ef6c00"
PROMISE_COLOUR = "#2e7d32"


def _svg(width: int, height: int, label: str, parts: Iterable[str]) -> SafeString:
    """At its own width at most, narrower with its container (.overview-chart in static/admin/overview.css)."""
    body = "".join(parts)
    return mark_safe(  # noqa: S308 - every interpolated text below went through escape()
        f'<svg class="overview-chart" viewBox="0 0 {width} {height}" width="{width}" role="img" '
        f'aria-label="{escape(label)}" {FONT}>'
        f"<title>{escape(label)}</title>{body}</svg>"
    )


def _text(x: float, y: float, text: str, *, anchor: str = "start", colour: str = TEXT, weight: str = "") -> str:
    bold = ' font-weight="600"' if weight else ""
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" fill="{colour}"{bold}>{escape(text)}</text>'


def _rect(x: float, y: float, w: float, h: float, colour: str, title: str = "", opacity: float = 1.0) -> str:
    tip = f"<title>{escape(title)}</title>" if title else ""
    fade = f' fill-opacity="{opacity}"' if opacity < 1 else ""
    size = f'width="{max(w, 0):.1f}" height="{max(h, 0):.1f}"'
    return f'<rect x="{x:.1f}" y="{y:.1f}" {size} fill="{colour}"{fade}>{tip}</rect>'


def _legend(x: float, y: float, items: Sequence[tuple[str, str]]) -> str:
    parts = []
    for label, colour in items:
        parts.append(_rect(x, y - 8, 10, 10, colour))
        parts.append(_text(x + 14, y + 1, label))
        x += 22 + 6.2 * len(label)
    return "".join(parts)


def _nice_max(value: float) -> int:
    """A round axis maximum at or above value: 1, 2, 5, 10, 20, 50, ..."""
    if value <= 0:
        return 1
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * magnitude:
            return int(step * magnitude)
    return int(10 * magnitude)


def _hour_label(hour: dt.datetime) -> str:
    return hour.strftime("%H:%M")


# -- webhooks per hour -----------------------------------------------------------------------


def webhooks_chart(hours: Sequence[dt.datetime], provider: ProviderHours) -> SafeString:
    """Stacked bars: one per hour, coloured by outcome."""
    width, height, left, right, top, bottom = 560, 150, 36, 8, 22, 20
    plot_w, plot_h = width - left - right, height - top - bottom
    totals = [sum(provider.counts[o][i] for o in WEBHOOK_OUTCOMES) for i in range(len(hours))]
    top_value = _nice_max(max(totals, default=0))
    parts = [_legend(left, 11, [(o, OUTCOME_COLOURS[o]) for o in WEBHOOK_OUTCOMES])]
    for fraction in (0, 0.5, 1):
        y = top + plot_h * (1 - fraction)
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>')
        parts.append(_text(left - 4, y + 4, f"{top_value * fraction:g}", anchor="end", colour=AXIS))
    slot = plot_w / max(len(hours), 1)
    for i, hour in enumerate(hours):
        x = left + i * slot + 1
        y = top + plot_h
        detail = ", ".join(f"{provider.counts[o][i]} {o}" for o in WEBHOOK_OUTCOMES if provider.counts[o][i])
        title = f"{provider.provider} {_hour_label(hour)}–{_hour_label(hour + dt.timedelta(hours=1))} UTC: " + (
            detail or "none"
        )
        if not totals[i]:
            parts.append(_rect(x, top, slot - 2, plot_h, "#000", title, opacity=0.0))
        for outcome in WEBHOOK_OUTCOMES:
            n = provider.counts[outcome][i]
            if n:
                h = plot_h * n / top_value
                y -= h
                parts.append(_rect(x, y, slot - 2, h, OUTCOME_COLOURS[outcome], title))
        if i % 6 == 0 or i == len(hours) - 1:
            label = "now" if i == len(hours) - 1 else _hour_label(hour)
            parts.append(_text(x + (slot - 2) / 2, height - 5, label, anchor="middle", colour=AXIS))
    summary = ", ".join(f"{provider.outcome_total(o)} {o}" for o in WEBHOOK_OUTCOMES)
    return _svg(width, height, f"{provider.provider} webhooks per hour, last 24 hours: {summary}", parts)


# -- time to the warehouse -------------------------------------------------------------------

_LATENCY_TICKS = ((0.1, "0.1 s"), (1, "1 s"), (3, "3 s"), (10, "10 s"), (60, "1 min"), (600, "10 min"), (3600, "1 h"))


def _duration(seconds: float) -> str:
    if seconds < 10:
        return f"{seconds:.2f} s"
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def latency_chart(latency: LatencyHours) -> SafeString:
    """p50 and p95 per hour on a log scale, over the band the returns platforms promise."""
    width, height, left, right, top, bottom = 1160, 190, 48, 10, 24, 22
    plot_w, plot_h = width - left - right, height - top - bottom
    measured = [v for v in (*latency.p50, *latency.p95) if v is not None]
    low = 0.1
    high = max(10.0, *(t for t, _ in _LATENCY_TICKS if t <= max(measured, default=0) * 10), max(measured, default=0))
    high = min(high, 86400.0)

    def y_of(seconds: float) -> float:
        clamped = min(max(seconds, low), high)
        return top + plot_h * (1 - (math.log10(clamped) - math.log10(low)) / (math.log10(high) - math.log10(low)))

    slot = plot_w / max(len(latency.hours), 1)

    def x_of(i: int) -> float:
        return left + (i + 0.5) * slot

    promise_low, promise_high = PROMISE_SECONDS
    parts = [
        _legend(left, 12, [("p50", P50_COLOUR), ("p95", P95_COLOUR), ("promised: 1–3 s", PROMISE_COLOUR)]),
        _rect(
            left,
            y_of(promise_high),
            plot_w,
            y_of(promise_low) - y_of(promise_high),
            PROMISE_COLOUR,
            "What the returns platforms promise: the RMA at the warehouse 1–3 s after the event",
            opacity=0.15,
        ),
        f'<line x1="{left}" x2="{width - right}" y1="{y_of(promise_high):.1f}" y2="{y_of(promise_high):.1f}" '
        f'stroke="{PROMISE_COLOUR}" stroke-dasharray="4 3"/>',
    ]
    for tick, label in _LATENCY_TICKS:
        if low <= tick <= high:
            y = y_of(tick)
            parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>')
            parts.append(_text(left - 4, y + 4, label, anchor="end", colour=AXIS))
    for i, hour in enumerate(latency.hours):
        if hour.hour == 0:
            x = left + i * slot
            parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{top + plot_h}" stroke="{GRID}"/>')
            if x < width - right - 70:  # a label that would run past the edge is left out
                parts.append(_text(x + 3, height - 6, hour.strftime("%a %d %b"), colour=AXIS))
    for values, colour, name in ((latency.p95, P95_COLOUR, "p95"), (latency.p50, P50_COLOUR, "p50")):
        run: list[str] = []
        for i, value in enumerate((*values, None)):
            if value is not None:
                run.append(f"{x_of(i):.1f},{y_of(value):.1f}")
                continue
            if len(run) > 1:
                parts.append(f'<polyline points="{" ".join(run)}" fill="none" stroke="{colour}" stroke-width="1.6"/>')
            run = []
        for i, value in enumerate(values):
            if value is not None:
                hour = latency.hours[i]
                tip = (
                    f"{hour:%a %d %b %H:00} UTC: {name} {_duration(value)} over {latency.count[i]} RMA"
                    f"{'s' if latency.count[i] != 1 else ''}"
                )
                parts.append(
                    f'<circle cx="{x_of(i):.1f}" cy="{y_of(value):.1f}" r="2.2" fill="{colour}">'
                    f"<title>{escape(tip)}</title></circle>"
                )
    if not measured:
        parts.append(
            _text(left + plot_w / 2, top + plot_h / 2, "No RMA created from a webhook in 7 days", anchor="middle")
        )
    total = sum(latency.count)
    return _svg(width, height, f"Webhook to RMA at the warehouse, p50 and p95 per hour, 7 days: {total} RMAs", parts)


# -- pushes and platform actions -------------------------------------------------------------


def work_chart(rows: Sequence[WorkRow]) -> SafeString:
    """One horizontal stacked bar per connection, scaled to the busiest."""
    width, left, right, row_h, top = 560, 190, 70, 22, 22
    height = top + row_h * max(len(rows), 1) + 4
    plot_w = width - left - right
    most = max((row.total for row in rows), default=0) or 1
    parts = [_legend(4, 11, [(s, WORK_COLOURS[s]) for s in WORK_STATES])]
    for index, row in enumerate(rows):
        y = top + index * row_h
        name = row.label if len(row.label) <= 30 else row.label[:29] + "…"
        parts.append(f"<g><title>{escape(row.kind)}: {escape(row.label)}</title>{_text(4, y + 14, name)}</g>")
        x: float = left
        for state in WORK_STATES:
            n = row.counts.get(state, 0)
            if n:
                w = max(plot_w * n / most, 2)
                parts.append(_rect(x, y + 3, w, row_h - 8, WORK_COLOURS[state], f"{row.label}: {n} {state}"))
                x += w
        trouble = row.counts.get("failed", 0) + row.counts.get("needs attention", 0)
        summary = f"{row.total}" + (f" · {trouble} ✗" if trouble else "")
        colour = WORK_COLOURS["failed"] if trouble else AXIS
        parts.append(_text(width - 4, y + 14, summary, anchor="end", colour=colour, weight="600" if trouble else ""))
    if not rows:
        parts.append(_text(4, top + 14, "Nothing pushed or sent in 7 days"))
    return _svg(width, height, "RMA pushes and platform actions per connection, 7 days", parts)


# -- answer codes ----------------------------------------------------------------------------


def _code_colour(code: str) -> str:
    if code.startswith("2"):
        return "#2e7d32"
    if code.startswith("3"):
        return "#6a1b9a"
    if code in ("401", "403"):
        return "#ad1457"
    if code == "429":
        return "#f9a825"
    if code.startswith("4"):
        return "#ef6c00"
    if code.startswith("5"):
        return "#c62828"
    return "#4e342e"  # no answer: timeout, refused connection


def answers_chart(answers: Sequence[ProviderAnswers]) -> SafeString:
    """Per provider: a bar of its answer codes (each segment one code) and the error rate."""
    width, left, right, row_h, top = 560, 90, 110, 30, 8
    height = top + row_h * max(len(answers), 1) + 4
    plot_w = width - left - right
    parts = []
    for index, provider in enumerate(answers):
        y = top + index * row_h
        parts.append(_text(4, y + 15, provider.provider, weight="600"))
        x: float = left
        for code, n in provider.codes:
            w = max(plot_w * n / provider.total, 2)
            parts.append(_rect(x, y + 4, w, 14, _code_colour(code), f"{provider.provider}: {n} × {code}"))
            if w > 34:
                parts.append(_text(x + w / 2, y + 15, code, anchor="middle", colour="#fff"))
            x += w
        rate = f"{provider.error_rate:.1%} errors"
        colour = "#c62828" if provider.errors else AXIS
        parts.append(
            _text(width - 4, y + 15, rate, anchor="end", colour=colour, weight="600" if provider.errors else "")
        )
        parts.append(_text(left, y + 28, f"{provider.total} calls", colour=AXIS))
    if not answers:
        parts.append(_text(4, top + 15, "No calls to providers in 24 hours"))
    return _svg(width, height, "Provider answer codes and error rate, last 24 hours", parts)
