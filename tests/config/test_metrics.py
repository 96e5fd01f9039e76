"""/metrics: not public, counted where things happen, and agreeing with the support overview."""

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.test import Client
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families
from pytest_httpserver import HTTPServer

from config.metrics_endpoint import metrics_text
from config.overview.counters import overview_counters
from integrations.models import InboundWebhook
from returns.models import RMA
from tests.conftest import load_fixture
from tests.factories import ConnectionFactory, InboundWebhookFactory, RMAFactory
from tests.integrations.webhooks.conftest import post_webhook

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
TOKEN = "metrics-token-for-the-scraper-0042"


@pytest.fixture(autouse=True)
def _token(settings: Any) -> None:
    settings.METRICS_TOKEN = TOKEN
    cache.clear()  # the overview's numbers are cached; each test reads its own


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def _value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_strangers_get_nothing_and_a_wrong_token_is_refused(client: Client, django_user_model: Any) -> None:
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 403
    merchant = django_user_model.objects.create_user("mia", password="x")
    client.force_login(merchant)
    assert client.get("/metrics").status_code == 404


def test_the_scraper_and_staff_read_it(client: Client) -> None:
    scraped = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert scraped.status_code == 200
    assert scraped["Content-Type"].startswith("text/plain; version=")  # Prometheus's text exposition format
    assert "backhaul_broker_up" in scraped.content.decode()
    client.force_login(get_user_model().objects.create_user("support", password="x", is_staff=True))
    assert client.get("/metrics").status_code == 200


def test_a_webhook_is_counted_by_provider_and_outcome(client: Client) -> None:
    connection = ConnectionFactory(provider="loop")
    body = load_fixture("loop", "return_created")
    before = _value("backhaul_webhooks_received_total", provider="loop", outcome="accepted")
    unverified = _value("backhaul_webhooks_received_total", provider="loop", outcome="unverified")
    assert post_webhook(client, connection, body).status_code == 202
    assert post_webhook(client, connection, body, headers={"X-Loop-Signature": "forged"}).status_code == 401
    assert _value("backhaul_webhooks_received_total", provider="loop", outcome="accepted") == before + 1
    assert _value("backhaul_webhooks_received_total", provider="loop", outcome="unverified") == unverified + 1
    # A slug no provider has is "unknown": a stranger cannot grow the labels.
    unknown = _value("backhaul_webhooks_received_total", provider="unknown", outcome="unknown_endpoint")
    client.post("/webhooks/made-up-provider/x/", data=b"{}", content_type="application/json")
    assert _value("backhaul_webhooks_received_total", provider="made-up-provider", outcome="unknown_endpoint") == 0
    assert _value("backhaul_webhooks_received_total", provider="unknown", outcome="unknown_endpoint") == unknown + 1


def test_provider_answers_are_counted_by_status_and_by_what_kept_one_from_coming(httpserver: HTTPServer) -> None:
    from integrations.exceptions import ProviderUnavailable
    from integrations.providers.shipmonk import ShipMonkClient

    httpserver.expect_request("/v1/integrations/warehouses").respond_with_json({"message": "down"}, status=503)
    before = _value("backhaul_provider_answers_total", provider="shipmonk", answer="503")
    client = ShipMonkClient(api_key="k-0001", base_url=httpserver.url_for("").rstrip("/"))
    with pytest.raises(ProviderUnavailable):
        client.warehouses_list()
    assert _value("backhaul_provider_answers_total", provider="shipmonk", answer="503") == before + 1


def test_a_push_counts_its_result_and_the_time_from_its_webhook(httpserver: HTTPServer) -> None:
    import datetime as dt

    from django.utils import timezone

    from returns.services.rmas.push import rma_push
    from returns.services.rmas.triggers import rmas_on_return_changed
    from tests.returns.rmas.conftest import make_location, make_return, make_store, make_warehouse, shipmonk_ok

    httpserver.expect_request("/v1/integrations/returns", method="POST").respond_with_response(shipmonk_ok())
    store = make_store()
    wms = make_warehouse(store, httpserver)
    make_location(store, wms, name="Ontario", wms_warehouse_code="CA1", is_default=True)
    rmas_on_return_changed(return_obj=make_return(store), change="created")
    webhook = InboundWebhookFactory()
    InboundWebhook.objects.filter(pk=webhook.pk).update(created_at=timezone.now() - dt.timedelta(seconds=2))
    rma = RMA.objects.get()
    RMA.objects.filter(pk=rma.pk).update(source_webhook=webhook)
    pushed = _value("backhaul_rma_pushes_total", provider="shipmonk", result="submitted")
    timed = _value("backhaul_webhook_to_rma_seconds_count", provider="shipmonk")
    under_a_second = _value("backhaul_webhook_to_rma_seconds_bucket", provider="shipmonk", le="1.0")
    assert rma_push(rma_id=rma.pk).detail == "submitted"
    assert _value("backhaul_rma_pushes_total", provider="shipmonk", result="submitted") == pushed + 1
    assert _value("backhaul_webhook_to_rma_seconds_count", provider="shipmonk") == timed + 1
    # Two seconds after its webhook: counted over a second, not under.
    assert _value("backhaul_webhook_to_rma_seconds_bucket", provider="shipmonk", le="1.0") == under_a_second


def test_the_overview_and_metrics_agree(client: Client) -> None:
    """The same counters, read independently: what the admin's first page shows is what Prometheus scrapes."""
    RMAFactory(status=RMA.Status.NEEDS_ATTENTION)
    RMAFactory(status=RMA.Status.FAILED)
    InboundWebhookFactory(status=InboundWebhook.Status.FAILED)
    from django.utils import timezone

    expected = {counter.key: counter.count for counter in overview_counters(now=timezone.now())}
    assert any(expected.values())
    scraped = _samples(client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).content.decode())
    assert {key: scraped[("backhaul_attention", (("counter", key),))] for key in expected} == expected
    assert scraped[("backhaul_connections", (("provider", "shipmonk"), ("status", "active")))] >= 1


def test_the_queues_depth_is_read_from_the_broker() -> None:
    samples = _samples(metrics_text().decode())
    assert samples[("backhaul_broker_up", ())] == 1
    assert {labels for name, labels in samples if name == "backhaul_queue_messages"} >= {
        (("queue", "webhooks"),),
        (("queue", "rmas"),),
        (("queue", "sync"),),
    }


def test_a_queue_no_worker_declared_yet_reads_as_empty_not_as_a_broker_down() -> None:
    """A broker just emptied (or started) has no queue until a worker or a publish declares it."""
    from config.celery import app

    with app.connection_for_write() as connection:
        connection.default_channel.queue_delete("sync")
    samples = _samples(metrics_text().decode())
    assert samples[("backhaul_broker_up", ())] == 1
    assert samples[("backhaul_queue_messages", (("queue", "sync"),))] == 0


def test_several_processes_add_up_in_multiprocess_mode(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Gunicorn's and Celery's processes each write their values; a scrape adds them up."""
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "config.django.test"}
    code = "from config import metrics; metrics.rma_pushes.labels('shipbob-x', 'submitted').inc({n})"
    for n in (2, 3):  # two processes, as two workers would
        subprocess.run(  # noqa: S603 - our own interpreter running a fixed snippet
            [sys.executable, "-c", code.format(n=n)], cwd=ROOT, env=env, check=True, timeout=60
        )
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    samples = _samples(metrics_text().decode())
    assert samples[("backhaul_rma_pushes_total", (("provider", "shipbob-x"), ("result", "submitted")))] == 5
