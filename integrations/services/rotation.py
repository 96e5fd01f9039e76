"""Rotating a connection's webhook credentials (admin actions). The old value keeps working for a window."""

import datetime as dt
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from integrations.declarations import webhook_secret_generate
from integrations.models import Connection, new_endpoint_token
from integrations.registry import get_declaration


def _window_end() -> dt.datetime:
    return timezone.now() + dt.timedelta(hours=settings.WEBHOOK_SECRET_ROTATION_WINDOW_HOURS)


@transaction.atomic
def connection_rotate_webhook_secret(*, connection: Connection) -> str:
    """Generate a new webhook secret; the old one verifies until the rotation window ends. Returns the new one."""
    locked = Connection.objects.select_for_update().get(pk=connection.pk)
    new_secret = webhook_secret_generate(get_declaration(locked.provider).webhooks.secret_format)
    if locked.webhook_secret:
        locked.previous_webhook_secret = locked.webhook_secret
        locked.previous_webhook_secret_expires_at = _window_end()
    locked.webhook_secret = new_secret
    locked.credentials_updated_at = timezone.now()
    locked.save(
        update_fields=[
            "webhook_secret",
            "previous_webhook_secret",
            "previous_webhook_secret_expires_at",
            "credentials_updated_at",
            "updated_at",
        ]
    )
    connection.refresh_from_db()
    return new_secret


@transaction.atomic
def connection_rotate_webhook_password(*, connection: Connection) -> str:
    """New ShipMonk Basic Auth password; the old one keeps working for the rotation window. Returns the new one."""
    locked = Connection.objects.select_for_update().get(pk=connection.pk)
    new_password = secrets.token_urlsafe(24)
    if locked.webhook_password:
        locked.previous_webhook_password = locked.webhook_password
        locked.previous_webhook_password_expires_at = _window_end()
    locked.webhook_password = new_password
    locked.credentials_updated_at = timezone.now()
    locked.save(
        update_fields=[
            "webhook_password",
            "previous_webhook_password",
            "previous_webhook_password_expires_at",
            "credentials_updated_at",
            "updated_at",
        ]
    )
    connection.refresh_from_db()
    return new_password


@transaction.atomic
def connection_rotate_endpoint_token(*, connection: Connection) -> str:
    """A new webhook URL; the old URL stops at once (posts to it are stored, then 404). Returns the new token."""
    locked = Connection.objects.select_for_update().get(pk=connection.pk)
    locked.endpoint_token = new_endpoint_token()
    locked.credentials_updated_at = timezone.now()
    locked.save(update_fields=["endpoint_token", "credentials_updated_at", "updated_at"])
    connection.refresh_from_db()
    return locked.endpoint_token
