"""API serializers for returns (with lines, shipments, RMAs and timeline), RMAs and rules."""

from django.utils import timezone
from rest_framework import serializers

from config.api import IdField
from integrations.declarations import Role
from integrations.permissions import UserStoreField
from integrations.registry import provider_choices
from returns.models import RMA, Instruction, OrphanReceipt, PlatformAction, Return, TimelineEvent, WarehouseOutcome


class ReturnLineOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    line_key = serializers.CharField()
    sku = serializers.CharField()
    title = serializers.CharField()
    quantity = serializers.IntegerField()
    reason = serializers.CharField()
    parent_reason = serializers.CharField()
    reason_code = serializers.CharField()
    customer_comment = serializers.CharField()
    outcome = serializers.CharField()
    processing_instruction = serializers.CharField()


class ReturnShipmentOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    shipment_key = serializers.CharField()
    carrier = serializers.CharField()
    service = serializers.CharField()
    tracking_number = serializers.CharField()
    status = serializers.CharField()
    label_url = serializers.CharField()
    line_keys = serializers.ListField(child=serializers.CharField())
    cancelled = serializers.BooleanField()


class RmaLineOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    sku = serializers.CharField()
    platform_sku = serializers.CharField()
    quantity = serializers.IntegerField()
    reason = serializers.CharField()
    processing_instruction = serializers.CharField()
    received_quantity = serializers.IntegerField()
    restocked_quantity = serializers.IntegerField()
    receiving_details = serializers.ListField(child=serializers.DictField(child=serializers.JSONField()))


class RmaOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    store = serializers.IntegerField(source="store_id")
    return_id = serializers.IntegerField(source="return_obj_id")
    shipment = serializers.IntegerField(source="shipment_id", allow_null=True)
    number = serializers.CharField()
    order_name = serializers.CharField()
    warehouse_connection = serializers.IntegerField(source="warehouse_connection_id")
    location = serializers.IntegerField(source="location_id", allow_null=True)
    routing_reason = serializers.CharField()
    status = serializers.ChoiceField(choices=RMA.Status.choices)
    external_id = serializers.CharField()
    external_url = serializers.CharField()
    attempts = serializers.IntegerField()
    last_error = serializers.CharField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    warehouse_status = serializers.CharField()
    outcome = serializers.CharField()
    received_at = serializers.DateTimeField(allow_null=True)
    is_test = serializers.BooleanField()
    lines = RmaLineOutputSerializer(many=True, source="lines.all")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class TimelineEventOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    rma = serializers.IntegerField(source="rma_id", allow_null=True)
    kind = serializers.CharField()
    level = serializers.ChoiceField(choices=TimelineEvent.Level.choices)
    message = serializers.CharField()
    # DRF's metaclass moves declared fields off the class, so Serializer.data (a property) is untouched;
    # the stubs cannot see that.
    data = serializers.DictField(child=serializers.JSONField())  # type: ignore[assignment]
    webhook = serializers.IntegerField(source="webhook_id", allow_null=True)
    api_call = serializers.IntegerField(source="api_call_id", allow_null=True)
    created_at = serializers.DateTimeField()


class ReturnOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    store = serializers.IntegerField(source="store_id")
    connection = serializers.IntegerField(source="connection_id", allow_null=True)
    platform = serializers.ChoiceField(choices=provider_choices(role=Role.RETURNS_PLATFORM))
    external_id = serializers.CharField()
    order_name = serializers.CharField()
    order_number = serializers.CharField()
    platform_order_id = serializers.CharField()
    customer_email = serializers.CharField()
    customer_name = serializers.CharField()
    state = serializers.CharField()
    currency = serializers.CharField()
    total = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    outcome = serializers.CharField()
    is_test = serializers.BooleanField()
    platform_action = serializers.ChoiceField(choices=Return.PlatformActionStatus.choices)
    platform_action_at = serializers.DateTimeField(allow_null=True)
    platform_created_at = serializers.DateTimeField(allow_null=True)
    platform_updated_at = serializers.DateTimeField(allow_null=True)
    aging_stage = serializers.ChoiceField(
        choices=Return.AgingStage.choices, help_text="What the return waits for (empty: nothing)."
    )
    aging_since = serializers.DateTimeField(allow_null=True, help_text="Since when it waits.")
    aging_due_at = serializers.DateTimeField(allow_null=True, help_text="When the wait is (or was) overdue.")
    overdue = serializers.SerializerMethodField(help_text="Overdue now (aging_due_at has passed).")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    def get_overdue(self, obj: Return) -> bool:
        return obj.aging_due_at is not None and obj.aging_due_at <= timezone.now()


