"""Loop: its client, declaration, options and webhooks, handed to the registry as PROVIDER."""

from integrations.provider_spec import ProviderSpec
from integrations.providers.loop.client import LoopClient
from integrations.providers.loop.declaration import DECLARATION
from integrations.providers.loop.options import LoopOptions
from integrations.providers.loop.webhooks import LoopWebhooks

# What the registry reads (integrations/registry.py finds this folder by its name).
PROVIDER = ProviderSpec(DECLARATION, LoopClient.from_connection, LoopWebhooks, LoopOptions)

__all__ = ("DECLARATION", "PROVIDER", "LoopClient", "LoopOptions", "LoopWebhooks")
