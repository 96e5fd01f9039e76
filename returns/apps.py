from django.apps import AppConfig


class ReturnsConfig(AppConfig):
    name = "returns"
    verbose_name = "Returns and RMAs"

    def ready(self) -> None:
        from returns import event_handlers

        event_handlers.register()
