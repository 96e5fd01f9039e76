"""Filter types the API's django-filter FilterSets share: ids, strict booleans, the ?store= filter.

DRF's DjangoFilterBackend validates the query string with a FilterSet and answers a bad value as a
400 in the one error shape (config.api.exception_handler), naming the parameter.
"""

import datetime as dt
from typing import Any

from django import forms
from django_filters import rest_framework as filters
from django_filters.fields import IsoDateTimeField
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.api import MAX_ID


class _IdField(forms.IntegerField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(min_value=1, max_value=MAX_ID, **kwargs)


@extend_schema_field(serializers.IntegerField(min_value=1, max_value=MAX_ID))
class IdFilter(filters.NumberFilter):
    """An object id: 1..MAX_ID (a larger number would overflow the database driver: a 400, not a 500)."""

    field_class = _IdField


class _StrictNullBooleanField(forms.NullBooleanField):
    """true/false in DRF's spellings; empty means "no filter"; anything else is an error, not ignored."""

    def to_python(self, value: Any) -> bool | None:  # type: ignore[override]  # None is "no filter", as in NullBooleanField
        if value in serializers.BooleanField.TRUE_VALUES:
            return True
        if value in serializers.BooleanField.FALSE_VALUES:
            return False
        if value in serializers.BooleanField.NULL_VALUES:
            return None
        raise forms.ValidationError("Must be a valid boolean.", code="invalid")

    def validate(self, value: Any) -> None:
        pass


class StrictBooleanFilter(filters.BooleanFilter):
    field_class = _StrictNullBooleanField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # django-filter's select widgets turn an unknown value into None (no filter) before validation.
        kwargs.setdefault("widget", forms.TextInput)
        super().__init__(*args, **kwargs)


class _UtcDateTimeField(IsoDateTimeField):
    """An ISO 8601 instant, handed to the database in UTC.

    Python accepts offsets up to ±23:59 while PostgreSQL stops at ±15:59, so a legal value such as
    `0103-02-13T20:45:01-20:45` reached the query as is and failed there (a 500). In UTC the offset
    is gone; an instant that has no UTC date (before year 1, after 9999) is a 400."""

    def to_python(self, value: Any) -> dt.datetime | None:
        parsed = super().to_python(value)
        if parsed is None:
            return None
        try:
            return parsed.astimezone(dt.UTC)
        except OverflowError as exc:
            raise forms.ValidationError("Enter a date and time between the years 1 and 9999.", code="invalid") from exc


class UtcDateTimeFilter(filters.IsoDateTimeFilter):
    """?created_after= and the like: ISO 8601, compared in UTC."""

    field_class = _UtcDateTimeField


def text_filter(*, max_length: int, help_text: str = "", **kwargs: Any) -> filters.CharFilter:
    """A text filter whose length limit is enforced (a 400 beyond it) and documented in the schema."""
    documented: dict[str, Any] = {"type": "string", "maxLength": max_length}
    if help_text:
        documented["description"] = help_text
    return extend_schema_field(documented)(filters.CharFilter(max_length=max_length, **kwargs))


class ByStoreFilter(filters.FilterSet):
    """?store=<id> for any store-owned rows."""

    store = IdFilter(field_name="store_id")
