from typing import Any

from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = "Stores and connections"

    def ready(self) -> None:
        from integrations import checks  # noqa: F401  (registers system checks)
        from integrations.handlers import breaker_opened, inbound_event_handler_register
        from integrations.inbound import InboundConnectionHealthEvent
        from integrations.services.webhooks import connection_health_event_apply

        inbound_event_handler_register(InboundConnectionHealthEvent, apply=connection_health_event_apply)
        breaker_opened.register(_breaker_opened_notify)

    def provider_declaration(self, slug: str) -> Any:
        """The provider registry's declaration of `slug`, or None: how the models reach the registry without
        importing it (the provider folders import the models)."""
        from integrations.registry import PROVIDERS

        spec = PROVIDERS.get(slug)
        return spec.declaration if spec else None


def _breaker_opened_notify(*, connection_id: int, message: str) -> None:
    """Store members hear that a connection paused after repeated failures (in the next digest)."""
    from integrations.services.notifications import connection_notify

    connection_notify(connection_id=connection_id, kind="breaker_opened", message=f"Calls paused: {message}")
