"""Redaction of secrets by key name, shared by the log pipeline, the ApiCall log and Sentry."""

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sentry_sdk.types import Event, Hint
    from structlog.typing import EventDict, WrappedLogger

SECRET_KEY_PARTS = (
    "authorization",
    "api_key",
    "api-key",
    "apikey",
    "secret",
    "token",
    "password",
    "signature",
    "cookie",
    "x-authorization",
)
REDACTED = "[redacted]"


def is_secret_key(key: str) -> bool:
    lowered = key.lower()
    return any(part in lowered for part in SECRET_KEY_PARTS)


def redact(value: Any) -> Any:
    """Return a copy of value with every secret-looking key's value replaced."""
    if isinstance(value, Mapping):
        return {k: (REDACTED if is_secret_key(str(k)) else redact(v)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact(v) for v in value]
    return value


def redact_processor(_logger: "WrappedLogger", _method: str, event_dict: "EventDict") -> "EventDict":
    """structlog processor: drop secrets from every log line."""
    return redact(event_dict)


def scrub_sentry_event(event: "Event", _hint: "Hint") -> "Event":
    return redact(event)
