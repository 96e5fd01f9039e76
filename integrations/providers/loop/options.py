"""The options a Loop connection takes (Connection.options), checked through the registry."""

from integrations.providers.options import ConnectionOptions


class LoopOptions(ConnectionOptions):
    """Only the shared ones: the per-connection rate limit."""
