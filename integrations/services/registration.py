"""Registering Backhaul's webhook endpoint at a provider, where its API allows it.

What to subscribe to and how deliveries authenticate is the provider's declaration
(integrations/providers/<slug>/declaration.py); the calls are its client's `webhooks_register`.
A provider whose secret Backhaul chooses (Redo's bearer token) gets one generated here first.
Providers whose webhooks are set up by a person (their support, the merchant, Backhaul's team
in a dashboard) are answered with their declaration's setup hint.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from config.exceptions import ApplicationError
from integrations.declarations import webhook_secret_generate
from integrations.exceptions import ProviderError
from integrations.models import Connection
from integrations.registry import get_declaration, get_returns_platform_client


@dataclass
class RegistrationResult:
    provider: str
    url: str
    created: list[str] = field(default_factory=list)
    present: list[str] = field(default_factory=list)
    reactivated: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def summary(self) -> str:
        parts = []
        if self.created:
            parts.append(f"created {', '.join(self.created)}")
        if self.reactivated:
            parts.append(f"re-activated {', '.join(self.reactivated)}")
        if self.present:
            parts.append(f"already present {', '.join(self.present)}")
        text = "; ".join(parts) or "nothing to do"
        return " ".join([f"Webhooks → {self.url}: {text}.", *self.notes])


def webhook_url(*, connection: Connection) -> str:
    """The public URL of the connection's webhook endpoint."""
    return settings.PUBLIC_BASE_URL.rstrip("/") + connection.webhook_path


def webhooks_register(*, connection_id: int) -> RegistrationResult:
    """Register (or re-check) the connection's webhook subscriptions at its provider; safe to re-run."""
    connection = Connection.objects.select_related("store").get(pk=connection_id)
    declaration = get_declaration(connection.provider).webhooks
    url = webhook_url(connection=connection)
    if not declaration.registrable:
        raise ApplicationError(
            f"{connection.display_name} webhooks cannot be registered through its API. {declaration.setup_hint}"
        )
    if declaration.requires_https and not url.startswith("https://"):
        raise ApplicationError(
            f"{connection.display_name} only accepts an https callback URL, and this one is {url}: "
            "set PUBLIC_BASE_URL to the https address it can reach, then register again."
        )
    secret = declaration.auth_fields[0] if declaration.auth_fields else None
    if secret is not None and secret.generated and not getattr(connection, secret.name):
        connection = _secret_generate(connection=connection, name=secret.name)
    try:
        client = get_returns_platform_client(connection=connection, manual=True)
        registration = client.webhooks_register(
            url=url,
            secret=getattr(connection, secret.name) or "" if secret else "",
            external_id=f"backhaul-{connection.pk}",
        )
    except ProviderError as exc:
        raise ApplicationError(f"{connection.display_name} refused the registration: {exc.message}") from exc
    result = RegistrationResult(
        provider=connection.provider,
        url=url,
        created=list(registration.created),
        present=list(registration.present),
        reactivated=list(registration.reactivated),
    )
    if secret is not None and not secret.generated and not getattr(connection, secret.name):
        result.notes.append(
            f"Enter {connection.display_name}'s {secret.label.lower()} on the connection so deliveries verify "
            f"({secret.help_text})"
        )
    return result


def _secret_generate(*, connection: Connection, name: str) -> Connection:
    """Give the connection a new webhook secret that Backhaul chooses (once: a concurrent run keeps the first)."""
    with transaction.atomic():
        locked = Connection.objects.select_for_update().get(pk=connection.pk)
        if not getattr(locked, name):
            setattr(locked, name, webhook_secret_generate(get_declaration(locked.provider).webhooks.secret_format))
            locked.credentials_updated_at = timezone.now()
            locked.save(update_fields=[name, "credentials_updated_at", "updated_at"])
    return locked
