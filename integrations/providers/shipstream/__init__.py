from integrations.providers.shipstream.client import ShipStreamClient
from integrations.providers.shipstream.webhooks import ShipStreamWebhooks

__all__ = ("ShipStreamClient", "ShipStreamWebhooks")
