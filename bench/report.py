"""The summary printed at the end of `make bench` and docs/benchmarks.md (generated: edit bench/, not the doc)."""

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.costs import PageCost, PipelineCost
from bench.ingest import WrkResult
from bench.overview import OverviewCost

CHANGES_FILE = Path(__file__).with_name("changes.md")

TARGET_INGEST_RATIO = 0.5
TARGET_E2E_P99_MS = 300.0
TARGET_DRAIN_RATIO = 0.7


@dataclass
class MetricsSeen:
    """One section as Backhaul's own /metrics counted it (bench/scrape.py): the operators' view of the same run."""

    webhooks_accepted: float
    webhooks_processed: float
    processing_mean_ms: float  # the webhook task, start to end (wall time)
    rmas_submitted: float
    to_rma_mean_ms: float  # a webhook's arrival to its RMA created at the WMS
    to_rma_p50_bound_ms: float  # upper bounds of the buckets holding p50 and p99
    to_rma_p99_bound_ms: float


@dataclass
class E2EResult:
    rate: float
    sent: int
    accepted: int
    arrived: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    concurrency: int
    seen: MetricsSeen | None = None


@dataclass
class DrainResult:
    returns: int
    accept_seconds: float
    webhook_concurrency: int
    processed: int
    process_rate: float
    push_concurrency: int
    latency_ms: int
    pushed: int
    push_seconds: float
    push_rate: float  # steady state (5th to 95th percentile of arrivals)
    push_rate_overall: float  # all pushes over first-to-last arrival
    process_cpu_ms: dict[str, float] = field(default_factory=dict)  # CPU ms per webhook by role
    push_cpu_ms: dict[str, float] = field(default_factory=dict)  # CPU ms per RMA by role
    seen: MetricsSeen | None = None

    @property
    def ideal(self) -> float:
        return self.push_concurrency / (self.latency_ms / 1000)


@dataclass
class Results:
    meta: dict[str, Any] = field(default_factory=dict)
    ingest: list[tuple[WrkResult, WrkResult]] = field(default_factory=list)  # (backhaul, baseline) per level
    e2e: list[E2EResult] = field(default_factory=list)
    drain: DrainResult | None = None
    drain_slow: list[DrainResult] = field(default_factory=list)  # the push stage against slower WMSs
    pipeline: list[PipelineCost] = field(default_factory=list)
    pages: list[PageCost] = field(default_factory=list)
    overview: list[OverviewCost] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _f(value: float, digits: int = 1) -> str:
    return "n/a" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:,.{digits}f}"


def cpu_cells(cpu_ms: dict[str, float], roles: tuple[str, ...]) -> list[str]:
    """CPU ms per item for each role, then the machine-wide total of the measured roles."""
    return [_f(cpu_ms.get(role, 0.0), 2) for role in roles] + [_f(sum(cpu_ms.values()), 2)]


def _met(ok: bool | None) -> str:
    return "n/a" if ok is None else ("**met**" if ok else "**not met**")


def ingest_ratio(results: Results) -> float:
    """Best Backhaul throughput over best baseline throughput across the levels (both at their own best level)."""
    if not results.ingest:
        return float("nan")
    app = max(a.rps for a, _ in results.ingest)
    base = max(b.rps for _, b in results.ingest)
    return app / base if base else float("nan")


def flat(values: list[int]) -> bool:
    return len(set(values)) <= 1


def targets(results: Results) -> list[tuple[str, str, str, bool | None]]:
    rows: list[tuple[str, str, str, bool | None]] = []
    ratio = ingest_ratio(results)
    ok = None if math.isnan(ratio) else ratio >= TARGET_INGEST_RATIO
    rows.append(("Ingest ≥ half the baseline", f"≥ {TARGET_INGEST_RATIO:.0%}", _f(ratio * 100, 0) + " %", ok))
    e2e20 = next((e for e in results.e2e if e.rate == 20), None)
    rows.append(
        (
            "End-to-end p99 at 20 returns/s",
            f"< {TARGET_E2E_P99_MS:.0f} ms",
            _f(e2e20.p99_ms, 0) + " ms" if e2e20 else "n/a",
            (e2e20.p99_ms < TARGET_E2E_P99_MS and e2e20.arrived == e2e20.sent) if e2e20 else None,
        )
    )
    drain = results.drain
    drain_ratio = drain.push_rate / drain.ideal if drain else float("nan")
    rows.append(
        (
            "Drain ≥ 70 % of ideal",
            f"≥ {TARGET_DRAIN_RATIO:.0%}",
            _f(drain_ratio * 100, 0) + " %",
            drain_ratio >= TARGET_DRAIN_RATIO if drain else None,
        )
    )
    pipeline_flat = all(flat([getattr(p, step) for p in results.pipeline]) for step in ("receive", "process", "push"))
    pages_flat = all(flat([p.queries.get(name, -1) for p in results.pages]) for name in _page_names(results))
    rows.append(
        (
            "Flat query counts",
            "same at every size",
            "flat" if pipeline_flat and pages_flat else "grows",
            (pipeline_flat and pages_flat) if results.pipeline else None,
        )
    )
    return rows


