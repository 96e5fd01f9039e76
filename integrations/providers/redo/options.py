"""The options a Redo connection takes (Connection.options), checked through the registry."""

from rest_framework import serializers

from integrations.providers.options import ConnectionOptions, ProviderUrlField


class RedoOptions(ConnectionOptions):
    """Redo's Loop-compatible API (providers.md §2.4): whether to use it and, rarely, another host for it."""

    loop_compatible = serializers.BooleanField(
        required=False, help_text="Process, flag and note returns through Redo's Loop-compatible API."
    )
    loop_compatible_base_url = ProviderUrlField(
        required=False,
        help_text="Blank: REDO_LOOP_COMPAT_BASE_URL, else https://loop-api.getredo.com/api/v1. The Redo API secret is "
        "sent here.",
    )
