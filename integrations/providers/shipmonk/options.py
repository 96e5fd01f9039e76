"""The options a ShipMonk connection takes (Connection.options), checked through the registry."""

from integrations.providers.options import ConnectionOptions


class ShipMonkOptions(ConnectionOptions):
    """Only the shared ones: the per-connection rate limit."""
