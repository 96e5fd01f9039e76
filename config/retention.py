"""Retention: drop old webhooks and API calls that are done with, keep everything that still matters.

Deleted after settings.RETENTION_DAYS: webhooks that were processed, ignored, duplicates or rejected,
and API calls that succeeded. Sooner, after settings.WEBHOOK_REFUSED_RETENTION_DAYS: requests refused
before they were verified (not a POST, too large, unknown endpoint, bad signature) and the hourly
counts of those refused past their rate limits (integrations/services/refusals.py). Kept regardless
of age: webhooks still received / pending / processing or failed (support may replay them) and
failed API calls. Rows that point at a webhook
or an API call (timeline, fulfilments, redeliveries) use SET_NULL, so deleting is safe.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from integrations.models import ApiCall, InboundWebhook, RefusedWebhookCount

PURGEABLE_WEBHOOK_STATUSES = (
    InboundWebhook.Status.PROCESSED,
    InboundWebhook.Status.IGNORED,
    InboundWebhook.Status.DUPLICATE,
    InboundWebhook.Status.REJECTED,
)
BATCH_SIZE = 1000


@dataclass(frozen=True)
class PurgeResult:
    webhooks: int
    api_calls: int
    refused_counts: int = 0


def _delete_in_batches(queryset: QuerySet) -> int:
    # Small batches keep each transaction (and its locks) short on a busy table.
    deleted = 0
    while True:
        ids = list(queryset.values_list("pk", flat=True)[:BATCH_SIZE])
        if not ids:
            return deleted
        count, per_model = queryset.model.objects.filter(pk__in=ids).delete()
        if not count:  # another process deleted them first
            return deleted
        deleted += per_model.get(queryset.model._meta.label, 0)


def retention_purge(*, now: datetime.datetime | None = None, days: int | None = None) -> PurgeResult:
    """Delete finished webhooks and successful API calls older than the retention period, and refused
    requests (with their counts) older than the shorter one."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=settings.RETENTION_DAYS if days is None else days)
    refused_cutoff = now - datetime.timedelta(days=settings.WEBHOOK_REFUSED_RETENTION_DAYS)
    webhooks = InboundWebhook.objects.filter(created_at__lt=cutoff, status__in=PURGEABLE_WEBHOOK_STATUSES)
    refused = InboundWebhook.objects.filter(
        created_at__lt=refused_cutoff,
        status=InboundWebhook.Status.REJECTED,
        verification=InboundWebhook.Verification.INVALID,
    )
    api_calls = ApiCall.objects.filter(
        Q(created_at__lt=cutoff) & Q(status_code__gte=200, status_code__lt=300) & Q(error_class="")
    )
    return PurgeResult(
        webhooks=_delete_in_batches(refused) + _delete_in_batches(webhooks),
        api_calls=_delete_in_batches(api_calls),
        refused_counts=_delete_in_batches(RefusedWebhookCount.objects.filter(window_start__lt=refused_cutoff)),
    )
