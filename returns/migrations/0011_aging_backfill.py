"""Aging for the returns that were already waiting when aging arrived (their wait is otherwise set by the next
change). Self-contained: the rule as it stood when this migration was written (returns/aging.py)."""

import datetime as dt

from django.db import migrations

CLOSED = {"closed", "complete", "completed", "expired", "cancelled", "canceled", "deleted", "rejected"}
RECEIPT = {"receiving", "received"}
LOOKBACK_DAYS = 180
BATCH = 500


def _earliest(values):
    return min((v for v in values if v is not None), default=None)


def backfill(apps, schema_editor):
    Return = apps.get_model("returns", "Return")
    RMA = apps.get_model("returns", "RMA")
    ReturnShipment = apps.get_model("returns", "ReturnShipment")
    since = dt.datetime.now(dt.UTC) - dt.timedelta(days=LOOKBACK_DAYS)
    waiting = (
        Return.objects.filter(created_at__gte=since, is_test=False, aging_stage="")
        .exclude(state__in=CLOSED)
        .exclude(platform_action="process")
        .select_related("store")
        .order_by("pk")
    )
    last = 0
    while True:
        batch = list(waiting.filter(pk__gt=last)[:BATCH])
        if not batch:
            return
        last = batch[-1].pk
        ids = [r.pk for r in batch]
        receipts = {}
        for return_id, status, received_at, warehouse_at, updated_at in RMA.objects.filter(
            return_obj_id__in=ids
        ).values_list("return_obj_id", "status", "received_at", "warehouse_updated_at", "updated_at"):
            if status in RECEIPT:
                at = received_at or warehouse_at or updated_at
                receipts[return_id] = min(at, receipts.get(return_id, at))
        labels = {}
        delivered = {}
        for return_id, created_at, delivered_at, status, updated_at in (
            ReturnShipment.objects.filter(return_obj_id__in=ids, cancelled=False)
            .exclude(tracking_number="", label_url="")
            .values_list("return_obj_id", "created_at", "delivered_at", "status", "updated_at")
        ):
            labels[return_id] = _earliest([labels.get(return_id), created_at])
            if delivered_at or status.strip().lower() == "delivered":
                delivered[return_id] = _earliest([delivered.get(return_id), delivered_at or updated_at])
        for return_obj in batch:
            store = return_obj.store
            if return_obj.pk in receipts:
                stage, start = "received", receipts[return_obj.pk]
                due = start + dt.timedelta(days=store.aging_close_days)
            elif return_obj.pk in delivered:
                stage, start = "delivered", delivered[return_obj.pk]
                due = start
            elif return_obj.pk in labels:
                stage, start = "label", labels[return_obj.pk]
                due = start + dt.timedelta(days=store.aging_arrival_days)
            else:
                continue
            Return.objects.filter(pk=return_obj.pk).update(aging_stage=stage, aging_since=start, aging_due_at=due)


class Migration(migrations.Migration):
    dependencies = [
        ("returns", "0010_aging_and_orphans"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True)]
