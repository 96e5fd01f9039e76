"""The API's query filters for stores, connections and inbound webhooks (django-filter FilterSets)."""

from django.db.models import Q, QuerySet
from django_filters import rest_framework as filters

from config.filters import IdFilter, StrictBooleanFilter, UtcDateTimeFilter, text_filter
from integrations.models import Connection, InboundWebhook, Store
from integrations.registry import provider_choices


class StoreFilter(filters.FilterSet):
    is_active = StrictBooleanFilter()
    search = text_filter(method="filter_search", max_length=200, help_text="Part of the name or slug.")

    class Meta:
        model = Store
        fields = ("is_active", "search")

    def filter_search(self, queryset: QuerySet[Store], name: str, value: str) -> QuerySet[Store]:
        return queryset.filter(Q(name__icontains=value) | Q(slug__icontains=value))


class ConnectionFilter(filters.FilterSet):
    store = IdFilter(field_name="store_id")
    provider = filters.ChoiceFilter(choices=provider_choices)
    role = filters.ChoiceFilter(choices=Connection.Role.choices)
    status = filters.ChoiceFilter(choices=Connection.Status.choices)

    class Meta:
        model = Connection
        fields = ("store", "provider", "role", "status")


class WebhookFilter(filters.FilterSet):
    store = IdFilter(field_name="store_id")
    connection = IdFilter(field_name="connection_id")
    provider = filters.ChoiceFilter(choices=provider_choices)
    status = filters.ChoiceFilter(choices=InboundWebhook.Status.choices)
    event_type = text_filter(max_length=120)
    created_after = UtcDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = UtcDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = InboundWebhook
        fields = ("store", "connection", "provider", "status", "event_type", "created_after", "created_before")
