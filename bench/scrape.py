"""What Backhaul's own /metrics said about a bench section, read the way Prometheus reads it (issue 25).

The bench runs every process with PROMETHEUS_MULTIPROC_DIR, as production does with several processes per host,
and scrapes the web process's /metrics before and after a section: the difference is what the platform counted
during it. Those counts and latencies sit beside the bench's own clocks in the report, so an operator can see how
far the dashboards agree with the measurement:
- histograms have buckets (50 ms, 100 ms, 250 ms, ...): a percentile read from one is only the upper bound of the
  bucket holding it, and its mean (sum ÷ count) is exact;
- CPU is not in /metrics in multiprocess mode (prometheus-client's process collector reads its own process only),
  so CPU still comes from /proc (bench/cpu.py).
"""

import http.client
import math
from dataclasses import dataclass

from prometheus_client.parser import text_string_to_metric_families

from bench.report import MetricsSeen

# (sample name, sorted labels) → value, as one scrape showed them.
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def parse(text: str) -> Samples:
    samples: Samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def scrape(*, port: int, token: str) -> Samples:
    """GET /metrics as a Prometheus scraper would (a bearer token); an answer other than 200 is an error."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", "/metrics", headers={"Authorization": f"Bearer {token}"})
        response = connection.getresponse()
        body = response.read().decode()
    finally:
        connection.close()
    if response.status != 200:
        raise RuntimeError(f"/metrics answered {response.status}: {body[:200]}")
    return parse(body)


def _matches(labels: tuple[tuple[str, str], ...], wanted: dict[str, str]) -> bool:
    present = dict(labels)
    return all(present.get(key) == value for key, value in wanted.items())


def counter_delta(before: Samples, after: Samples, name: str, **labels: str) -> float:
    """How much a counter grew between two scrapes, summed over the labels not given."""
    total = f"{name}_total"

    def summed(samples: Samples) -> float:
        return sum(v for (n, ls), v in samples.items() if n == total and _matches(ls, labels))

    return summed(after) - summed(before)


@dataclass(frozen=True)
class HistogramDelta:
    count: float
    seconds: float  # the sum of the observations
    buckets: tuple[tuple[float, float], ...]  # (upper bound in seconds, cumulative count), ascending

    @property
    def mean_ms(self) -> float:
        return self.seconds / self.count * 1000 if self.count else math.nan

    def bound_ms(self, pct: float) -> float:
        """The upper bound of the bucket holding the pct-th percentile (what histogram_quantile cannot beat)."""
        if not self.count:
            return math.nan
        needed = self.count * pct / 100
        for bound, cumulative in self.buckets:
            if cumulative >= needed:
                return bound * 1000
        return math.inf


def histogram_delta(before: Samples, after: Samples, name: str, **labels: str) -> HistogramDelta:
    """A histogram's observations between two scrapes, summed over the labels not given (le excepted)."""

    def summed(samples: Samples, suffix: str, le: str | None = None) -> float:
        wanted = dict(labels, **({"le": le} if le is not None else {}))
        return sum(v for (n, ls), v in samples.items() if n == f"{name}{suffix}" and _matches(ls, wanted))

    bounds = sorted(
        {dict(ls)["le"] for (n, ls) in after if n == f"{name}_bucket" and _matches(ls, labels)},
        key=float,
    )
    buckets = tuple((float(le), summed(after, "_bucket", le) - summed(before, "_bucket", le)) for le in bounds)
    return HistogramDelta(
        count=summed(after, "_count") - summed(before, "_count"),
        seconds=summed(after, "_sum") - summed(before, "_sum"),
        buckets=buckets,
    )


def seen(before: Samples, after: Samples) -> MetricsSeen:
    """What the platform counted between two scrapes: webhooks, their processing, RMAs and their latency."""
    processing = histogram_delta(before, after, "backhaul_webhook_processing_seconds")
    to_rma = histogram_delta(before, after, "backhaul_webhook_to_rma_seconds")
    return MetricsSeen(
        webhooks_accepted=counter_delta(before, after, "backhaul_webhooks_received", outcome="accepted"),
        webhooks_processed=processing.count,
        processing_mean_ms=processing.mean_ms,
        rmas_submitted=counter_delta(before, after, "backhaul_rma_pushes", result="submitted"),
        to_rma_mean_ms=to_rma.mean_ms,
        to_rma_p50_bound_ms=to_rma.bound_ms(50),
        to_rma_p99_bound_ms=to_rma.bound_ms(99),
    )
