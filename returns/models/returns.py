"""A return as the platform sends it: its lines (what the shopper sends back) and shipments (labels)."""

from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower

from config.models import BaseModel
from integrations.inbound import ReturnMethod
from integrations.models import provider_display_name


class ReturnMethodChoice(models.TextChoices):
    """integrations.inbound.ReturnMethod with words for pages and forms."""

    MAIL = ReturnMethod.MAIL.value, "By mail (a carrier label)"
    HAPPY_RETURNS = ReturnMethod.HAPPY_RETURNS.value, "Happy Returns drop-off"
    DROP_OFF = ReturnMethod.DROP_OFF.value, "Another drop-off point"


class Return(BaseModel):
    class AgingStage(models.TextChoices):
        """Where the return waits, for aging (returns/aging.py): its clock and what overdue means."""

        NONE = "", "Not waiting"
        LABEL = "label", "Label created, no warehouse receipt"
        DELIVERED = "delivered", "Delivered by the carrier, no warehouse receipt"
        RECEIVED = "received", "Received, not closed on the platform"

    class PlatformActionStatus(models.TextChoices):
        """Where telling the platform about the warehouse outcome stands (returns/services/outcomes.py)."""

        UNDECIDED = "", "Not decided (an RMA is unresolved)"
        PROCESS_QUEUED = "process_queued", "Process: queued"
        FLAG_QUEUED = "flag_queued", "Flag with a note: queued"
        PROCESSED = "process", "Processed on the platform"
        FLAGGED = "flag", "Flagged on the platform"
        IGNORED = "ignore", "Nothing sent (status mapping: ignore)"
        RECORDED = "recorded", "Recorded only (automatic mode)"
        FAILED = "failed", "Failed: needs support"

    store = models.ForeignKey("integrations.Store", on_delete=models.CASCADE, related_name="returns")
    connection = models.ForeignKey(
        "integrations.Connection", null=True, blank=True, on_delete=models.SET_NULL, related_name="returns"
    )
    # The returns platform's slug in integrations.registry (no database enum: a new platform needs no migration).
    platform = models.CharField(max_length=40)
    external_id = models.CharField(max_length=100, help_text="The platform's return id.")
    order_name = models.CharField(max_length=100, blank=True, default="", db_index=True)
    order_number = models.CharField(max_length=100, blank=True, default="")
    platform_order_id = models.CharField(max_length=100, blank=True, default="")
    provider_order_id = models.CharField(max_length=100, blank=True, default="", help_text="Shopify order id.")
    customer_email = models.CharField(max_length=254, blank=True, default="")
    customer_name = models.CharField(max_length=200, blank=True, default="")
    state = models.CharField(max_length=30, blank=True, default="", db_index=True)
    currency = models.CharField(max_length=3, blank=True, default="")
    total = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    outcome = models.CharField(max_length=30, blank=True, default="", help_text="refund / exchange / store credit")
    destination_id = models.CharField(max_length=100, blank=True, default="")
    destination_address = models.JSONField(default=dict, blank=True)
    # Where the shopper is, how the parcel travels and the order's tags: what routing rules match besides the lines.
    customer_country_code = models.CharField(max_length=2, blank=True, default="", help_text="ISO 3166-1 alpha-2.")
    customer_region = models.CharField(max_length=100, blank=True, default="")
    customer_postal_code = models.CharField(max_length=20, blank=True, default="")
    order_tags = models.JSONField(default=list, blank=True)
    return_method = models.CharField(max_length=20, blank=True, default="", choices=ReturnMethodChoice.choices)
    # The platform's own edited_at / updatedAt: an older event never overwrites a newer one.
    platform_updated_at = models.DateTimeField(null=True, blank=True)
    platform_created_at = models.DateTimeField(null=True, blank=True)
    is_test = models.BooleanField(default=False)
    # Decided once every RMA is resolved, under the return's row lock; then reported to the platform.
    platform_action = models.CharField(
        max_length=20, blank=True, default=PlatformActionStatus.UNDECIDED, choices=PlatformActionStatus.choices
    )
    platform_action_at = models.DateTimeField(null=True, blank=True)
    # When a task is next due to act on a queued action: its decision, the start of a try, a
    # scheduled retry or the sweeper's re-publish. The sweeper (returns/services/platform_action_sweeps.py)
    # re-publishes a queued action once this is PLATFORM_ACTION_SWEEP_GRACE_SECONDS old.
    platform_action_due_at = models.DateTimeField(null=True, blank=True)
    # The operation whose request is on its way to the platform (committed before it is sent, cleared
    # once its answer or error is known): left set only by a holder that died waiting for the answer,
    # so the next holder knows the request may have landed and does not send it twice.
    platform_action_sending = models.CharField(max_length=40, blank=True, default="")
    # Aging (returns/services/aging.py keeps these, whatever changes the return): where it waits, since
    # when (the label, the carrier's delivery, the warehouse receipt) and when that wait becomes overdue
    # (the store's days later; at once for a delivery). Empty when it waits for nothing (closed, cancelled,
    # no label yet, a live store's test return). Stored, so counting the overdue reads an index only.
    aging_stage = models.CharField(max_length=12, blank=True, default="", choices=AgingStage.choices)
    aging_since = models.DateTimeField(null=True, blank=True)
    aging_due_at = models.DateTimeField(null=True, blank=True)
    # When the store's members were told it is overdue (in the hourly notification); cleared with a new wait.
    aging_notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at",)
        constraints = [
            models.UniqueConstraint(fields=("store", "platform", "external_id"), name="uniq_return_per_platform")
        ]
        indexes = [
            # Aging: the overview counts the overdue by stage from this index alone; a store's pages list its own;
            # the hourly notification reads the ones nobody was told about yet.
            models.Index(
                fields=("aging_due_at", "aging_stage"), name="return_aging_due", condition=Q(aging_due_at__isnull=False)
            ),
            models.Index(
                fields=("store", "aging_due_at"), name="return_store_aging_due", condition=Q(aging_due_at__isnull=False)
            ),
            models.Index(
                fields=("aging_due_at",),
                name="return_aging_unnotified",
                condition=Q(aging_due_at__isnull=False, aging_notified_at__isnull=True),
            ),
            # Orphan receipts are matched by the customer's email (any case) and by the platform's order id.
            models.Index(F("store"), Lower("customer_email"), name="return_store_email"),
            models.Index(
                fields=("store", "provider_order_id"), name="return_store_order_id", condition=~Q(provider_order_id="")
            ),
            # The admin overview (config/overview/selectors.py): platform actions per connection over
            # a window, failed actions, and recent returns still without an RMA.
            models.Index(
                fields=("platform_action_at", "connection", "platform_action"),
                name="return_action_at_conn",
                condition=Q(platform_action_at__isnull=False),
            ),
            models.Index(fields=("created_at",), name="return_action_failed", condition=Q(platform_action="failed")),
            models.Index(fields=("created_at", "state"), name="return_created_state"),
        ]

    def __str__(self) -> str:
        return f"{self.get_platform_display()} return {self.external_id} ({self.order_name})"

    def get_platform_display(self) -> str:
        return provider_display_name(self.platform)


