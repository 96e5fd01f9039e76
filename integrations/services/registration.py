"""Registering Backhaul's webhook endpoint at the returns platform, where its API allows it.

Loop: one subscription per (topic, trigger), listed first so a re-run creates only what is
missing and re-activates what Loop deactivated (providers.md §1.2, §1.4). Redo: one
subscription, upserted by externalId, authenticated with the connection's bearer token
(generated when empty); Redo requires an https callback (providers.md §2.3). ShipMonk,
ShipStream and TrackStar webhooks are set up by their support or dashboards.
"""

import secrets
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from config.exceptions import ApplicationError
from integrations.exceptions import ProviderError
from integrations.models import Connection, Provider
from integrations.providers.loop.payloads import WEBHOOK_SUBSCRIPTIONS


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
    url = webhook_url(connection=connection)
    try:
        if connection.provider == Provider.LOOP:
            return _register_loop(connection, url)
        if connection.provider == Provider.REDO:
            return _register_redo(connection, url)
    except ProviderError as exc:
        raise ApplicationError(f"{connection.display_name} refused the registration: {exc.message}") from exc
    raise ApplicationError(
        f"{connection.display_name} webhooks cannot be registered through its API: "
        "ShipMonk's support sets them up, TrackStar's are set in its dashboard, ShipStream's by the merchant."
    )


def _register_loop(connection: Connection, url: str) -> RegistrationResult:
    from integrations.providers.loop.client import LoopClient

    client = LoopClient.from_connection(connection)
    result = RegistrationResult(provider=connection.provider, url=url)
    existing: dict[tuple[str, str], dict[str, Any]] = {}
    for hook in client.webhooks_list():
        if str(hook.get("url") or "") == url:
            existing[(str(hook.get("topic")), str(hook.get("trigger")))] = hook
    for topic, trigger in WEBHOOK_SUBSCRIPTIONS:
        found = existing.get((topic, trigger))
        if found is None:
            client.webhook_create(topic=topic, trigger=trigger, url=url)
            result.created.append(trigger)
        elif str(found.get("status") or "active") != "active" and found.get("id") is not None:
            # Loop deactivates a webhook after repeated failures (older docs): turn it back on.
            client.webhook_activate(webhook_id=str(found["id"]), topic=topic, trigger=trigger, url=url)
            result.reactivated.append(trigger)
        else:
            result.present.append(trigger)
    if not connection.webhook_secret:
        result.notes.append("Enter Loop's webhook secret (Developer Tools) on the connection so deliveries verify.")
    return result


def _register_redo(connection: Connection, url: str) -> RegistrationResult:
    from integrations.providers.redo.client import RedoClient

    if not url.startswith("https://"):
        raise ApplicationError(
            f"Redo only accepts an https callback URL, and this one is {url}: "
            "set PUBLIC_BASE_URL to the https address Redo can reach, then register again."
        )
    if not connection.webhook_secret:
        with transaction.atomic():
            locked = Connection.objects.select_for_update().get(pk=connection.pk)
            if not locked.webhook_secret:
                locked.webhook_secret = secrets.token_urlsafe(32)
                locked.credentials_updated_at = timezone.now()
                locked.save(update_fields=["webhook_secret", "credentials_updated_at", "updated_at"])
            connection = locked
    client = RedoClient.from_connection(connection)
    # One subscription per connection: Redo updates the one with the same externalId.
    answer = client.webhook_create(url=url, token=connection.webhook_secret, external_id=f"backhaul-{connection.pk}")
    result = RegistrationResult(provider=connection.provider, url=url)
    webhook = answer.get("webhook")
    hook = webhook if isinstance(webhook, dict) else {}
    label = f"return ({hook.get('id')})" if hook.get("id") else "return"
    created = client.last_api_call_id is not None and _status_of(client.last_api_call_id) == 201
    (result.created if created else result.present).append(label)
    return result


def _status_of(api_call_id: int) -> int | None:
    from integrations.models import ApiCall

    return ApiCall.objects.filter(pk=api_call_id).values_list("status_code", flat=True).first()
