"""API serializers for returns (with lines, shipments, RMAs and timeline), RMAs and rules."""

from django.utils import timezone
from rest_framework import serializers

from config.api import IdField
from integrations.declarations import Role
from integrations.permissions import UserStoreField
from integrations.registry import provider_choices
from returns.models import (
    RMA,
    GradeOutcome,
    GradeWordKind,
    Instruction,
    OrphanReceipt,
    PlatformAction,
    Return,
    ReturnMethodChoice,
    RoutingOutcome,
    TimelineEvent,
    WarehouseOutcome,
)
from returns.routing_dry_run import DEFAULT_LIMIT, MAX_LIMIT
from returns.routing_provisioning import MAX_RULES
from returns.routing_rules import MAX_VALUE_LENGTH, MAX_VALUES, rule_conditions_words
from returns.routing_words import routing_sentence


class GradePlatformSerializer(serializers.Serializer):
    """What of the grade reached the returns platform: the ApiCall of each step, or why it did not."""

    graded = serializers.IntegerField(required=False, help_text="ApiCall id of the grade call.")
    assessed = serializers.IntegerField(required=False, help_text="ApiCall id of the assess call.")
    noted = serializers.IntegerField(required=False, help_text="ApiCall id of the note (Redo).")
    error = serializers.CharField(required=False, help_text="Why it did not reach the platform.")


class UnitGradeSerializer(serializers.Serializer):
    """One unit as the warehouse graded it (read-only): its words, the platform's, and what reached the platform."""

    item_id = serializers.CharField(help_text="The platform's item id (Loop line_item_id).")
    warehouse = serializers.CharField(required=False, help_text="The warehouse system's slug.")
    rma = serializers.CharField(required=False, help_text="The RMA number it arrived under.")
    condition = serializers.CharField(required=False, allow_null=True, help_text="The warehouse's own word.")
    disposition = serializers.CharField(required=False, allow_null=True, help_text="The warehouse's own word.")
    missing = serializers.BooleanField(required=False, help_text="Expected, not in the parcel.")
    condition_category = serializers.CharField(required=False)
    disposition_outcome = serializers.ChoiceField(choices=GradeOutcome.choices, required=False)
    description = serializers.CharField(required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_null=True)
    images = serializers.ListField(child=serializers.CharField(), required=False, allow_null=True)
    inspected_at = serializers.CharField(required=False, allow_null=True)
    platform = GradePlatformSerializer(required=False)


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
    grades = UnitGradeSerializer(many=True, read_only=True, help_text="Per unit, what the warehouse found.")


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
    routing = serializers.DictField(child=serializers.JSONField(), help_text="Why it went there, as data.")
    routing_sentence = serializers.SerializerMethodField(help_text="Why it went there, in words.")
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

    def get_routing_sentence(self, rma: RMA) -> str:
        return routing_sentence(reason=rma.routing_reason, routing=rma.routing)


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
    customer_country_code = serializers.CharField()
    customer_region = serializers.CharField()
    customer_postal_code = serializers.CharField()
    order_tags = serializers.ListField(child=serializers.CharField())
    return_method = serializers.CharField(help_text="mail, happy_returns, drop_off, or empty when not known.")
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


WAREHOUSE_CHOICES = provider_choices(role=Role.WAREHOUSE)


class GradeMappingUpdateSerializer(serializers.Serializer):
    warehouse = serializers.ChoiceField(choices=WAREHOUSE_CHOICES, required=False)
    kind = serializers.ChoiceField(choices=GradeWordKind.choices, required=False)
    word = serializers.CharField(max_length=100, required=False)
    condition_category = serializers.CharField(max_length=60, required=False, allow_blank=True)
    disposition_outcome = serializers.ChoiceField(choices=GradeOutcome.choices, required=False, allow_blank=True)


class GradeMappingCreateSerializer(GradeMappingUpdateSerializer):
    store = UserStoreField()
    warehouse = serializers.ChoiceField(choices=WAREHOUSE_CHOICES)
    kind = serializers.ChoiceField(choices=GradeWordKind.choices)
    word = serializers.CharField(max_length=100)


class GradeMappingOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    store = serializers.IntegerField(source="store_id")
    warehouse = serializers.CharField()
    kind = serializers.ChoiceField(choices=GradeWordKind.choices)
    word = serializers.CharField()
    condition_category = serializers.CharField()
    disposition_outcome = serializers.CharField()
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


def _values(help_text: str, child: serializers.Field | None = None) -> serializers.ListField:
    return serializers.ListField(
        child=child or serializers.CharField(max_length=MAX_VALUE_LENGTH, allow_blank=True),
        max_length=MAX_VALUES,
        required=False,
        help_text=help_text,
    )