class ReturnDetailOutputSerializer(ReturnOutputSerializer):
    lines = ReturnLineOutputSerializer(many=True, source="lines.all")
    shipments = ReturnShipmentOutputSerializer(many=True, source="shipments.all")
    rmas = RmaOutputSerializer(many=True, source="rmas.all")
    timeline = TimelineEventOutputSerializer(many=True, source="timeline.all")


class RmaCancelInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class DispositionRuleUpdateSerializer(serializers.Serializer):
    priority = serializers.IntegerField(min_value=0, max_value=2147483647, required=False)
    match_reason = serializers.CharField(max_length=300, required=False, allow_blank=True)
    match_reason_code = serializers.CharField(max_length=100, required=False, allow_blank=True)
    match_outcome = serializers.CharField(max_length=50, required=False, allow_blank=True)
    match_sku = serializers.CharField(max_length=200, required=False, allow_blank=True)
    instruction = serializers.ChoiceField(choices=Instruction.choices, required=False)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True)


class DispositionRuleCreateSerializer(DispositionRuleUpdateSerializer):
    store = UserStoreField()
    instruction = serializers.ChoiceField(choices=Instruction.choices)


class DispositionRuleOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    store = serializers.IntegerField(source="store_id")
    priority = serializers.IntegerField()
    match_reason = serializers.CharField()
    match_reason_code = serializers.CharField()
    match_outcome = serializers.CharField()
    match_sku = serializers.CharField()
    instruction = serializers.ChoiceField(choices=Instruction.choices)
    note = serializers.CharField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class StatusMappingUpdateSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=WarehouseOutcome.choices, required=False)
    action = serializers.ChoiceField(choices=PlatformAction.choices, required=False)
    note_template = serializers.CharField(max_length=250, required=False, allow_blank=True)


class StatusMappingCreateSerializer(StatusMappingUpdateSerializer):
    store = UserStoreField()
    outcome = serializers.ChoiceField(choices=WarehouseOutcome.choices)
    action = serializers.ChoiceField(choices=PlatformAction.choices)


class StatusMappingOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    store = serializers.IntegerField(source="store_id")
    outcome = serializers.ChoiceField(choices=WarehouseOutcome.choices)
    action = serializers.ChoiceField(choices=PlatformAction.choices)
    note_template = serializers.CharField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class OrphanCandidateSerializer(serializers.Serializer):
    """A return the matching found for a receipt (rma: what the receipt would be applied to; null: it cannot be)."""

    return_id = serializers.IntegerField(source="return")
    order_name = serializers.CharField()
    rma = serializers.IntegerField(allow_null=True)
    rma_number = serializers.CharField()
    key = serializers.ChoiceField(choices=OrphanReceipt.MatchKey.choices)
    value = serializers.CharField()
    why = serializers.CharField(help_text="Why it cannot be linked (empty: it can).")


class OrphanLineSerializer(serializers.Serializer):
    sku = serializers.CharField()
    expected = serializers.IntegerField(allow_null=True)
    received = serializers.IntegerField(allow_null=True)
    restocked = serializers.IntegerField(allow_null=True)


class OrphanReceiptOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    store = serializers.IntegerField(source="store_id")
    warehouse_connection = serializers.IntegerField(source="warehouse_connection_id")
    state = serializers.ChoiceField(choices=OrphanReceipt.State.choices)
    external_id = serializers.CharField(help_text="The warehouse's id of its return.")
    rma_number = serializers.CharField(help_text="The RMA number the warehouse gave (none of ours).")
    status = serializers.CharField()
    warehouse_status = serializers.CharField()
    warehouse_code = serializers.CharField()
    tracking_numbers = serializers.ListField(child=serializers.CharField())
    order_refs = serializers.ListField(child=serializers.CharField())
    customer_email = serializers.CharField()
    lines = OrphanLineSerializer(many=True)
    note = serializers.CharField(help_text="What the matching or a person decided, in words.")
    candidates = OrphanCandidateSerializer(many=True)
    matched_by = serializers.CharField(help_text="tracking, order, email_skus, person; empty while not linked.")
    matched_value = serializers.CharField()
    return_id = serializers.IntegerField(source="return_obj_id", allow_null=True)
    rma = serializers.IntegerField(source="rma_id", allow_null=True)
    linked_at = serializers.DateTimeField(allow_null=True)
    linked_by = serializers.CharField()
    dismissed_at = serializers.DateTimeField(allow_null=True)
    dismissed_by = serializers.CharField()
    dismiss_reason = serializers.CharField()
    webhook = serializers.IntegerField(source="webhook_id", allow_null=True)
    warehouse_updated_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class OrphanReceiptLinkInputSerializer(serializers.Serializer):
    return_id = IdField(help_text="The return of the receipt's store it belongs to.")
    rma = IdField(
        required=False, help_text="Which of the return's RMAs at that warehouse (needed when it has several waiting)."
    )


class OrphanReceiptDismissInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, help_text="Why it belongs to no return (kept with it).")
