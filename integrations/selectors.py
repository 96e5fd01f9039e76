"""Read-side queries for connections and webhooks."""

import datetime as dt

from django.db.models import QuerySet

from integrations.models import InboundWebhook


def webhook_list_pending(*, older_than: dt.datetime | None = None) -> QuerySet[InboundWebhook]:
    """Webhooks waiting for a worker, oldest first."""
    qs = InboundWebhook.objects.filter(status=InboundWebhook.Status.PENDING).select_related("connection", "store")
    if older_than is not None:
        qs = qs.filter(updated_at__lt=older_than)
    return qs.order_by("created_at")


def webhook_list_failed(*, store_id: int | None = None) -> QuerySet[InboundWebhook]:
    """Webhooks whose processing failed (candidates for a replay)."""
    qs = InboundWebhook.objects.filter(status=InboundWebhook.Status.FAILED).select_related("connection", "store")
    if store_id is not None:
        qs = qs.filter(store_id=store_id)
    return qs.order_by("-created_at")
