"""The options a TrackStar connection takes (Connection.options), checked through the registry."""

from integrations.providers.options import ConnectionOptions


class TrackStarOptions(ConnectionOptions):
    """Only the shared ones: the per-connection rate limit."""
