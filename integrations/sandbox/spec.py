"""What a simulated provider declares so the shared sandbox code never branches on its name."""

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.urls import URLPattern

if TYPE_CHECKING:
    from integrations.models import Connection
    from integrations.sandbox.models import SandboxReturn


@dataclass(frozen=True)
class SandboxWarehouse:
    """How a simulated WMS numbers its returns, names a received one and tells the store."""

    new_external_id: Callable[[], str]
    received_status: str
    # (sandbox return, its status before) → (event type, webhook body)
    status_webhook: Callable[["SandboxReturn", str], tuple[str, dict[str, Any]]]


@dataclass(frozen=True)
class SandboxPlatform:
    """How a simulated returns platform announces a new return: (return id, order name, lines, tracking)
    -> (event type, webhook body), with a label carrying the tracking number."""

    new_return_webhook: Callable[[str, str, list[dict[str, Any]], str], tuple[str, dict[str, Any]]]
    # The return id a webhook body it sent is about.
    return_id_of: Callable[[dict[str, Any]], str]


@dataclass(frozen=True)
class SandboxProvider:
    slug: str
    # Mounted under /sandbox/<slug>/<account key>/.
    urlpatterns: list[URLPattern]
    # The headers the real provider signs a webhook with: (store connection, raw body) → headers.
    sign: Callable[["Connection", bytes], dict[str, str]]
    # The credentials the provider hands a merchant, as the Connection fields they go in (the
    # account's own are generated for these, and only these are checked or copied).
    credentials: tuple[str, ...] = ("api_key",)
    # Other Connection fields a store connection needs to work with this fake, freshly made: the
    # webhook credentials to verify what it sends (ShipMonk's Basic Auth, TrackStar's whsec_ key),
    # TrackStar's organisation key. Set when a connection is pointed here, cleared when it leaves.
    connection_settings: Callable[[], dict[str, str]] = dict
    warehouse: SandboxWarehouse | None = None
    platform: SandboxPlatform | None = None
    # The webhook body as the provider serialises it (Loop escapes slashes, PHP-style).
    encode: Callable[[dict[str, Any]], str] = lambda payload: json.dumps(payload, separators=(",", ":"))
