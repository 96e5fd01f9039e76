from integrations.providers.shipmonk.client import ShipMonkClient
from integrations.providers.shipmonk.declaration import DECLARATION
from integrations.providers.shipmonk.options import ShipMonkOptions
from integrations.providers.shipmonk.webhooks import ShipMonkWebhooks

__all__ = ("DECLARATION", "ShipMonkClient", "ShipMonkOptions", "ShipMonkWebhooks")
