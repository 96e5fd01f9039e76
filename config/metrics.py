"""The metrics operators watch, in Prometheus's format (prometheus-client), counted where things happen.

Counters and histograms are updated by the code that does the work (the webhook endpoint, the webhook task, the
push, the platform action, the HTTP base, the sweeps); what the database already knows (connections by status,
what the support overview counts, the queues' depth) is read when /metrics is scraped (config/metrics_endpoint.py).

Gunicorn and Celery's prefork pool run several processes: with PROMETHEUS_MULTIPROC_DIR set (an empty folder,
wiped at each start, shared by the processes of one host), every process writes its values there and a scrape
adds them up (prometheus-client's multiprocess mode). Without it (`make run`, tests) the values are the process's
own. Labels are only ever registered provider slugs and fixed words, so a caller cannot grow them without bound.
"""

from prometheus_client import Counter, Histogram

# Seconds: from the webhook task's start to its end, and from a webhook's arrival to its RMA created at the WMS
# (the returns platforms promise 1-3 s).
LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 30.0, 60.0, 300.0, 1800.0)

webhooks_received = Counter(
    "backhaul_webhooks_received",
    "Requests to the webhook endpoint, by provider and what became of them.",
    ["provider", "outcome"],
)
webhook_processing_seconds = Histogram(
    "backhaul_webhook_processing_seconds",
    "Time to process one stored webhook (the task), by provider.",
    ["provider"],
    buckets=LATENCY_BUCKETS,
)
webhook_to_rma_seconds = Histogram(
    "backhaul_webhook_to_rma_seconds",
    "From a webhook's arrival to the RMA it made due created at the warehouse, by warehouse system.",
    ["provider"],
    buckets=LATENCY_BUCKETS,
)
rma_pushes = Counter(
    "backhaul_rma_pushes",
    "RMA push attempts by warehouse system and result (submitted, retry, needs_attention, failed, waiting).",
    ["provider", "result"],
)
platform_actions = Counter(
    "backhaul_platform_actions",
    "Actions on a returns platform (process, flag) by platform and result (done, retry, failed).",
    ["provider", "action", "result"],
)
provider_answers = Counter(
    "backhaul_provider_answers",
    "Outbound requests by provider and answer: the HTTP status, or why there was none (timeout, unreachable, "
    "refused, circuit_open, throttled).",
    ["provider", "answer"],
)
sweep_republished = Counter(
    "backhaul_sweep_republished",
    "Work a sweep found stuck and published again (webhooks, rmas, later_changes, platform_actions).",
    ["sweep"],
)
