"""The options a ShipStream connection takes (Connection.options), checked through the registry."""

from integrations.providers.options import ConnectionOptions


class ShipStreamOptions(ConnectionOptions):
    """Only the shared ones: the per-connection rate limit."""
