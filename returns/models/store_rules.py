"""A store's rules, each per store with declared defaults: instructions per reason, routing rules, what each
warehouse outcome does on the platform (status mappings), and what the warehouse's grading words mean there."""

from typing import Any

from django.db import models
from django.db.models import Q

from config.models import BaseModel


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
        constraints = [
            # Every rule instructs: the push relies on it (an RMA line without an instruction matched no rule,
            # so it has no rule's note to look up; returns/selectors.rma_payload_build).
            models.CheckConstraint(condition=Q(instruction__in=Instruction.values), name="disposition_rule_instructs"),
        ]

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
