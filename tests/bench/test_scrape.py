"""The bench reads Backhaul's /metrics as Prometheus does: counter and histogram differences between two scrapes."""

import math

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

from bench import report, scrape


def _registry() -> tuple[CollectorRegistry, Counter, Histogram, Counter, Histogram]:
    registry = CollectorRegistry()
    received = Counter("backhaul_webhooks_received", "", ["provider", "outcome"], registry=registry)
    processing = Histogram(
        "backhaul_webhook_processing_seconds", "", ["provider"], buckets=(0.05, 0.1), registry=registry
    )
    pushes = Counter("backhaul_rma_pushes", "", ["provider", "result"], registry=registry)
    to_rma = Histogram(
        "backhaul_webhook_to_rma_seconds", "", ["provider"], buckets=(0.05, 0.1, 0.25, 1.0), registry=registry
    )
    return registry, received, processing, pushes, to_rma


def _scrape(registry: CollectorRegistry) -> scrape.Samples:
    return scrape.parse(generate_latest(registry).decode())


def test_differences_between_two_scrapes_count_only_what_happened_between_them() -> None:
    registry, received, processing, pushes, to_rma = _registry()
    received.labels("loop", "accepted").inc(5)  # before the section: not counted
    to_rma.labels("shipmonk").observe(9.0)
    before = _scrape(registry)
    received.labels("loop", "accepted").inc(3)
    received.labels("redo", "accepted").inc(1)
    received.labels("loop", "unverified").inc(2)  # another outcome: not accepted
    for seconds in (0.02, 0.03):
        processing.labels("loop").observe(seconds)
    pushes.labels("shipmonk", "submitted").inc(4)
    pushes.labels("shipmonk", "retry").inc(7)
    for seconds in (0.04, 0.07, 0.2, 0.5):
        to_rma.labels("shipmonk").observe(seconds)
    after = _scrape(registry)

    assert scrape.counter_delta(before, after, "backhaul_webhooks_received", outcome="accepted") == 4
    assert scrape.counter_delta(before, after, "backhaul_webhooks_received", provider="loop") == 5
    delta = scrape.histogram_delta(before, after, "backhaul_webhook_to_rma_seconds")
    assert (delta.count, round(delta.seconds, 6)) == (4, 0.81)
    assert delta.buckets[:4] == ((0.05, 1), (0.1, 2), (0.25, 3), (1.0, 4))
    assert math.isclose(delta.mean_ms, 202.5)
    assert (delta.bound_ms(25), delta.bound_ms(50), delta.bound_ms(99)) == (50, 100, 1000)

    seen = scrape.seen(before, after)
    assert (seen.webhooks_accepted, seen.webhooks_processed, seen.rmas_submitted) == (4, 2, 4)
    assert math.isclose(seen.processing_mean_ms, 25.0)
    assert (seen.to_rma_p50_bound_ms, seen.to_rma_p99_bound_ms) == (100, 1000)


def test_an_observation_past_every_bound_and_an_empty_section() -> None:
    registry, *_, to_rma = _registry()
    before = _scrape(registry)
    to_rma.labels("shipmonk").observe(5000)
    after = _scrape(registry)
    assert math.isinf(scrape.histogram_delta(before, after, "backhaul_webhook_to_rma_seconds").bound_ms(99))
    nothing = scrape.histogram_delta(after, after, "backhaul_webhook_to_rma_seconds")
    assert nothing.count == 0
    assert math.isnan(nothing.mean_ms)
    assert math.isnan(nothing.bound_ms(50))


def test_the_report_shows_the_metrics_beside_the_bench_s_own_counts(tmp_path) -> None:  # type: ignore[no-untyped-def]
    seen = report.MetricsSeen(40, 40, 21.7, 39, 75.0, 100.0, math.inf)
    results = report.Results(meta={"date": "today"})
    results.e2e.append(report.E2EResult(20, 40, 40, 40, 42, 47, 52, 52, 4, seen=seen))
    out = tmp_path / "benchmarks.md"
    report.write(results, out)
    assert "| 20 returns/s | 40 / 40 | 40 / 39 | 40 | 21.7 | 75 | ≤ 100 | > 1800 s |" in out.read_text()
