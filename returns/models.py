"""Returns as the platform sees them, the RMAs the warehouse receives, and the timeline that ties them."""

from typing import Any

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


class Instruction(models.TextChoices):
    RESTOCK = "restock", "Restock"
    INSPECT = "inspect", "Inspect"
    QUARANTINE = "quarantine", "Quarantine"
    DISPOSE = "dispose", "Dispose"


class DispositionRule(BaseModel):
    """Match on reason / reason code / outcome / SKU (blank = any) → processing instruction."""

    store = models.ForeignKey("integrations.Store", on_delete=models.CASCADE, related_name="disposition_rules")
    priority = models.PositiveIntegerField(default=100, help_text="Lower runs first; the first match wins.")
    match_reason = models.CharField(max_length=300, blank=True, default="", help_text="Case-insensitive substring.")
    match_reason_code = models.CharField(max_length=100, blank=True, default="")
    match_outcome = models.CharField(max_length=50, blank=True, default="")
    match_sku = models.CharField(max_length=200, blank=True, default="", help_text="Exact SKU or a prefix ending in *.")
    instruction = models.CharField(max_length=20, choices=Instruction)
    note = models.CharField(max_length=300, blank=True, default="", help_text="Extra text for the warehouse.")

    class Meta:
        ordering = ("store__name", "priority", "id")

    def __str__(self) -> str:
        return f"#{self.priority} → {self.instruction}"


class RoutingOutcome(models.TextChoices):
    """What the shopper gets for a line, as routing rules match it (returns/routing_rules.py reads the
    platforms' spellings)."""

    REFUND = "refund", "Refund"
    EXCHANGE = "exchange", "Exchange"
    STORE_CREDIT = "store_credit", "Store credit"


class RoutingRule(BaseModel):
    """A store's rule sending matching return lines to a shipping location, tried in `position` order before
    the built-in steps (platform destination, fulfilling warehouse, default). Each condition is a list of
    values, any of which matches; a rule matches a line when every condition it has does
    (returns/routing_rules.py). Written only through returns/routing_provisioning.py, which keeps the list valid."""

    store = models.ForeignKey("integrations.Store", on_delete=models.CASCADE, related_name="routing_rules")
    position = models.PositiveIntegerField(help_text="1 runs first; the first rule that matches a line wins.")
    name = models.CharField(max_length=100)
    # PROTECT: deleting a location a rule sends returns to is refused with the rule's name (warehouses.provisioning).
    location = models.ForeignKey("warehouses.ShippingLocation", on_delete=models.PROTECT, related_name="routing_rules")
    match_all = models.BooleanField(default=False, help_text="Every line (a catch-all): no rule after it can match.")
    sku_patterns = models.JSONField(default=list, blank=True)
    countries = models.JSONField(default=list, blank=True)
    regions = models.JSONField(default=list, blank=True)
    postal_prefixes = models.JSONField(default=list, blank=True)
    reasons = models.JSONField(default=list, blank=True)
    return_methods = models.JSONField(default=list, blank=True)
    order_tags = models.JSONField(default=list, blank=True)
    outcomes = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ("store__name", "position", "id")
        indexes = [models.Index(fields=("store", "position"), name="routing_rule_store_position")]

    def __str__(self) -> str:
        return f"Rule {self.position} “{self.name}”"


class WarehouseOutcome(models.TextChoices):
    FULLY_RECEIVED = "fully_received", "Everything received in good condition"
    SHORT = "short", "Fewer units than expected"
    EXCESS = "excess", "More units than expected"
    DAMAGED = "damaged", "Damaged or not resellable"
    CANCELLED = "cancelled", "Cancelled at the warehouse"


class PlatformAction(models.TextChoices):
    PROCESS = "process", "Process the return"
    FLAG = "flag", "Flag it with a note"
    IGNORE = "ignore", "Do nothing"


class StatusMapping(BaseModel):
    """Warehouse outcome → what Backhaul does on the returns platform."""

    store = models.ForeignKey("integrations.Store", on_delete=models.CASCADE, related_name="status_mappings")
    outcome = models.CharField(max_length=20, choices=WarehouseOutcome)
    action = models.CharField(max_length=10, choices=PlatformAction)
    note_template = models.CharField(
        max_length=250, blank=True, default="", help_text="Flag note; {summary} is replaced by what arrived."
    )

    class Meta:
        ordering = ("store__name", "outcome")
        constraints = [models.UniqueConstraint(fields=("store", "outcome"), name="uniq_status_mapping_per_store")]

    def __str__(self) -> str:
        return f"{self.outcome} → {self.action}"


class GradeOutcome(models.TextChoices):
    """What becomes of a graded unit, in the returns platform's words (Loop's assess `disposition_outcome`)."""

    BACK_TO_STOCK = "back_to_stock", "Back to stock"
    RESALE_HOLD = "resale_hold", "Held for resale review"
    RECYCLE = "recycle", "Recycled"
    DONATE = "donate", "Donated"
    MISSING = "missing", "Missing"


class GradeWordKind(models.TextChoices):
    CONDITION = "condition", "Condition (what the warehouse found)"
    DISPOSITION = "disposition", "Disposition (what the warehouse did)"


