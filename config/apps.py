from django.apps import AppConfig


class ConfigConfig(AppConfig):
    name = "config"
    verbose_name = "Backhaul core"

    def ready(self) -> None:
        from config import (
            checks,  # noqa: F401  (registers system checks)
            login_log,  # noqa: F401  (one log line per failed log-in)
        )
