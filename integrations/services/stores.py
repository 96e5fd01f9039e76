"""Provisioning stores and their connections (used by the REST API; the admin and wizard may share them)."""

import datetime
import re
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from integrations.destinations import UnsafeDestination, connection_base_url, request_origin
from integrations.handlers import store_aging_changed, store_created
from integrations.models import Connection, Store, StoreMembership
from integrations.registry import UnknownProvider, get_declaration
from integrations.services.connection_settings import connection_settings_validate

STORE_FIELDS = (
    "name",
    "slug",
    "processing_mode",
    "rma_trigger",
    "default_instructions",
    "is_active",
    "is_sandbox",
    "aging_arrival_days",
    "aging_close_days",
)
AGING_FIELDS = ("aging_arrival_days", "aging_close_days")
# Support's decisions, not a store owner's: whether the store is active, and whether it is a sandbox (the
# sandbox guard keeps a sandbox store's events from any live warehouse).
STORE_SUPPORT_FIELDS = ("is_active", "is_sandbox")
CONNECTION_FIELDS = (
    "name",
    "wms_name",
    "base_url",
    "api_username",
    "external_account_id",
    "webhook_username",
    "options",
)
# TrackStar's integration names ("extensiv", "logiwa", "shipmonk"): they go into URL paths.
WMS_NAME = re.compile(r"[A-Za-z0-9_-]{1,80}")
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
    store_created.run(store=store)  # returns creates the default status mappings, visible to support at once
    return store


@transaction.atomic
def store_update(*, store: Store, data: Mapping[str, Any]) -> Store:
    """Change a store's settings (only the fields given)."""
    before = {name: getattr(store, name) for name in AGING_FIELDS}
    for name, value in data.items():
        if name not in STORE_FIELDS:
            raise TypeError(f"unknown store field: {name}")
        setattr(store, name, value)
    store.full_clean()
    store.save()
    if any(getattr(store, name) != value for name, value in before.items()):
        store_aging_changed.run(store=store)  # returns re-times the store's waiting returns
    return store


def _checked_settings(*, provider: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """data with its URL and options checked (SSRF guard, the provider's option schema); before any transaction,
    since the URL check resolves the host."""
    given = {name: data[name] for name in ("base_url", "options") if name in data}
    if not given:
        return dict(data)
    return {**data, **connection_settings_validate(provider=provider, **given)}


def _destination(connection: Connection) -> Any:
    try:
        return request_origin(connection_base_url(connection))
    except UnsafeDestination:
        return None


def _operator_credentials_drop(
    connection: Connection, *, before: Any, secrets: Mapping[str, str | None], by_operator: bool
) -> None:
    """A store member who points a connection elsewhere does not take the operator's credentials along.

    A credential the deployment may fill (CredentialField.deployment_env, TrackStar's organisation
    key) is the operator's, typed by support: when anyone but the operator changes where the
    connection's requests go, it is cleared unless the same write gives it again (reliability.md rule 15)."""
    if by_operator or _destination(connection) == before:
        return
    for field in get_declaration(connection.provider).credential_fields:
        if field.deployment_env and secrets.get(field.name) is None:
            setattr(connection, field.name, "")


def _apply_connection_fields(
    connection: Connection, *, data: Mapping[str, Any], secrets: Mapping[str, str | None], by_operator: bool = False
) -> None:
    before = _destination(connection)
    for name, value in data.items():
        if name not in CONNECTION_FIELDS:
            raise TypeError(f"unknown connection field: {name}")
        setattr(connection, name, value)
    if connection.wms_name and not WMS_NAME.fullmatch(connection.wms_name):
        raise ValidationError(
            {"wms_name": "Use the WMS's integration name in TrackStar: letters, digits, - and _ only."}
        )
    _operator_credentials_drop(connection, before=before, secrets=secrets, by_operator=by_operator)
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
            hours = settings.WEBHOOK_SECRET_ROTATION_WINDOW_HOURS
            connection.previous_webhook_password_expires_at = timezone.now() + datetime.timedelta(hours=hours)
        setattr(connection, name, value)
        changed_credentials = True
    if changed_credentials:
        connection.credentials_updated_at = timezone.now()
    connection.full_clean()


def connection_create(
    *,
    store: Store,
    provider: str,
    data: Mapping[str, Any] | None = None,
    secrets: Mapping[str, str | None] | None = None,
) -> Connection:
    """Create a store's connection to a provider; the role follows from the provider's declaration."""
    try:
        role = Connection.Role(get_declaration(provider).role)
    except UnknownProvider as exc:
        raise ValidationError({"provider": f"Unknown provider {provider!r}."}) from exc
    checked = _checked_settings(provider=provider, data=data or {})
    with transaction.atomic():
        connection = Connection(store=store, provider=provider, role=role)
        _apply_connection_fields(connection, data=checked, secrets=secrets or {})
        connection.save()
    return connection


def connection_update(
    *,
    connection: Connection,
    data: Mapping[str, Any] | None = None,
    secrets: Mapping[str, str | None] | None = None,
    by_operator: bool = False,
) -> Connection:
    """Change a connection; secrets change only when given, and credentials_updated_at records when.

    `by_operator`: Backhaul's own staff make the change; anyone else who moves the connection's destination
    leaves the operator's credentials behind (_operator_credentials_drop)."""
    checked = _checked_settings(provider=connection.provider, data=data or {})
    with transaction.atomic():
        connection = Connection.objects.select_for_update().get(pk=connection.pk)
        _apply_connection_fields(connection, data=checked, secrets=secrets or {}, by_operator=by_operator)
        connection.save()
    return connection