def _page_names(results: Results) -> list[str]:
    return list(results.pages[0].queries) if results.pages else []


def _bound(ms: float) -> str:
    return "n/a" if math.isnan(ms) else ("> 1800 s" if math.isinf(ms) else f"≤ {ms:,.0f}")


def _metrics_seen(w: Any, runs: list[tuple[str, int, int, MetricsSeen | None]]) -> None:
    """The same runs as Backhaul's /metrics counted them, beside the bench's own counts."""
    rows = [(name, accepted, arrived, seen) for name, accepted, arrived, seen in runs if seen is not None]
    if not rows:
        return
    w("The same runs as Backhaul's `/metrics` counted them (scraped before and after; `bench/scrape.py`). Its")
    w("webhook-to-RMA clock runs from the webhook's row to the WMS's answer, recorded (so it holds the WMS's")
    w("latency); the bench's from the sender's 2xx to the request arriving at the WMS. A histogram only says which")
    w("bucket a percentile falls in (≤ bound). CPU is not in it (multiprocess mode): it comes from `/proc`.")
    w("")
    w(
        "| run | accepted (bench / metrics) | RMAs at the WMS (bench / metrics) | webhooks processed "
        "| processing mean ms | to RMA mean ms | to RMA p50 ms | to RMA p99 ms |"
    )
    w("|---|---|---|---|---|---|---|---|")
    for name, accepted, arrived, seen in rows:
        w(
            f"| {name} | {accepted:,} / {seen.webhooks_accepted:,.0f} | {arrived:,} / {seen.rmas_submitted:,.0f} "
            f"| {seen.webhooks_processed:,.0f} | {_f(seen.processing_mean_ms)} | {_f(seen.to_rma_mean_ms, 0)} "
            f"| {_bound(seen.to_rma_p50_bound_ms)} | {_bound(seen.to_rma_p99_bound_ms)} |"
        )
    w("")


