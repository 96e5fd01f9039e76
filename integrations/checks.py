"""System checks: provider configuration fails at `manage.py check`, not on the first webhook."""

from typing import Any

from django.conf import settings
from django.core import checks


@checks.register("integrations", deploy=False)
def check_encryption_keys(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    from cryptography.fernet import Fernet

    errors: list[checks.CheckMessage] = []
    if not settings.FIELD_ENCRYPTION_KEYS:
        # In development a command that touches no secret (makemigrations, check) must still run;
        # using a secret without keys raises ImproperlyConfigured anyway. Elsewhere it is an error.
        level = checks.Warning if settings.DEBUG else checks.Error
        errors.append(
            level(
                "FIELD_ENCRYPTION_KEYS is empty; secrets cannot be stored.",
                hint="Run `make run` once (it writes development keys into .env) or set the variable.",
                id="integrations.E001",
            )
        )
    for key in settings.FIELD_ENCRYPTION_KEYS:
        try:
            Fernet(key)
        except ValueError:
            errors.append(
                checks.Error("FIELD_ENCRYPTION_KEYS holds a value that is not a Fernet key.", id="integrations.E002")
            )
    return errors


@checks.register("integrations", deploy=True)
def check_public_url(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    if not settings.PUBLIC_BASE_URL.startswith("https://"):
        return [
            checks.Warning(
                "PUBLIC_BASE_URL is not https; providers (Redo) refuse non-https webhook URLs.",
                id="integrations.W001",
            )
        ]
    return []
