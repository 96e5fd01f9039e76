"""The options a ShipBob connection takes (Connection.options), checked through the registry."""

from integrations.providers.options import ConnectionOptions


class ShipBobOptions(ConnectionOptions):
    """Only the shared ones: the per-connection rate limit."""
