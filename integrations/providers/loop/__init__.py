from integrations.providers.loop.client import LoopClient
from integrations.providers.loop.webhooks import LoopWebhooks

__all__ = ("LoopClient", "LoopWebhooks")
