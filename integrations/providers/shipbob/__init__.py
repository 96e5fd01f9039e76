"""ShipBob: its client, declaration, options and webhooks, handed to the registry as PROVIDER."""

from integrations.provider_spec import ProviderSpec
from integrations.providers.shipbob.client import ShipBobClient
from integrations.providers.shipbob.declaration import DECLARATION
from integrations.providers.shipbob.options import ShipBobOptions
from integrations.providers.shipbob.webhooks import ShipBobWebhooks

# What the registry reads (integrations/registry.py finds this folder by its name).
PROVIDER = ProviderSpec(DECLARATION, ShipBobClient.from_connection, ShipBobWebhooks, ShipBobOptions)

__all__ = ("DECLARATION", "PROVIDER", "ShipBobClient", "ShipBobOptions", "ShipBobWebhooks")
