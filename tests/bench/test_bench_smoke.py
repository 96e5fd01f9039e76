"""The bench package stays importable and its cheap pieces work (no timing is ever asserted)."""

from pathlib import Path

import pytest

from bench import report, stats
from bench.costs import PageCost, PipelineCost
from bench.ingest import WrkResult, parse_wrk
from bench.overview import OverviewCost

WRK_OUTPUT = """Running 10s test @ http://127.0.0.1:18080/webhooks/loop/abc/
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    40.12ms   10.00ms 200.00ms   90.00%
  Latency Distribution
     50%   38.50ms
     75%   45.00ms
     90%   55.00ms
     99%    1.20s
  4000 requests in 10.00s, 1.00MB read
  Non-2xx or 3xx responses: 3
Requests/sec:    400.00
Transfer/sec:    100.00KB
BENCH_WRAPPED 0
"""


def test_parse_wrk_reads_rate_percentiles_and_errors() -> None:
    result = parse_wrk(WRK_OUTPUT, target="backhaul", connections=16, seconds=10)
    assert (result.requests, result.rps, result.p50_ms, result.p99_ms, result.errors) == (4000, 400.0, 38.5, 1200.0, 3)


def test_stats_helpers() -> None:
    assert stats.percentile([5, 1, 3, 2, 4], 50) == 3
    assert stats.percentile(list(range(1, 101)), 99) == 99
    assert stats.steady_rate([i / 10 for i in range(100)]) == pytest.approx(10, rel=0.05)


def test_report_renders_all_sections(tmp_path: Path) -> None:
    results = report.Results(meta={"date": "today", "machine": "test"})
    app = WrkResult("backhaul", 16, 10, 4000, 400.0, 38.5, 90.0, 0)
    base = WrkResult("baseline", 16, 10, 7000, 700.0, 20.0, 50.0, 0)
    results.ingest.append((app, base))
    results.e2e.append(report.E2EResult(20, 300, 300, 300, 50, 80, 120, 150, 4))
    results.drain = report.DrainResult(
        returns=10_000,
        accept_seconds=30,
        webhook_concurrency=2,
        processed=10_000,
        process_rate=50,
        push_concurrency=4,
        latency_ms=20,
        pushed=10_000,
        push_seconds=150,
        push_rate=70,  # of an ideal 4 / 0.020 s = 200 per second: 35 %
        push_rate_overall=66,
    )
    slow = dict(vars(results.drain), latency_ms=100, pushed=800, push_rate=34, push_rate_overall=33)
    results.drain_slow.append(report.DrainResult(**slow))
    results.pipeline = [PipelineCost(n, 7, 30, 20) for n in (1, 10, 100)]
    results.pages = [PageCost(rows=n, queries={"admin: returns": 9}, status={"admin: returns": 200}) for n in (1, 2)]
    results.overview = [
        OverviewCost(rows=n, window_rows=1000, ms={"counters": 2.5, "whole overview": 12.0}, queries=11)
        for n in (1000, 1_000_000)
    ]
    out = tmp_path / "benchmarks.md"
    report.write(results, out)
    text = out.read_text()
    headings = ("## 1. Ingest", "## 2. End to end", "## 3. Backlog drain", "## 4. Cost growth", "## 5. Admin overview")
    for heading in (*headings, "## Targets"):
        assert heading in text
    assert "| 1,000,000 | 1,000 | 2.5 | 12.0 | 11 |" in text
    assert "57 %" in text  # 400 / 700
    assert "| 100 | 800 | 34.0 | 40 | 85 % |" in text  # the slower WMS: 4 / 0.100 s = 40 per second
    assert {name: ok for name, _, _, ok in report.targets(results)} == {
        "Ingest ≥ half the baseline": True,
        "End-to-end p99 at 20 returns/s": True,
        "Drain ≥ 70 % of ideal": False,
        "Flat query counts": True,
    }
    assert "bench summary" in report.summary(results)


def test_cpu_accounting_sums_by_role_and_counts_new_processes_from_zero() -> None:
    from bench import cpu

    before = cpu.Snapshot({(1, 100): ("web", 10.0), (2, 100): ("postgres", 5.0), (4, 100): ("postgres", 9.0)})
    # pid 4 was reused by a new PostgreSQL backend (another start time): it counts from zero too.
    after = cpu.Snapshot(
        {(1, 100): ("web", 12.5), (2, 100): ("postgres", 5.5), (3, 200): ("worker", 1.0), (4, 300): ("postgres", 2.0)}
    )
    used = cpu.used(before, after)
    assert (used["web"], used["postgres"], used["worker"], used["redis"]) == (2.5, 2.5, 1.0, 0.0)
    assert cpu.per_item_ms(used, 1000) == {"web": 2.5, "postgres": 2.5, "worker": 1.0}
    assert report.cpu_cells({"web": 2.5, "postgres": 0.5}, ("web", "postgres", "redis")) == [
        "2.50",
        "0.50",
        "0.00",
        "3.00",
    ]
    assert cpu._role(10**9, "postgres", "postgres: bench") == "postgres"
    assert cpu._role(10**9, "python", ".venv/bin/gunicorn config.wsgi:application") == "web"


def test_a_live_snapshot_sees_this_process() -> None:
    import os

    from bench import cpu

    assert {role for (pid, _), (role, _) in cpu.snapshot().seconds.items() if pid == os.getpid()} == {"bench"}


def test_the_meter_counts_a_process_that_exits_inside_the_block() -> None:
    """A PostgreSQL backend closed after CONN_MAX_AGE leaves /proc before the block ends; what it
    used up to the meter's last sample must still count."""
    import subprocess
    import sys
    import time

    from bench import cpu

    burn = "import time\nend = time.process_time() + 0.4\nwhile time.process_time() < end: pass\ntime.sleep(0.3)"
    with cpu.Meter(interval=0.05) as meter:
        # " celery ... worker" in its command line gives it the worker role.
        child = subprocess.Popen([sys.executable, "-c", burn, "celery", "worker"])  # noqa: S603
        child.wait(timeout=30)
        time.sleep(0.1)
    assert meter.totals["worker"] >= 0.3