class RoutingRuleDraftSerializer(serializers.Serializer):
    """A routing rule's fields: a name, the location it sends lines to and its conditions (each a list, any
    value of which matches; every condition given must match). Refusals name the rule."""

    name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    location = serializers.IntegerField(min_value=1, required=False, help_text="A shipping location of the store.")
    match_all = serializers.BooleanField(required=False, help_text="A catch-all: every line (no condition).")
    sku_patterns = _values("Shell-style wildcards over the platform SKU, without case: TEE-*, CAP-??-RED.")
    countries = _values("The customer's country, ISO 3166-1 alpha-2: US, CA.")
    regions = _values("The customer's region: a code or a name (NV or Nevada).")
    postal_prefixes = _values("The start of the customer's postal code (spaces and case ignored).")
    reasons = _values("A return reason code, or words of the reason.")
    return_methods = _values("How the parcel comes back.", serializers.ChoiceField(choices=ReturnMethodChoice.choices))
    order_tags = _values("A tag of the original order.")
    outcomes = _values("What the shopper gets.", serializers.ChoiceField(choices=RoutingOutcome.choices))


class RoutingRuleUpdateSerializer(RoutingRuleDraftSerializer):
    position = serializers.IntegerField(
        min_value=1, max_value=10_000, required=False, help_text="1 runs first; the others move to make room."
    )


class RoutingRuleCreateSerializer(RoutingRuleUpdateSerializer):
    store = UserStoreField()
    name = serializers.CharField(max_length=100)
    location = serializers.IntegerField(min_value=1, help_text="A shipping location of the store.")


class RoutingRuleOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    store = serializers.IntegerField(source="store_id")
    position = serializers.IntegerField()
    name = serializers.CharField()
    location = serializers.IntegerField(source="location_id")
    location_name = serializers.CharField(source="location.name")
    match_all = serializers.BooleanField()
    sku_patterns = serializers.ListField(child=serializers.CharField())
    countries = serializers.ListField(child=serializers.CharField())
    regions = serializers.ListField(child=serializers.CharField())
    postal_prefixes = serializers.ListField(child=serializers.CharField())
    reasons = serializers.ListField(child=serializers.CharField())
    return_methods = serializers.ListField(child=serializers.ChoiceField(choices=ReturnMethodChoice.choices))
    order_tags = serializers.ListField(child=serializers.CharField())
    outcomes = serializers.ListField(child=serializers.ChoiceField(choices=RoutingOutcome.choices))
    conditions = serializers.SerializerMethodField(help_text="The conditions in words.")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    def get_conditions(self, rule: object) -> str:
        return rule_conditions_words(rule)  # type: ignore[arg-type]


class RoutingDryRunInputSerializer(serializers.Serializer):
    rules = serializers.ListField(
        child=RoutingRuleDraftSerializer(),
        max_length=MAX_RULES,
        help_text="Draft rules in the order they would run (not saved); [] replays the built-in steps alone.",
    )
    limit = serializers.IntegerField(
        min_value=1, max_value=MAX_LIMIT, default=DEFAULT_LIMIT, help_text="How many of the latest returns."
    )


class RoutingDryRunQuerySerializer(serializers.Serializer):
    limit = serializers.IntegerField(min_value=1, max_value=MAX_LIMIT, default=DEFAULT_LIMIT)


class DryRunDestinationSerializer(serializers.Serializer):
    location = serializers.IntegerField(source="location_id", allow_null=True)
    location_name = serializers.CharField(source="location")
    warehouse = serializers.CharField()
    reason = serializers.CharField()
    rule = serializers.CharField(help_text="The routing rule that sent it there, empty for a built-in step.")


class DryRunChangeSerializer(serializers.Serializer):
    return_id = serializers.IntegerField()
    external_id = serializers.CharField()
    platform = serializers.CharField()
    order_name = serializers.CharField()
    line_id = serializers.IntegerField()
    sku = serializers.CharField()
    quantity = serializers.IntegerField()
    before = DryRunDestinationSerializer(help_text="Where it went (its RMA), or would go today.")
    after = DryRunDestinationSerializer(help_text="Where the rules would send it.")


class DryRunWarehouseSerializer(serializers.Serializer):
    location = serializers.IntegerField(source="location_id")
    location_name = serializers.CharField(source="location")
    warehouse = serializers.CharField()
    rmas_before = serializers.IntegerField(source="before")
    rmas_after = serializers.IntegerField(source="after")


class DryRunRuleSerializer(serializers.Serializer):
    position = serializers.IntegerField()
    rule = serializers.CharField(source="label", help_text="The rule, by position and name.")
    lines = serializers.IntegerField(help_text="Lines this rule would take.")


class RoutingDryRunOutputSerializer(serializers.Serializer):
    limit = serializers.IntegerField()
    returns = serializers.IntegerField()
    lines = serializers.IntegerField()
    rmas_before = serializers.IntegerField()
    rmas_after = serializers.IntegerField()
    unrouted_before = serializers.IntegerField()
    unrouted_after = serializers.IntegerField()
    not_looked_up = serializers.IntegerField(
        help_text="Lines whose built-in steps needed the order looked up in the WMS: the dry run asks no WMS."
    )
    changes = DryRunChangeSerializer(many=True, help_text="The lines that would go to another warehouse.")
    warehouses = DryRunWarehouseSerializer(many=True)
    rules = DryRunRuleSerializer(many=True)
