"""The one check for what a person may set on a connection: its URLs and its provider options.

The REST API and the setup wizard reach it through services/stores.py, the admin's connection
form calls it directly. Under production settings a URL must be public https (url_safety); options
must be the provider's declared ones (registry.get_options_serializer), typed, with any URL in
them checked the same way. Each failure is one line per field, for the person who typed it.
"""

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError

from integrations.url_safety import UnsafeUrl, url_check_safe


def _one_line(errors: Any) -> str:
    if isinstance(errors, Mapping):
        return "; ".join(
            _one_line(value) if key == "non_field_errors" else f"{key}: {_one_line(value)}"
            for key, value in errors.items()
        )
    if isinstance(errors, list | tuple):
        return " ".join(_one_line(item) for item in errors)
    return str(errors)


def connection_settings_validate(*, provider: str, base_url: str | None = None, options: Any = None) -> dict[str, Any]:
    """Check base_url and options (those given) for `provider`; the cleaned values, or ValidationError per field."""
    from integrations.registry import get_options_serializer

    cleaned: dict[str, Any] = {}
    errors: dict[str, str] = {}
    if base_url is not None:
        try:
            cleaned["base_url"] = url_check_safe(url=base_url) if base_url.strip() else ""
        except UnsafeUrl as exc:
            errors["base_url"] = str(exc)
    if options is not None:
        serializer = get_options_serializer(provider)(data=options)
        if serializer.is_valid():
            cleaned["options"] = dict(serializer.validated_data)
        else:
            errors["options"] = _one_line(serializer.errors)
    if errors:
        raise ValidationError(errors)
    return cleaned