class ReturnLine(BaseModel):
    return_obj = models.ForeignKey(Return, on_delete=models.CASCADE, related_name="lines")
    # Stable within the return: Loop groups its per-unit lines by SKU and reason; Redo uses its item id.
    line_key = models.CharField(max_length=200)
    sku = models.CharField(max_length=200)
    title = models.CharField(max_length=300, blank=True, default="")
    quantity = models.PositiveIntegerField()
    reason = models.CharField(max_length=300, blank=True, default="")
    parent_reason = models.CharField(max_length=300, blank=True, default="")
    reason_code = models.CharField(max_length=100, blank=True, default="")
    customer_comment = models.TextField(blank=True, default="")
    outcome = models.CharField(max_length=50, blank=True, default="")
    external_line_ids = models.JSONField(default=list, blank=True)
    destination_key = models.CharField(max_length=100, blank=True, default="")
    processing_instruction = models.CharField(max_length=20, blank=True, default="")
    # What the warehouse found per unit, recorded once when the return's outcome is decided (returns/grading.py):
    # [{"item_id", "warehouse", "rma", "condition", "disposition" (the WMS's words), "condition_category",
    #   "disposition_outcome" (the store's GradeMappings), "description", "note", "images", "inspected_at",
    #   "platform": {"graded": api_call_id, "assessed": api_call_id, "noted": api_call_id, "error": "..."}}].
    grades = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ("id",)
        constraints = [
            models.UniqueConstraint(fields=("return_obj", "line_key"), name="uniq_line_key_per_return"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="return_line_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.sku}"


class ReturnShipment(BaseModel):
    """A label or parcel of a return."""

    return_obj = models.ForeignKey(Return, on_delete=models.CASCADE, related_name="shipments")
    shipment_key = models.CharField(max_length=200, help_text="Platform shipment id, or the tracking number.")
    carrier = models.CharField(max_length=100, blank=True, default="")
    service = models.CharField(max_length=100, blank=True, default="")
    tracking_number = models.CharField(max_length=100, blank=True, default="", db_index=True)
    status = models.CharField(max_length=40, blank=True, default="")
    label_url = models.URLField(max_length=1000, blank=True, default="")
    line_keys = models.JSONField(default=list, blank=True, help_text="Which lines the parcel carries; empty = all.")
    cancelled = models.BooleanField(default=False)
    # The platform's own id of the label (Loop shipment_id) and its own update time: a label event
    # is matched by that id first, and one older than what we hold changes nothing.
    platform_shipment_id = models.CharField(max_length=100, blank=True, default="", db_index=True)
    label_updated_at = models.DateTimeField(null=True, blank=True)
    # When the carrier first said the parcel was delivered (status "delivered"): it should be at the warehouse.
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("id",)
        constraints = [models.UniqueConstraint(fields=("return_obj", "shipment_key"), name="uniq_shipment_per_return")]

    def __str__(self) -> str:
        return f"{self.carrier} {self.tracking_number}".strip() or self.shipment_key
