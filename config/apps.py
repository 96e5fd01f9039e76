from django.apps import AppConfig


class ConfigConfig(AppConfig):
    name = "config"
    verbose_name = "Backhaul core"

    def ready(self) -> None:
        from django_structlog.signals import bind_extra_request_metadata

        from config import (
            checks,  # noqa: F401  (registers system checks)
            login_log,  # noqa: F401  (one log line per failed log-in)
        )
        from config.logging import bind_client_ip

        bind_extra_request_metadata.connect(bind_client_ip, dispatch_uid="backhaul-client-ip")
