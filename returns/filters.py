"""The API's query filters for returns and RMAs (django-filter FilterSets)."""

from django.db.models import QuerySet
from django.utils import timezone
from django_filters import rest_framework as filters

from config.filters import IdFilter, UtcDateTimeFilter, text_filter
from integrations.declarations import Role
from integrations.registry import provider_choices
from returns.models import RMA, OrphanReceipt, Return
from returns.selectors import overdue_q


class ReturnFilter(filters.FilterSet):
    store = IdFilter(field_name="store_id")
    platform = filters.ChoiceFilter(choices=lambda: provider_choices(role=Role.RETURNS_PLATFORM))
    order_name = text_filter(method="filter_order_name", max_length=100, help_text="Exact; a leading # is optional.")
    state = text_filter(max_length=30)
    platform_action = filters.ChoiceFilter(
        choices=Return.PlatformActionStatus.choices,
        help_text="Where telling the platform stands; `failed` lists what support must look at.",
    )
    created_after = UtcDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = UtcDateTimeFilter(field_name="created_at", lookup_expr="lt")
    aging = filters.ChoiceFilter(
        choices=[
            ("overdue", "Overdue, whatever it waits for"),
            ("arrival", "Overdue: delivered or its label N days old, no warehouse receipt"),
            ("close", "Overdue: received M days ago, not closed on the platform"),
        ],
        method="filter_aging",
        help_text="Overdue returns (the store's N and M days): `overdue`, `arrival` or `close`.",
    )

    class Meta:
        model = Return
        fields = (
            "store",
            "platform",
            "order_name",
            "state",
            "platform_action",
            "created_after",
            "created_before",
            "aging",
        )

    def filter_aging(self, queryset: QuerySet[Return], name: str, value: str) -> QuerySet[Return]:
        return queryset.filter(overdue_q(now=timezone.now(), kind="any" if value == "overdue" else value))

    def filter_order_name(self, queryset: QuerySet[Return], name: str, value: str) -> QuerySet[Return]:
        # Platforms store "#1001" or "1001": match both spellings.
        bare = value.lstrip("#")
        return queryset.filter(order_name__in=[bare, f"#{bare}"])


class RmaFilter(filters.FilterSet):
    store = IdFilter(field_name="store_id")
    return_id = IdFilter(field_name="return_obj_id")
    status = filters.ChoiceFilter(choices=RMA.Status.choices)
    number = text_filter(max_length=100)

    class Meta:
        model = RMA
        fields = ("store", "return_id", "status", "number")


class OrphanReceiptFilter(filters.FilterSet):
    store = IdFilter(field_name="store_id")
    warehouse_connection = IdFilter(field_name="warehouse_connection_id")
    state = filters.ChoiceFilter(choices=OrphanReceipt.State.choices, help_text="`open`: waiting for a person.")

    class Meta:
        model = OrphanReceipt
        fields = ("store", "warehouse_connection", "state")