def render(results: Results) -> str:
    m = results.meta
    out: list[str] = []
    w = out.append
    w("# Benchmarks")
    w("")
    w("Generated by `make bench` (`python -m bench`, sources in `bench/`); do not edit by hand.")
    w("The platform runs as production runs it: the Procfile's gunicorn and Celery processes with")
    w("`config.django.production`, PostgreSQL and Redis, all on 127.0.0.1 of this one machine. Timings")
    w("are recorded, never asserted; every number below comes from the same run.")
    w("")
    w("## Run")
    w("")
    w("| | |")
    w("|---|---|")
    for key in (
        "date",
        "commit",
        "machine",
        "cpu",
        "memory",
        "load before",
        "load after",
        "python",
        "versions",
        "postgresql",
        "redis",
        "wrk",
        "duration",
    ):
        if key in m:
            w(f"| {key} | {m[key]} |")
    w("")
    w("## Targets")
    w("")
    w("| target | wanted | this run | |")
    w("|---|---|---|---|")
    for name, wanted, got, ok in targets(results):
        w(f"| {name} | {wanted} | {got} | {_met(ok)} |")
    w("")

    w("## 1. Ingest")
    w("")
    w(f"wrk ({m.get('wrk', 'wrk')}), {m.get('ingest_seconds', '?')} s per level, signed Loop `return.created`")
    w("webhooks, every body a distinct return (no dedupe short-cuts). Backhaul: `gunicorn config.wsgi:application`")
    w(f"with {m.get('web_workers', '?')} sync workers. Baseline: `bench/baseline_app.py`, a bare WSGI app under the")
    w("same gunicorn settings that verifies the same HMAC, inserts the same row into the same table and")
    w("publishes one message to the same Redis. No Celery worker runs during this section.")
    w("")
    w("| connections | Backhaul req/s | p50 ms | p99 ms | errors | baseline req/s | p50 ms | p99 ms | errors | ratio |")
    w("|---|---|---|---|---|---|---|---|---|---|")
    for app, base in results.ingest:
        ratio = app.rps / base.rps if base.rps else float("nan")
        w(
            f"| {app.connections} | {_f(app.rps)} | {_f(app.p50_ms)} | {_f(app.p99_ms)} | {app.errors} "
            f"| {_f(base.rps)} | {_f(base.p50_ms)} | {_f(base.p99_ms)} | {base.errors} | {_f(ratio * 100, 0)} % |"
        )
    w("")
    w(f"Best Backhaul throughput over best baseline throughput: **{_f(ingest_ratio(results) * 100, 0)} %**.")
    w("")
    w("Where the CPU went, in ms per request (all processes of each kind, read from `/proc` during each")
    w("wrk run; `bench/cpu.py`). Two cores give 2,000 CPU ms per second, so the total bounds the rate.")
    w("")
    w("| connections | app | app ms | postgres ms | redis ms | wrk ms | total ms |")
    w("|---|---|---|---|---|---|---|")
    for app, base in results.ingest:
        for run, role in ((app, "web"), (base, "baseline")):
            cells = cpu_cells(run.cpu_ms, (role, "postgres", "redis", "load"))
            w(f"| {run.connections} | {run.target} | " + " | ".join(cells) + " |")
    wrapped = sum(a.wrapped for a, _ in results.ingest)
    if wrapped:
        w(f"({wrapped} Backhaul requests re-sent a body already used: duplicates, answered 200.)")
    w("")

    w("## 2. End to end")
    w("")
    w("From the webhook's 2xx answer (stored, verified, queued) to the RMA's create request arriving at the")
    w("WMS (a local ShipMonk-speaking server, `bench/wms_app.py`, with a set latency). Open-loop sender at a")
    w("fixed rate; the Procfile worker (`celery -A config worker -Q webhooks,rmas,sync`) does all the work.")
    w("")
    w("| returns/s | sent | accepted | arrived | worker concurrency | p50 ms | p95 ms | p99 ms | max ms |")
    w("|---|---|---|---|---|---|---|---|---|")
    for e in results.e2e:
        w(
            f"| {_f(e.rate, 0)} | {e.sent} | {e.accepted} | {e.arrived} | {e.concurrency} | {_f(e.p50_ms, 0)} "
            f"| {_f(e.p95_ms, 0)} | {_f(e.p99_ms, 0)} | {_f(e.max_ms, 0)} |"
        )
    w("")
    _metrics_seen(w, [(f"{_f(e.rate, 0)} returns/s", e.accepted, e.arrived, e.seen) for e in results.e2e])

    w("## 3. Backlog drain")
    w("")
    d = results.drain
    if d:
        w(f"{d.returns:,} returns accepted while no worker ran ({_f(d.accept_seconds)} s to accept them). Then the")
        w(f"workers start: a `-Q webhooks` worker (concurrency {d.webhook_concurrency}) turns the backlog into")
        w(f"pending RMAs, then a `-Q rmas` worker (concurrency {d.push_concurrency}) pushes them to the WMS")
        w(f"({d.latency_ms} ms latency). The two stages run one after the other so the push rate can be")
        w("compared with its ideal (worker concurrency ÷ latency) without the webhook stage taking its CPU.")
        w("")
        w("| stage | items | rate /s | ideal /s | of ideal |")
        w("|---|---|---|---|---|")
        w(f"| webhooks processed → RMAs planned | {d.processed:,} | {_f(d.process_rate)} | | |")
        w(
            f"| RMAs pushed (steady state, 5th–95th pct.) | {d.pushed:,} | {_f(d.push_rate)} | {_f(d.ideal, 0)} "
            f"| {_f(d.push_rate / d.ideal * 100, 0)} % |"
        )
        w(
            f"| RMAs pushed (first to last, {_f(d.push_seconds)} s) | {d.pushed:,} | {_f(d.push_rate_overall)} "
            f"| {_f(d.ideal, 0)} | {_f(d.push_rate_overall / d.ideal * 100, 0)} % |"
        )
        w("")
        w("Where the CPU went, in ms per item, from each stage's worker start until its backlog was empty:")
        w("")
        w("| stage | worker ms | postgres ms | redis ms | WMS ms | total ms |")
        w("|---|---|---|---|---|---|")
        for name, cpu_ms in (("webhook → RMA planned", d.process_cpu_ms), ("RMA pushed", d.push_cpu_ms)):
            w(f"| {name} | " + " | ".join(cpu_cells(cpu_ms, ("worker", "postgres", "redis", "wms"))) + " |")
        w("")
        _metrics_seen(w, [(f"drain of {d.returns:,}", d.returns, d.pushed, d.seen)])
        if results.drain_slow:
            w("The same push stage (same worker, same concurrency) against slower WMSs, fewer RMAs each:")
            w("")
            w("| WMS latency ms | RMAs | rate /s | ideal /s | of ideal | worker CPU ms per RMA |")
            w("|---|---|---|---|---|---|")
            for r in (d, *results.drain_slow):
                w(
                    f"| {r.latency_ms} | {r.pushed:,} | {_f(r.push_rate)} | {_f(r.ideal, 0)} "
                    f"| {_f(r.push_rate / r.ideal * 100, 0)} % | {_f(r.push_cpu_ms.get('worker', 0.0), 2)} |"
                )
    else:
        w("(not run)")
    w("")

    w("## 4. Cost growth")
    w("")
    w("SQL queries counted in-process (`CaptureQueriesContext`) against the bench database.")
    w("")
    w("| lines | receive (web) | process (worker) | push (worker) | outcome |")
    w("|---|---|---|---|---|")
    for p in results.pipeline:
        w(f"| {p.lines} | {p.receive} | {p.process} | {p.push} | {p.status} |")
    w("")
    if results.pages:
        names = _page_names(results)
        w("| rows | " + " | ".join(names) + " |")
        w("|---|" + "---|" * len(names))
        for page in results.pages:
            cells = [f"{page.queries[n]}" + ("" if page.status[n] == 200 else f" ({page.status[n]})") for n in names]
            w(f"| {page.rows:,} | " + " | ".join(cells) + " |")
        w("")

    w("## 5. Admin overview queries")
    w("")
    if results.overview:
        w("The admin overview's queries (`config/overview/selectors.py`), uncached, median of 5 runs, in ms.")
        w("Rows per table (webhooks, API calls, returns, RMAs), made with `generate_series`; the 7-day window")
        w("holds the same rows while the history grows, then a last row with a busier window (`bench/overview.py`).")
        w("")
        names = list(results.overview[0].ms)
        w("| rows per table | in the window | " + " | ".join(names) + " | queries |")
        w("|---|---|" + "---|" * len(names) + "---|")
        for cost in results.overview:
            cells = [_f(cost.ms[n]) for n in names]
            w(f"| {cost.rows:,} | {cost.window_rows:,} | " + " | ".join(cells) + f" | {cost.queries} |")
    else:
        w("(not run)")
    w("")

    if results.notes:
        w("## Notes from this run")
        w("")
        for note in results.notes:
            w(f"- {note}")
        w("")
    if CHANGES_FILE.exists():
        w(CHANGES_FILE.read_text().rstrip())
        w("")
    return "\n".join(out)


