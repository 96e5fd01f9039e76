"""What a provider folder hands the registry: `integrations/providers/<slug>/__init__.py` defines

    PROVIDER = ProviderSpec(DECLARATION, <Client>.from_connection, <Webhooks>, <Options>)

and `integrations.registry` finds it by the folder's name. Its sandbox fake, when it has one, is
`integrations/providers/<slug>/sandbox.py` (read by `integrations.sandbox.catalog`), and its recorded
webhook bodies are `integrations/providers/<slug>/fixtures/*.json`.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from integrations.base import ProviderClient
from integrations.declarations import ProviderDeclaration
from integrations.providers.options import ConnectionOptions
from integrations.webhook_handler import WebhookHandler

if TYPE_CHECKING:
    from integrations.models import Connection


@dataclass(frozen=True)
class ProviderSpec:
    declaration: ProviderDeclaration
    # Builds the client for a stored connection (Redo picks its native or Loop-compatible API from the options).
    client_factory: Callable[["Connection"], ProviderClient]
    webhook_handler: type[WebhookHandler]
    # What a person may set in Connection.options (a DRF serializer in the provider's folder).
    options: type[ConnectionOptions]
