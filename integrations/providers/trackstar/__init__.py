from integrations.providers.trackstar.client import TrackStarClient
from integrations.providers.trackstar.declaration import DECLARATION
from integrations.providers.trackstar.options import TrackStarOptions
from integrations.providers.trackstar.webhooks import TrackStarWebhooks

__all__ = ("DECLARATION", "TrackStarClient", "TrackStarOptions", "TrackStarWebhooks")
