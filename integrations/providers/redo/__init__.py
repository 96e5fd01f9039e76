"""Redo: its client, declaration, options and webhooks, handed to the registry as PROVIDER."""

from integrations.provider_spec import ProviderSpec
from integrations.providers.redo.client import RedoClient, client_for_connection
from integrations.providers.redo.declaration import DECLARATION
from integrations.providers.redo.options import RedoOptions
from integrations.providers.redo.webhooks import RedoWebhooks

# What the registry reads (integrations/registry.py finds this folder by its name).
PROVIDER = ProviderSpec(DECLARATION, client_for_connection, RedoWebhooks, RedoOptions)

__all__ = ("DECLARATION", "PROVIDER", "RedoClient", "RedoOptions", "RedoWebhooks", "client_for_connection")
