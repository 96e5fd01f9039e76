"""Parcels a warehouse received that match none of our RMAs, kept until matched, linked or dismissed."""

from django.db import models
from django.db.models import Q

from config.models import BaseModel
from returns.models.returns import Return
from returns.models.rmas import RMA


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
