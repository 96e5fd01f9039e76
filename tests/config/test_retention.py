"""Retention deletes finished webhooks and successful API calls past RETENTION_DAYS, and nothing else."""

import datetime as dt
from typing import Any

import pytest

from config.retention import retention_purge
from integrations.models import ApiCall, InboundWebhook, RefusedWebhookCount
from returns.models import TimelineEvent
from tests.factories import InboundWebhookFactory, ReturnFactory

NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)
OLD = NOW - dt.timedelta(days=31)
RECENT = NOW - dt.timedelta(days=29)
S = InboundWebhook.Status


def webhook(status: str, created_at: dt.datetime, **kwargs: Any) -> InboundWebhook:
    row = InboundWebhookFactory(status=status, **kwargs)
    InboundWebhook.objects.filter(pk=row.pk).update(created_at=created_at)
    return row


def api_call(created_at: dt.datetime, status_code: int | None, error_class: str = "") -> ApiCall:
    row = ApiCall.objects.create(
        provider="shipmonk",
        method="POST",
        url="https://api.example.com/x",
        status_code=status_code,
        error_class=error_class,
    )
    ApiCall.objects.filter(pk=row.pk).update(created_at=created_at)
    return row


@pytest.fixture(autouse=True)
def _thirty_days(settings: Any) -> None:
    settings.RETENTION_DAYS = 30
    settings.WEBHOOK_REFUSED_RETENTION_DAYS = 7


@pytest.mark.django_db
@pytest.mark.parametrize("status", [S.PROCESSED, S.IGNORED, S.DUPLICATE, S.REJECTED])
def test_old_finished_webhooks_are_deleted(status: str) -> None:
    row = webhook(status, OLD)
    assert retention_purge(now=NOW).webhooks == 1
    assert not InboundWebhook.objects.filter(pk=row.pk).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("status", [S.RECEIVED, S.PENDING, S.PROCESSING, S.FAILED])
def test_unfinished_or_failed_webhooks_are_kept_however_old(status: str) -> None:
    row = webhook(status, OLD - dt.timedelta(days=365))
    assert retention_purge(now=NOW).webhooks == 0
    assert InboundWebhook.objects.filter(pk=row.pk).exists()


@pytest.mark.django_db
def test_recent_finished_webhooks_are_kept() -> None:
    row = webhook(S.PROCESSED, RECENT)
    retention_purge(now=NOW)
    assert InboundWebhook.objects.filter(pk=row.pk).exists()


@pytest.mark.django_db
def test_successful_old_api_calls_go_failed_ones_stay() -> None:
    gone = api_call(OLD, 201)
    kept = [
        api_call(RECENT, 200),
        api_call(OLD, 500, "ProviderUnavailable"),
        api_call(OLD, 422, "ProviderRejected"),
        api_call(OLD, None, "ProviderTimeout"),
        api_call(OLD, 200, "ProviderRejected"),
    ]
    assert retention_purge(now=NOW).api_calls == 1
    assert not ApiCall.objects.filter(pk=gone.pk).exists()
    assert ApiCall.objects.filter(pk__in=[row.pk for row in kept]).count() == len(kept)


@pytest.mark.django_db
def test_timeline_rows_survive_their_webhook() -> None:
    row = webhook(S.PROCESSED, OLD)
    return_obj = ReturnFactory(store=row.store, connection=row.connection)
    event = TimelineEvent.objects.create(return_obj=return_obj, kind="note", message="Return created", webhook=row)
    retention_purge(now=NOW)
    event.refresh_from_db()
    assert event.webhook_id is None


@pytest.mark.django_db
def test_purges_more_than_one_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("config.retention.BATCH_SIZE", 2)
    for _ in range(5):
        webhook(S.PROCESSED, OLD)
    assert retention_purge(now=NOW).webhooks == 5
    assert not InboundWebhook.objects.exists()


@pytest.mark.django_db
def test_the_task_is_scheduled_and_purges() -> None:
    from config.celery import app
    from config.tasks import retention_purge as task

    assert any(e["task"] == "config.tasks.retention_purge" for e in app.conf.beat_schedule.values())
    webhook(S.IGNORED, dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
    assert task.run() == {"webhooks": 1, "api_calls": 0, "refused_counts": 0}


@pytest.mark.django_db
def test_refused_requests_and_their_counts_go_after_the_shorter_retention() -> None:
    """Requests refused before verification are kept WEBHOOK_REFUSED_RETENTION_DAYS (7 here), not 30 days;
    a verified delivery that was rejected (unreadable: support may replay it) keeps the full 30."""
    eight_days = NOW - dt.timedelta(days=8)
    refused = webhook(S.REJECTED, eight_days, verification=InboundWebhook.Verification.INVALID)
    recent_refusal = webhook(S.REJECTED, NOW - dt.timedelta(days=6), verification=InboundWebhook.Verification.INVALID)
    unreadable = webhook(S.REJECTED, eight_days, verification=InboundWebhook.Verification.VALID)
    old_count, recent_count = (
        RefusedWebhookCount.objects.create(
            window_start=start, endpoint_key="unknown", limited_by="endpoint", count=100, body_bytes=10
        )
        for start in (eight_days, NOW - dt.timedelta(days=6))
    )
    result = retention_purge(now=NOW)
    assert (result.webhooks, result.refused_counts) == (1, 1)
    assert set(InboundWebhook.objects.values_list("pk", flat=True)) == {recent_refusal.pk, unreadable.pk}
    assert not InboundWebhook.objects.filter(pk=refused.pk).exists()
    assert list(RefusedWebhookCount.objects.values_list("pk", flat=True)) == [recent_count.pk]
    assert old_count.pk != recent_count.pk
