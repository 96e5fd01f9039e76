from integrations.providers.shipmonk.client import ShipMonkClient
from integrations.providers.shipmonk.webhooks import ShipMonkWebhooks

__all__ = ("ShipMonkClient", "ShipMonkWebhooks")
