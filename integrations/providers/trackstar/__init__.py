"""TrackStar: its client, declaration, options and webhooks, handed to the registry as PROVIDER."""

from integrations.provider_spec import ProviderSpec
from integrations.providers.trackstar.client import TrackStarClient
from integrations.providers.trackstar.declaration import DECLARATION
from integrations.providers.trackstar.options import TrackStarOptions
from integrations.providers.trackstar.webhooks import TrackStarWebhooks

# What the registry reads (integrations/registry.py finds this folder by its name).
PROVIDER = ProviderSpec(DECLARATION, TrackStarClient.from_connection, TrackStarWebhooks, TrackStarOptions)

__all__ = ("DECLARATION", "PROVIDER", "TrackStarClient", "TrackStarOptions", "TrackStarWebhooks")
