"""TrackStar webhook verification and parsing."""

from integrations.inbound import WebhookHandler


class TrackStarWebhooks(WebhookHandler):
    slug = "trackstar"
