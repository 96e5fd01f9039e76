"""ShipMonk webhook verification and parsing."""

from integrations.inbound import WebhookHandler


class ShipMonkWebhooks(WebhookHandler):
    slug = "shipmonk"
