"""Redo webhook verification and parsing."""

from integrations.inbound import WebhookHandler


class RedoWebhooks(WebhookHandler):
    slug = "redo"
