"""Provisioning stores and their connections (used by the REST API; the admin and wizard may share them)."""

import datetime
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from integrations.models import RETURNS_PLATFORMS, Connection, Store, StoreMembership
from integrations.services.url_safety import UnsafeUrl, url_check_safe

STORE_FIELDS = (
    "name",
    "slug",
    "processing_mode",
    "rma_trigger",
    "default_instructions",
    "is_active",
    "is_sandbox",
)
CONNECTION_FIELDS = (
    "name",
    "wms_name",
    "status",
    "base_url",
    "api_username",
    "external_account_id",
    "webhook_username",
    "options",
)
# Write-only: set when given (an empty string clears), never read back through the API.
CONNECTION_SECRET_FIELDS = (
    "api_key",
    "access_token",
    "api_password",
    "webhook_secret",
    "webhook_password",
)


def _unique_slug(name: str) -> str:
    base = slugify(name)[:70] or "store"
    slug, n = base, 1
    while Store.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


@transaction.atomic
def store_create(*, name: str, owner: Any = None, **fields: Any) -> Store:
    """Create a store; a non-staff creator becomes its owner."""
    unknown = set(fields) - set(STORE_FIELDS)
    if unknown:
        raise TypeError(f"unknown store fields: {sorted(unknown)}")
    fields["slug"] = fields.get("slug") or _unique_slug(name)
    store = Store(name=name, **fields)
    store.full_clean()
    store.save()
    if owner is not None and not owner.is_staff:
        StoreMembership.objects.create(store=store, user=owner, role=StoreMembership.Role.OWNER)
    # The default warehouse-outcome mappings exist from the start, so support sees and edits them.
    from returns.services.outcomes import status_mappings_ensure

    status_mappings_ensure(store_id=store.pk)
    return store


@transaction.atomic
def store_update(*, store: Store, data: Mapping[str, Any]) -> Store:
    """Change a store's settings (only the fields given)."""
    for name, value in data.items():
        if name not in STORE_FIELDS:
            raise TypeError(f"unknown store field: {name}")
        setattr(store, name, value)
    store.full_clean()
    store.save()
    return store


def _validate_base_url(base_url: str) -> None:
    """Connections may only point at public https hosts, unless settings allow private ones (SSRF guard)."""
    if not base_url:
        return
    try:
        url_check_safe(url=base_url)
    except UnsafeUrl as exc:
        raise ValidationError({"base_url": str(exc)}) from exc


def _apply_connection_fields(
    connection: Connection, *, data: Mapping[str, Any], secrets: Mapping[str, str | None]
) -> None:
    for name, value in data.items():
        if name not in CONNECTION_FIELDS:
            raise TypeError(f"unknown connection field: {name}")
        setattr(connection, name, value)
    changed_credentials = "api_username" in data
    for name, value in secrets.items():
        if name not in CONNECTION_SECRET_FIELDS:
            raise TypeError(f"unknown connection secret: {name}")
        if value is None:
            continue
        if name == "webhook_secret" and connection.webhook_secret and value != connection.webhook_secret:
            # Rotation: the old secret keeps verifying for a while (product.md, Connection).
            connection.previous_webhook_secret = connection.webhook_secret
            hours = settings.WEBHOOK_SECRET_ROTATION_WINDOW_HOURS
            connection.previous_webhook_secret_expires_at = timezone.now() + datetime.timedelta(hours=hours)
        if name == "webhook_password" and connection.webhook_password and value != connection.webhook_password:
            connection.previous_webhook_password = connection.webhook_password
        setattr(connection, name, value)
        changed_credentials = True
    if changed_credentials:
        connection.credentials_updated_at = timezone.now()
    _validate_base_url(connection.base_url)
    connection.full_clean()


@transaction.atomic
def connection_create(
    *,
    store: Store,
    provider: str,
    data: Mapping[str, Any] | None = None,
    secrets: Mapping[str, str | None] | None = None,
) -> Connection:
    """Create a store's connection to a provider; the role follows from the provider."""
    role = Connection.Role.RETURNS_PLATFORM if provider in RETURNS_PLATFORMS else Connection.Role.WAREHOUSE
    connection = Connection(store=store, provider=provider, role=role)
    _apply_connection_fields(connection, data=data or {}, secrets=secrets or {})
    connection.save()
    return connection


@transaction.atomic
def connection_update(
    *, connection: Connection, data: Mapping[str, Any] | None = None, secrets: Mapping[str, str | None] | None = None
) -> Connection:
    """Change a connection; secrets change only when given, and credentials_updated_at records when."""
    connection = Connection.objects.select_for_update().get(pk=connection.pk)
    _apply_connection_fields(connection, data=data or {}, secrets=secrets or {})
    connection.save()
    return connection
