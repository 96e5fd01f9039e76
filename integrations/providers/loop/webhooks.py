"""Loop webhook verification and parsing."""

from integrations.inbound import WebhookHandler


class LoopWebhooks(WebhookHandler):
    slug = "loop"
