from integrations.providers.loop.client import LoopClient
from integrations.providers.loop.declaration import DECLARATION
from integrations.providers.loop.options import LoopOptions
from integrations.providers.loop.webhooks import LoopWebhooks

__all__ = ("DECLARATION", "LoopClient", "LoopOptions", "LoopWebhooks")
