"""ShipStream: its client, declaration, options and webhooks, handed to the registry as PROVIDER."""

from integrations.provider_spec import ProviderSpec
from integrations.providers.shipstream.client import ShipStreamClient
from integrations.providers.shipstream.declaration import DECLARATION
from integrations.providers.shipstream.options import ShipStreamOptions
from integrations.providers.shipstream.webhooks import ShipStreamWebhooks

# What the registry reads (integrations/registry.py finds this folder by its name).
PROVIDER = ProviderSpec(DECLARATION, ShipStreamClient.from_connection, ShipStreamWebhooks, ShipStreamOptions)

__all__ = ("DECLARATION", "PROVIDER", "ShipStreamClient", "ShipStreamOptions", "ShipStreamWebhooks")