class GradeMapping(BaseModel):
    """A warehouse's grading word → the returns platform's: a condition category and a disposition outcome.

    Per store and warehouse system, like StatusMapping: every store starts from the defaults its warehouse declares
    (integrations/providers/<slug>/declaration.py `grade_words`), filled in by returns/grading.py; a word the
    warehouse sends that no row names gets a row (held for resale review) so it can be changed."""

    store = models.ForeignKey("integrations.Store", on_delete=models.CASCADE, related_name="grade_mappings")
    # The warehouse system's slug in integrations.registry (no database enum, as Return.platform).
    warehouse = models.CharField(max_length=40)
    kind = models.CharField(max_length=12, choices=GradeWordKind)
    word = models.CharField(max_length=100, help_text="The warehouse's own word, compared without case.")
    condition_category = models.CharField(
        max_length=60, blank=True, default="", help_text="The platform's condition category, e.g. grade_a."
    )
    disposition_outcome = models.CharField(
        max_length=20,
        blank=True,
        default="",
        choices=GradeOutcome,
        help_text="Blank: the other word (the disposition, else the condition) decides.",
    )

    class Meta:
        ordering = ("store__name", "warehouse", "kind", "word")
        constraints = [
            models.UniqueConstraint(
                fields=("store", "warehouse", "kind", "word"), name="uniq_grade_mapping_per_store_word"
            )
        ]

    def __str__(self) -> str:
        means = f"{self.condition_category or '-'} / {self.disposition_outcome or '-'}"
        return f"{self.warehouse} {self.kind} {self.word} → {means}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.word = self.word.strip().lower()  # compared without case (returns/grading.py word_key)
        super().save(*args, **kwargs)


class OrphanReceipt(BaseModel):
    """A parcel a warehouse received that matches none of our RMAs (product.md flow 12): kept, matched to a
    return by tracking number, order number or customer email + SKUs when one candidate fits, else listed for a
    person to link or dismiss. Linked, its warehouse event is applied to the RMA like any other (flow 7, once).

    Keyed by what the WMS calls its return (`wms_key`): its later events update this row, or go to the linked RMA.
    """

    class State(models.TextChoices):
        OPEN = "open", "Waiting for a person"
        LINKED = "linked", "Linked to a return"
        DISMISSED = "dismissed", "Dismissed"

    class MatchKey(models.TextChoices):
        TRACKING = "tracking", "tracking number"
        ORDER = "order", "order number"
        EMAIL_SKUS = "email_skus", "customer email and SKUs"
        PERSON = "person", "a person"

    store = models.ForeignKey("integrations.Store", on_delete=models.CASCADE, related_name="orphan_receipts")
    warehouse_connection = models.ForeignKey(
        "integrations.Connection", on_delete=models.PROTECT, related_name="orphan_receipts"
    )
    # "id:<the WMS's id>", or "rma:<the number on the box>" when the WMS sends no id of its own.
    wms_key = models.CharField(max_length=210)
    rma_number = models.CharField(max_length=100, blank=True, default="", help_text="The RMA number the WMS gave.")
    external_id = models.CharField(max_length=200, blank=True, default="", help_text="The WMS's id of its return.")
    status = models.CharField(max_length=20, blank=True, default="", choices=RMA.Status.choices)
    warehouse_status = models.CharField(max_length=60, blank=True, default="")
    warehouse_code = models.CharField(max_length=100, blank=True, default="")
    # What the parcel can be matched by, as the WMS reported it.
    tracking_numbers = models.JSONField(default=list, blank=True)
    order_refs = models.JSONField(default=list, blank=True, help_text="The order as the WMS names it.")
    customer_email = models.CharField(max_length=254, blank=True, default="")
    # What arrived, per SKU: [{"sku", "expected", "received", "restocked"}] (for people; the event has the rest).
    lines = models.JSONField(default=list, blank=True)
    # The latest warehouse event about it, provider-neutral (integrations.inbound.warehouse_event_to_json):
    # what is applied to the RMA once it is linked.
    event = models.JSONField(default=dict, blank=True)
    warehouse_updated_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(null=True, blank=True)
    webhook = models.ForeignKey(
        "integrations.InboundWebhook",
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    state = models.CharField(max_length=12, choices=State.choices, default=State.OPEN)
    # Who could it be: [{"return": id, "rma": id or null, "key": "tracking", "value": "9400…", "why": "..."}].
    candidates = models.JSONField(default=list, blank=True)
    # What the matching or the person decided, in words ("Matched to return #1042 by tracking number 9400…").
    note = models.CharField(max_length=500, blank=True, default="")
    matched_by = models.CharField(max_length=12, blank=True, default="", choices=MatchKey.choices)
    matched_value = models.CharField(max_length=254, blank=True, default="")
    return_obj = models.ForeignKey(
        Return, null=True, blank=True, on_delete=models.SET_NULL, related_name="orphan_receipts"
    )
    rma = models.ForeignKey(RMA, null=True, blank=True, on_delete=models.SET_NULL, related_name="orphan_receipts")
    linked_at = models.DateTimeField(null=True, blank=True)
    linked_by = models.CharField(max_length=150, blank=True, default="")
    dismissed_at = models.DateTimeField(null=True, blank=True)
    dismissed_by = models.CharField(max_length=150, blank=True, default="")
    dismiss_reason = models.CharField(max_length=500, blank=True, default="")

    class Meta:
        ordering = ("-created_at",)
        constraints = [
            models.UniqueConstraint(fields=("warehouse_connection", "wms_key"), name="uniq_orphan_receipt_per_wms_key")
        ]
        indexes = [
            models.Index(fields=("store", "state", "created_at"), name="orphan_store_state"),
            # The overview counts the open ones from this index alone.
            models.Index(fields=("created_at",), name="orphan_open", condition=Q(state="open")),
        ]

    def __str__(self) -> str:
        what = self.rma_number or self.external_id or self.wms_key
        return f"Orphan receipt #{self.pk} ({what})"
