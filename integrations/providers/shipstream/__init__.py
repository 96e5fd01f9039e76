from integrations.providers.shipstream.client import ShipStreamClient
from integrations.providers.shipstream.declaration import DECLARATION
from integrations.providers.shipstream.options import ShipStreamOptions
from integrations.providers.shipstream.webhooks import ShipStreamWebhooks

__all__ = ("DECLARATION", "ShipStreamClient", "ShipStreamOptions", "ShipStreamWebhooks")
