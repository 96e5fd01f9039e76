"""Redaction of secrets by key name, and of webhook endpoint tokens in any text, shared by the log
pipeline, the ApiCall log and Sentry.

An endpoint token is a secret that travels in a URL (/webhooks/<provider>/<token>/), so every log
line that names a request path would carry it: request logs (django-structlog, django.request,
runserver), exception messages, Sentry's request URL and breadcrumbs, our own webhook
registration calls. Wherever such a path appears it is rewritten to a short hash of the token,
which still lets support tell two endpoints apart and match a line to a connection
(endpoint_token_hash of its token). Invite links (/setup/invite/<token>/) carry a secret the same way
and are masked the same way.
"""

import hashlib
import re
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

# /webhooks/<provider>/<token>: the token is whatever follows the provider, up to a delimiter.
_ENDPOINT_PATH = re.compile(r"(/webhooks/[A-Za-z0-9_-]+/)([^/\s?#\"'<>]+)")
# /setup/invite/<token>: a single-use invite's token (and an old signed link's payload).
_INVITE_PATH = re.compile(r"(/setup/invite/)([^/\s?#\"'<>]+)")


def endpoint_token_hash(token: str) -> str:
    """A short, stable stand-in for an endpoint token in logs (never the token itself)."""
    return hashlib.sha256(token.encode()).hexdigest()[:12]


def _masked(match: "re.Match[str]") -> str:
    return f"{match.group(1)}<sha256:{endpoint_token_hash(match.group(2))}>"


def mask_endpoint_tokens(text: str) -> str:
    """`text` with the token of every webhook endpoint path and invite link replaced by <sha256:short hash>."""
    if "/webhooks/" in text:
        text = _ENDPOINT_PATH.sub(_masked, text)
    if "/setup/invite/" in text:
        text = _INVITE_PATH.sub(_masked, text)
    return text


def mask_endpoint_tokens_in(value: Any) -> Any:
    """A copy of value with mask_endpoint_tokens applied to every string in it (keys stay)."""
    if isinstance(value, str):
        return mask_endpoint_tokens(value)
    if isinstance(value, Mapping):
        return {k: mask_endpoint_tokens_in(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [mask_endpoint_tokens_in(v) for v in value]
    return value


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
    """structlog processor: drop secrets (by key name, and endpoint tokens in any text) from every log line."""
    return mask_endpoint_tokens_in(redact(event_dict))


def scrub_sentry_event(event: "Event", _hint: "Hint") -> "Event":
    return mask_endpoint_tokens_in(redact(event))


def bind_client_ip(request: Any, logger: Any = None, log_kwargs: Any = None, **kwargs: Any) -> None:
    """Each request's log lines carry the client's address as config.client_ip reads it (the trusted-proxy rule),
    connected to django-structlog's bind_extra_request_metadata (its own ipware guess is off)."""
    import structlog

    from config.client_ip import client_ip

    structlog.contextvars.bind_contextvars(ip=client_ip(request))
