"""What may be set in Connection.options: one DRF serializer per provider, declared in the provider's
folder (providers/<slug>/options.py) and read through the registry (get_options_serializer).

Unknown keys are refused and types checked, so a typo fails where it is typed instead of in a
worker. A URL among the options passes the same check as Connection.base_url (url_safety).
Security state (rotation windows) and internal caches are never options: they are model fields
or cache entries that no form or API writes.
"""

from collections.abc import Mapping
from typing import Any

from limits import parse
from rest_framework import serializers

from integrations.url_safety import UnsafeUrl, url_check_safe


class ProviderUrlField(serializers.CharField):
    """A provider URL we will send credentials to: checked like Connection.base_url; blank means the default."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 200)
        kwargs.setdefault("allow_blank", True)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        if not value:
            return ""
        try:
            return url_check_safe(url=value)
        except UnsafeUrl as exc:
            raise serializers.ValidationError(str(exc)) from exc


class RateLimitField(serializers.CharField):
    """A `limits` rate such as "10/second" or "600/minute"."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 40)
        kwargs.setdefault("allow_blank", True)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        if not value:
            return ""
        try:
            parse(value)
        except ValueError as exc:
            raise serializers.ValidationError('Use a rate such as "10/second" or "600/minute".') from exc
        return value


class ConnectionOptions(serializers.Serializer):
    """The options every provider takes; a provider's own serializer adds its fields."""

    rate_limit = RateLimitField(
        required=False, help_text="Outbound requests allowed for this connection, such as 10/second."
    )

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, Mapping):
            raise serializers.ValidationError({"non_field_errors": ["Options must be a JSON object."]})
        unknown = sorted(str(key) for key in data if key not in self.fields)
        if unknown:
            allowed = ", ".join(sorted(self.fields)) or "none"
            raise serializers.ValidationError({key: [f"Unknown option (allowed: {allowed})."] for key in unknown})
        return super().to_internal_value(data)
