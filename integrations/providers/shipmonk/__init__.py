"""ShipMonk: its client, declaration, options and webhooks, handed to the registry as PROVIDER."""

from integrations.provider_spec import ProviderSpec
from integrations.providers.shipmonk.client import ShipMonkClient
from integrations.providers.shipmonk.declaration import DECLARATION
from integrations.providers.shipmonk.options import ShipMonkOptions
from integrations.providers.shipmonk.webhooks import ShipMonkWebhooks

# What the registry reads (integrations/registry.py finds this folder by its name).
PROVIDER = ProviderSpec(DECLARATION, ShipMonkClient.from_connection, ShipMonkWebhooks, ShipMonkOptions)

__all__ = ("DECLARATION", "PROVIDER", "ShipMonkClient", "ShipMonkOptions", "ShipMonkWebhooks")
