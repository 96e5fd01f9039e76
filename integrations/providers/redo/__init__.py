from integrations.providers.redo.client import RedoClient
from integrations.providers.redo.webhooks import RedoWebhooks

__all__ = ("RedoClient", "RedoWebhooks")
