"""API serializers for returns (with lines, shipments, RMAs and timeline), RMAs and rules."""

from rest_framework import serializers

from integrations.declarations import Role
from integrations.permissions import UserStoreField
from integrations.registry import provider_choices
from returns.models import RMA, Instruction, PlatformAction, Return, TimelineEvent, WarehouseOutcome


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
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


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
