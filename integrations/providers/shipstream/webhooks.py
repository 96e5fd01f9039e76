"""ShipStream webhook verification and parsing."""

from integrations.inbound import WebhookHandler


class ShipStreamWebhooks(WebhookHandler):
    slug = "shipstream"
