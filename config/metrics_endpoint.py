"""GET /metrics: what operators scrape, in Prometheus's text format. Not public.

Who may read it: a scraper sending `Authorization: Bearer <METRICS_TOKEN>` (compared in constant time), or a
logged-in staff user. Anyone else gets a 404, as if there were nothing here; a wrong token gets 403.

What it holds: the counters and histograms of config/metrics.py (added up over every process of the host in
multiprocess mode, PROMETHEUS_MULTIPROC_DIR), and what is read at scrape time: connections by provider and status
(an open circuit breaker is status `failing`), the support overview's counters (the same numbers, from the same
cached read, as the admin's first page), and the depth of each Celery queue.
"""

import hmac
import logging
import os
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET
from kombu.exceptions import ChannelError
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

logger = logging.getLogger(__name__)


class DatabaseCollector(Collector):
    """Gauges read when scraped: connections by status, the overview's counters, the queues' depth."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from config.overview.selectors import overview_cached
        from integrations.models import Connection

        connections = GaugeMetricFamily(
            "backhaul_connections",
            "Connections by provider and status (failing: circuit breaker open).",
            labels=["provider", "status"],
        )
        rows = Connection.objects.values("provider", "status").annotate(n=Count("id")).order_by()
        for row in rows:
            connections.add_metric([row["provider"], row["status"]], row["n"])
        yield connections

        attention = GaugeMetricFamily(
            "backhaul_attention",
            "What the support overview counts now (the same numbers as the admin's first page).",
            labels=["counter"],
        )
        for counter in overview_cached().counters:
            attention.add_metric([counter.key], counter.count)
        yield attention

        yield from _queue_gauges()


def _queue_gauges() -> Iterator[GaugeMetricFamily]:
    from config.celery import app

    depth = GaugeMetricFamily("backhaul_queue_messages", "Messages waiting in each Celery queue.", labels=["queue"])
    up = GaugeMetricFamily("backhaul_broker_up", "Whether the broker answered the queue-depth read (1) or not (0).")
    try:
        with app.connection_for_read() as connection:
            channel: Any = connection.default_channel  # kombu's virtual channel (Redis, filesystem)
            for queue in app.conf.task_queues or ():
                depth.add_metric([queue.name], _messages_waiting(channel, queue.name))
        up.add_metric([], 1)
        yield depth
    except Exception as exc:  # the broker is down: say so, never a 500 for the whole scrape
        logger.warning("queue depth unavailable for /metrics (%s)", type(exc).__name__)
        up.add_metric([], 0)
    yield up


def _messages_waiting(channel: Any, queue_name: str) -> int:
    """Messages in one queue; 0 for a queue no worker has declared yet (a broker that was just emptied or
    started): reading must not create it, and a missing queue holds nothing."""
    try:
        _, messages, _ = channel.queue_declare(queue=queue_name, passive=True)
    except ChannelError:
        return 0
    return int(messages)


def _allowed(request: HttpRequest) -> bool:
    """True for the scraper's token or a staff user; Http404 for anyone else, PermissionError for a wrong token."""
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        token = settings.METRICS_TOKEN
        if token and hmac.compare_digest(header.removeprefix("Bearer ").encode(), token.encode()):
            return True
        raise PermissionError
    user: Any = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.is_active and user.is_staff:
        return True
    raise Http404


def metrics_text() -> bytes:
    """Everything, in Prometheus's text format: the processes' own metrics, then what is read now."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        processes = generate_latest(registry)
    else:
        processes = generate_latest(REGISTRY)
    now = CollectorRegistry()
    now.register(DatabaseCollector())
    return processes + generate_latest(now)


@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    try:
        _allowed(request)
    except PermissionError:
        return HttpResponse("wrong metrics token\n", status=403, content_type="text/plain; charset=utf-8")
    return HttpResponse(metrics_text(), content_type=CONTENT_TYPE_LATEST)
