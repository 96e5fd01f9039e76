from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = "Stores and connections"

    def ready(self) -> None:
        from integrations import checks  # noqa: F401  (registers system checks)
        from integrations.handlers import inbound_event_handler_register
        from integrations.inbound import InboundConnectionHealthEvent
        from integrations.services.webhooks import connection_health_event_apply

        inbound_event_handler_register(InboundConnectionHealthEvent, apply=connection_health_event_apply)