def summary(results: Results) -> str:
    lines = ["", "== bench summary =="]
    for app, base in results.ingest:
        lines.append(
            f"ingest c={app.connections:>3}: backhaul {app.rps:8.1f} req/s p99 {app.p99_ms:7.1f} ms err {app.errors}"
            f" | baseline {base.rps:8.1f} req/s p99 {base.p99_ms:7.1f} ms err {base.errors}"
            f" | ratio {app.rps / base.rps:.0%}"
        )
    for e in results.e2e:
        lines.append(
            f"e2e {e.rate:>4.0f}/s: p50 {e.p50_ms:.0f} ms p95 {e.p95_ms:.0f} ms p99 {e.p99_ms:.0f} ms"
            f" ({e.arrived}/{e.sent} arrived)"
        )
    if d := results.drain:
        lines.append(
            f"drain: process {d.process_rate:.1f}/s, push {d.push_rate:.1f}/s of ideal {d.ideal:.0f}/s"
            f" ({d.push_rate / d.ideal:.0%})"
        )
    for r in results.drain_slow:
        lines.append(
            f"drain at {r.latency_ms} ms WMS latency: push {r.push_rate:.1f}/s of ideal {r.ideal:.0f}/s"
            f" ({r.push_rate / r.ideal:.0%})"
        )
    for p in results.pipeline:
        lines.append(f"queries lines={p.lines:>3}: receive {p.receive} process {p.process} push {p.push}")
    for page in results.pages:
        lines.append(f"queries rows={page.rows:>7,}: " + ", ".join(f"{k} {v}" for k, v in page.queries.items()))
    for cost in results.overview:
        lines.append(
            f"overview rows={cost.rows:>9,} window={cost.window_rows:>7,}: "
            + ", ".join(f"{k} {v:.1f} ms" for k, v in cost.ms.items())
        )
    for name, wanted, got, ok in targets(results):
        lines.append(f"target {name}: {got} (wanted {wanted}) {_met(ok).strip('*')}")
    return "\n".join(lines)


def write(results: Results, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(results))
