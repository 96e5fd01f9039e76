from integrations.providers.redo.client import RedoClient, client_for_connection
from integrations.providers.redo.declaration import DECLARATION
from integrations.providers.redo.options import RedoOptions
from integrations.providers.redo.webhooks import RedoWebhooks

__all__ = ("DECLARATION", "RedoClient", "RedoOptions", "RedoWebhooks", "client_for_connection")
