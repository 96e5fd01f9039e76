"""The RMAs the warehouses receive (one per warehouse a return's items go to), their lines, numbering, and the
timeline that ties a return, its RMAs and the calls and webhooks behind them."""

from django.db import models
from django.db.models import Q

from config.models import BaseModel
from returns.models.returns import Return, ReturnLine, ReturnShipment


class RMA(BaseModel):
    """What one warehouse receives for one return (and one parcel of it)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending push"
        SUBMITTED = "submitted", "Submitted to the warehouse"
        NEEDS_ATTENTION = "needs_attention", "Needs attention"
        FAILED = "failed", "Failed after retries"
        IN_TRANSIT = "in_transit", "In transit"
        RECEIVING = "receiving", "Receiving"
        RECEIVED = "received", "Received"
        CANCELLED = "cancelled", "Cancelled"

    store = models.ForeignKey("integrations.Store", on_delete=models.CASCADE, related_name="rmas")
    return_obj = models.ForeignKey(Return, on_delete=models.CASCADE, related_name="rmas")
    shipment = models.ForeignKey(ReturnShipment, null=True, blank=True, on_delete=models.SET_NULL, related_name="rmas")
    number = models.CharField(max_length=100)
    order_name = models.CharField(max_length=100, blank=True, default="")
    warehouse_connection = models.ForeignKey("integrations.Connection", on_delete=models.PROTECT, related_name="rmas")
    location = models.ForeignKey(
        "warehouses.ShippingLocation", null=True, blank=True, on_delete=models.SET_NULL, related_name="rmas"
    )
    routing_reason = models.CharField(max_length=200, blank=True, default="")
    # Why it went there, as data (returns/routing.py Route.data, one entry per distinct reason among its lines):
    # {"routes": [{"step": "rule", "rule": {"id", "name", "position"}, "matched": {...}, "skus": [...]}, ...]};
    # returns/routing_words.py says it in words. Empty on RMAs planned before it was recorded.
    routing = models.JSONField(default=dict, blank=True, editable=False)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING, db_index=True)
    external_id = models.CharField(max_length=200, blank=True, default="")
    external_url = models.URLField(max_length=1000, blank=True, default="")
    idempotency_key = models.CharField(max_length=255, unique=True)
    attempts = models.PositiveIntegerField(default=0)
    # When a task is next due to push this pending RMA (its scheduled retry, or the sweeper's
    # re-publish); empty while it is planned or being tried. The sweeper re-publishes a pending
    # RMA only once this and updated_at are both RMA_SWEEP_GRACE_SECONDS old.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")
    submitted_at = models.DateTimeField(null=True, blank=True)
    # When a task is next due to send a tracking update / a cancel to the WMS (queued, being tried, or
    # its scheduled retry); empty when none is owed. The RMA sweep re-publishes a change whose marker is
    # RMA_SWEEP_GRACE_SECONDS old, so one lost with a killed worker is sent all the same.
    tracking_due_at = models.DateTimeField(null=True, blank=True)
    cancel_due_at = models.DateTimeField(null=True, blank=True)
    # The tracking numbers last sent to the WMS, so a label change pushes only real changes.
    pushed_tracking_numbers = models.JSONField(default=list, blank=True)
    # The WMS's own updated_at / event time: an older warehouse event never overwrites a newer one.
    warehouse_updated_at = models.DateTimeField(null=True, blank=True)
    warehouse_status = models.CharField(max_length=60, blank=True, default="")
    outcome = models.CharField(
        max_length=30, blank=True, default="", help_text="fully_received, short, excess, damaged"
    )
    received_at = models.DateTimeField(null=True, blank=True)
    is_test = models.BooleanField(default=False)
    # The webhook that made this RMA due (its return's, or its label's): its arrival starts the clock
    # the overview's "webhook received → RMA created at the warehouse" chart reads. Empty when
    # reconciliation or support planned it. Not editable: no form shows a select of every webhook.
    source_webhook = models.ForeignKey(
        "integrations.InboundWebhook",
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ("-created_at",)
        verbose_name = "RMA"
        constraints = [models.UniqueConstraint(fields=("store", "number"), name="uniq_rma_number_per_store")]
        indexes = [
            models.Index(fields=("status", "created_at"), name="rma_status_created"),
            # The admin overview: pushes per connection over a window, and the time to the warehouse.
            models.Index(fields=("created_at", "warehouse_connection", "status", "attempts"), name="rma_created_conn"),
            models.Index(fields=("submitted_at",), name="rma_submitted", condition=Q(submitted_at__isnull=False)),
            # Every push asks whether an earlier RMA of its order is still pending (rmas/ordering.py):
            # without this it read every pending RMA, 9 ms of PostgreSQL per push with 10,000 queued.
            models.Index(
                fields=("warehouse_connection", "order_name", "id"),
                name="rma_pending_by_order",
                condition=Q(status="pending"),
            ),
        ]

    def __str__(self) -> str:
        return f"RMA {self.number}"


class RMALine(BaseModel):
    rma = models.ForeignKey(RMA, on_delete=models.CASCADE, related_name="lines")
    return_line = models.ForeignKey(
        ReturnLine, null=True, blank=True, on_delete=models.SET_NULL, related_name="rma_lines"
    )
    sku = models.CharField(max_length=200, help_text="The WMS SKU (after SKU mapping).")
    platform_sku = models.CharField(max_length=200, blank=True, default="")
    quantity = models.PositiveIntegerField()
    reason = models.CharField(max_length=300, blank=True, default="")
    processing_instruction = models.CharField(max_length=20, blank=True, default="")
    received_quantity = models.PositiveIntegerField(default=0)
    restocked_quantity = models.PositiveIntegerField(default=0)
    # Per unit: [{"quantity": 1, "condition": "good", "disposition": "restocked"}, ...]
    receiving_details = models.JSONField(default=list, blank=True)
    # The warehouse's grades, as its latest event gave them (integrations.inbound.ItemGrade.to_json, per unit group).
    grades = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ("id",)
        verbose_name = "RMA line"
        constraints = [
            models.UniqueConstraint(fields=("rma", "sku"), name="uniq_sku_per_rma"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="rma_line_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.sku}"


class RmaNumberSequence(BaseModel):
    """The next suffix for an order's RMAs; its row is locked while a number is allocated."""

    store = models.ForeignKey("integrations.Store", on_delete=models.CASCADE, related_name="+")
    order_key = models.CharField(max_length=100)
    allocated = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=("store", "order_key"), name="uniq_rma_sequence")]


class TimelineEvent(BaseModel):
    """Append-only, human-readable history of a return."""

    class Level(models.TextChoices):
        INFO = "info", "Info"
        SUCCESS = "success", "Success"
        WARNING = "warning", "Warning"
        ERROR = "error", "Error"

    return_obj = models.ForeignKey(Return, on_delete=models.CASCADE, related_name="timeline")
    rma = models.ForeignKey(RMA, null=True, blank=True, on_delete=models.SET_NULL, related_name="timeline")
    kind = models.CharField(max_length=60, db_index=True)
    level = models.CharField(max_length=10, choices=Level.choices, default=Level.INFO)
    message = models.CharField(max_length=500)
    data = models.JSONField(default=dict, blank=True)
    webhook = models.ForeignKey(
        "integrations.InboundWebhook", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    api_call = models.ForeignKey(
        "integrations.ApiCall", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ("created_at", "id")
        indexes = [models.Index(fields=("return_obj", "created_at"), name="timeline_return_created")]

    def __str__(self) -> str:
        return self.message
