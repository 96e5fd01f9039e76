"""The API's query filters for returns and RMAs (django-filter FilterSets)."""

from django.db.models import QuerySet
from django_filters import rest_framework as filters

from config.filters import IdFilter, UtcDateTimeFilter, text_filter
from integrations.declarations import Role
from integrations.registry import provider_choices
from returns.models import RMA, Return


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

    class Meta:
        model = Return
        fields = ("store", "platform", "order_name", "state", "platform_action", "created_after", "created_before")

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
