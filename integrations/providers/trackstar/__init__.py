from integrations.providers.trackstar.client import TrackStarClient
from integrations.providers.trackstar.webhooks import TrackStarWebhooks

__all__ = ("TrackStarClient", "TrackStarWebhooks")
