"""Steps 1 and 2: the returns platform and the warehouse system connections (typed credentials or the sandbox),
their live checks and the list of warehouses. Credentials go straight to the Connection's encrypted fields."""

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils import timezone

from integrations.base import WarehouseInfo
from integrations.declarations import Role, webhook_secret_generate
from integrations.exceptions import ProviderError
from integrations.models import Connection, Store
from integrations.registry import get_client, get_declaration, get_warehouse_client
from integrations.sandbox.models import SandboxAccount
from integrations.services.connection_settings import connection_settings_validate
from integrations.services.health import connection_credentials_accepted, connection_credentials_rejected
from integrations.services.stores import CONNECTION_SECRET_FIELDS, connection_create, connection_update
from integrations.wizard.credentials import (
    credential_fields,
    generates_webhook_token,
    provider_choices,
    warehouse_kinds,
)
from integrations.wizard.explain import provider_failure_explain
from integrations.wizard.services.errors import WizardError

logger = logging.getLogger(__name__)


def _connection_upsert(
    *,
    store: Store,
    provider: str,
    wms_name: str = "",
    data: dict[str, Any],
    secret_values: dict[str, str | None],
) -> Connection:
    """Create or update the store's connection to `provider` (secrets: None keeps what is stored)."""
    existing = store.connections.filter(provider=provider, wms_name=wms_name).first()
    data = {**data, "wms_name": wms_name}
    if existing is None:
        return connection_create(store=store, provider=provider, data=data, secrets=secret_values)
    return connection_update(connection=existing, data=data, secrets=secret_values)


def _split_credentials(provider: str, credentials: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, str | None]]:
    """The typed credentials as connection data and secrets; a blank value keeps what is stored."""
    data: dict[str, Any] = {}
    secret_values: dict[str, str | None] = {}
    for spec in credential_fields(provider):
        value = (credentials.get(spec.name) or "").strip()
        if spec.secret:
            secret_values[spec.name] = value or None
        elif value:
            data[spec.name] = value.rstrip("/") if spec.url else value
    return data, secret_values


def connection_sandbox_account(*, connection: Connection | None) -> SandboxAccount | None:
    """The sandbox account the connection talks to instead of the real provider, if it does."""
    from integrations.sandbox.services import sandbox_serves

    if connection is None or "/sandbox/" not in (connection.base_url or ""):
        return None
    for account in SandboxAccount.objects.filter(connection=connection, provider=connection.provider):
        if sandbox_serves(account=account, connection=connection):
            return account
    return None


def _settings_split(values: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, str | None]]:
    data = {k: v for k, v in values.items() if k not in CONNECTION_SECRET_FIELDS}
    return data, {k: v for k, v in values.items() if k in CONNECTION_SECRET_FIELDS}


def _by_field(exc: ValidationError) -> dict[str, list[str]]:
    return exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}


def _sandbox_point(*, connection: Connection, typed: Mapping[str, str]) -> Connection:
    """Point the connection at its own sandbox account: the sandbox's credentials wherever the
    merchant left a field blank (a typed one is kept, so a wrong key can be rehearsed)."""
    from integrations.sandbox.services import (
        sandbox_account_provision,
        sandbox_base_url,
        sandbox_connection_settings,
        sandbox_credentials,
    )

    account = sandbox_account_provision(connection=connection)
    own = sandbox_credentials(account=account)
    values: dict[str, str] = {}
    for spec in credential_fields(connection.provider):
        if not spec.url:
            values[spec.name] = (typed.get(spec.name) or "").strip() or own.get(spec.name, "")
    # The operator's credentials never go along to another destination (services/stores.py): the sandbox's own
    # value replaces them; anything else the connection already has (its webhook secret) is kept.
    operators = {f.name for f in get_declaration(connection.provider).credential_fields if f.deployment_env}
    for name, value in sandbox_connection_settings(account=account).items():
        if not getattr(connection, name) or name in operators:
            values[name] = value
    data, secret_values = _settings_split(values)
    data["base_url"] = sandbox_base_url(account=account)
    try:
        return connection_update(connection=connection, data=data, secrets=secret_values)
    except ValidationError as exc:
        if "base_url" not in _by_field(exc):
            raise
        raise _sandbox_refused(url=data["base_url"], exc=exc) from exc


def _sandbox_refused(*, url: str, exc: ValidationError) -> WizardError:
    # The sandbox's own address (PUBLIC_BASE_URL) is refused: nothing the merchant typed or can change.
    return WizardError(
        f"The sandbox's address ({url}) is refused on this server. "
        f"{' '.join(_by_field(exc)['base_url'])} Backhaul support must set this server's public address; "
        "meanwhile, enter your real account's credentials and untick the sandbox."
    )


def _sandbox_address_check(*, provider: str) -> None:
    """Refuse the sandbox up front when this server's own address would be refused as a connection URL."""
    url = settings.PUBLIC_BASE_URL.rstrip("/")
    try:
        connection_settings_validate(provider=provider, base_url=url)
    except ValidationError as exc:
        raise _sandbox_refused(url=url, exc=exc) from exc


def _sandbox_leave(*, connection: Connection, account: SandboxAccount) -> Connection:
    """Back to the real provider: its production URL (or the one typed), without the sandbox's settings."""
    from integrations.sandbox.services import sandbox_connection_settings

    cleared = dict.fromkeys(sandbox_connection_settings(account=account), "")
    data, secret_values = _settings_split(cleared)
    if not any(spec.url for spec in credential_fields(connection.provider)):
        data["base_url"] = ""
    return connection_update(connection=connection, data=data, secrets=secret_values)


def _refused_settings(*, exc: ValidationError, provider: str, sandbox: bool) -> WizardError:
    """The connection services refused a value the form had let through (a URL whose host now resolves to a
    private address, one longer than the column): a WizardError naming the field, never a 500."""
    errors = {name: " ".join(messages) for name, messages in _by_field(exc).items()}
    typed = {spec.name for spec in credential_fields(provider)} if not sandbox else set()
    blamed = {name: text for name, text in errors.items() if name in typed}
    rest = [text for name, text in errors.items() if name not in typed]
    return WizardError(" ".join(rest) or "Check the highlighted field.", field_errors=blamed)


def _connection_save(
    *, store: Store, provider: str, wms_name: str, credentials: Mapping[str, str], sandbox: bool, extra: dict[str, Any]
) -> Connection:
    try:
        return _connection_save_checked(
            store=store, provider=provider, wms_name=wms_name, credentials=credentials, sandbox=sandbox, extra=extra
        )
    except ValidationError as exc:
        raise _refused_settings(exc=exc, provider=provider, sandbox=sandbox) from exc


def _connection_save_checked(
    *, store: Store, provider: str, wms_name: str, credentials: Mapping[str, str], sandbox: bool, extra: dict[str, Any]
) -> Connection:
    # No transaction around the whole save: a URL check resolves its host (a network call), so each
    # connection service checks first and then writes in its own short transaction.
    if sandbox and not settings.SANDBOX_ENABLED:
        raise WizardError("The sandbox is turned off on this server: enter your real account's credentials.")
    data, secret_values = _split_credentials(provider, credentials)
    if sandbox:
        data = {}  # the URL and account ids come from the sandbox account below
        secret_values = {}
        # Before anything is written: a refused sandbox address leaves no half-made connection behind.
        _sandbox_address_check(provider=provider)
    connection = _connection_upsert(
        store=store,
        provider=provider,
        wms_name=wms_name,
        data=data,
        secret_values={**secret_values, **extra.pop("secrets", {})},
    )
    if sandbox:
        return _sandbox_point(connection=connection, typed=credentials)
    if (account := connection_sandbox_account(connection=connection)) is not None:
        return _sandbox_leave(connection=connection, account=account)
    return connection


@dataclass(frozen=True)
class ConnectionSaveResult:
    connection: Connection
    # A webhook secret Backhaul just generated (Redo's bearer token, ShipStream's signing key): shown once, on the
    # response that made it, never stored anywhere else in clear.
    new_webhook_secret: str = ""


def _new_webhook_token(provider: str) -> str:
    return webhook_secret_generate(get_declaration(provider).webhooks.secret_format)


def returns_platform_save(
    *,
    store: Store,
    provider: str,
    credentials: Mapping[str, str],
    sandbox: bool = False,
    regenerate_token: bool = False,
) -> ConnectionSaveResult:
    """Save the Loop or Redo credentials (blank ones keep what is stored, or take the sandbox's);
    a platform whose webhooks carry a bearer token gets one generated."""
    platforms = dict(provider_choices(Role.RETURNS_PLATFORM))
    if provider not in platforms:
        raise WizardError(f"Choose {' or '.join(platforms.values())}.")
    current = store.connections.filter(provider=provider).first()
    new_secret = _webhook_secret_due(provider=provider, current=current, regenerate=regenerate_token)
    connection = _connection_save(
        store=store,
        provider=provider,
        wms_name="",
        credentials=credentials,
        sandbox=sandbox,
        extra={"secrets": {"webhook_secret": new_secret} if new_secret else {}},
    )
    return ConnectionSaveResult(connection=connection, new_webhook_secret=new_secret)


def _webhook_secret_due(*, provider: str, current: Connection | None, regenerate: bool = False) -> str:
    """A new webhook secret when the provider's is one Backhaul makes up and the connection has none yet (or one
    is asked for); "" otherwise."""
    if generates_webhook_token(provider) and (regenerate or current is None or not current.webhook_secret):
        return _new_webhook_token(provider)
    return ""


def webhook_secret_regenerate(*, connection: Connection) -> ConnectionSaveResult:
    """A new webhook secret for a provider whose secret Backhaul makes up; the old one keeps verifying for a while."""
    if not generates_webhook_token(connection.provider):
        raise WizardError(f"{connection.display_name} signs its webhooks with its own secret: enter it instead.")
    token = _new_webhook_token(connection.provider)
    updated = connection_update(connection=connection, secrets={"webhook_secret": token})
    return ConnectionSaveResult(connection=updated, new_webhook_secret=token)


def kind_types_wms(kind: str) -> bool:
    """The merchant types the WMS name of this kind ("another WMS through TrackStar")."""
    provider, fixed_wms, _label = warehouse_kinds()[kind]
    return not fixed_wms and get_declaration(provider).fronts_other_wms


def warehouse_kind_of(connection: Connection | None) -> str:
    """The wizard's warehouse-system choice a saved connection stands for."""
    if connection is None:
        return ""
    for kind, (provider, fixed_wms, _label) in warehouse_kinds().items():
        if connection.provider == provider and (connection.wms_name == fixed_wms or kind_types_wms(kind)):
            return kind
    return ""


def warehouse_target(*, kind: str, wms_name: str = "") -> tuple[str, str]:
    """The (provider, WMS name behind a front) a warehouse kind saves to; a typed WMS name counts only
    for the kind that asks for one (the field is hidden, not emptied, for the others)."""
    provider, fixed_wms, _label = warehouse_kinds()[kind]
    return provider, wms_name.strip().lower() if kind_types_wms(kind) else fixed_wms


def warehouse_system_save(
    *, store: Store, kind: str, credentials: Mapping[str, str], wms_name: str = "", sandbox: bool = False
) -> ConnectionSaveResult:
    """Save the WMS connection (a warehouse system direct, or any WMS through TrackStar); a WMS whose webhooks
    are signed with a key Backhaul makes up (ShipStream) gets one the first time, returned to be shown once."""
    if kind not in warehouse_kinds():
        raise WizardError("Choose a warehouse system.")
    provider, target_wms = warehouse_target(kind=kind, wms_name=wms_name)
    current = store.connections.filter(provider=provider).first()
    new_secret = _webhook_secret_due(provider=provider, current=current)
    connection = _connection_save(
        store=store,
        provider=provider,
        wms_name=target_wms,
        credentials=credentials,
        sandbox=sandbox,
        extra={"secrets": {"webhook_secret": new_secret} if new_secret else {}},
    )
    return ConnectionSaveResult(connection=connection, new_webhook_secret=new_secret)


def _record_check(*, connection: Connection, ok: bool, message: str) -> None:
    now = timezone.now()
    fields: dict[str, Any] = {"last_error": "" if ok else message[:1000], "updated_at": now}
    if ok:
        fields["last_success_at"] = now
    Connection.objects.filter(pk=connection.pk).update(**fields)
    for name, value in fields.items():
        setattr(connection, name, value)
    if ok:
        connection_credentials_accepted(connection=connection)


@dataclass(frozen=True)
class CheckResult:
    ok: bool
    message: str
    warehouses: list["WarehouseOption"] = field(default_factory=list)
    # Connection field → what to change there, when the provider's answer points at one.
    field_errors: dict[str, str] = field(default_factory=dict)


def _check_failed(*, connection: Connection, exc: ProviderError) -> CheckResult:
    connection_credentials_rejected(connection_id=connection.pk, exc=exc)
    sandbox = connection_sandbox_account(connection=connection) is not None
    explanation = provider_failure_explain(exc=exc, connection=connection, sandbox=sandbox)
    logger.info("wizard check failed", extra={"connection_id": connection.pk, "error": type(exc).__name__})
    _record_check(connection=connection, ok=False, message=explanation.message)
    return CheckResult(ok=False, message=explanation.message, field_errors=explanation.field_errors)


def connection_verify(*, connection: Connection) -> CheckResult:
    """One live call (test_connection) and record the outcome on the connection's health fields."""
    try:
        message = get_client(connection=connection, manual=True).test_connection()
    except ProviderError as exc:
        return _check_failed(connection=connection, exc=exc)
    _record_check(connection=connection, ok=True, message=message)
    return CheckResult(ok=True, message=message)


@dataclass(frozen=True)
class WarehouseOption:
    """One warehouse from the WMS's live list and where its id goes on a ShippingLocation."""

    value: str
    label: str
    trackstar_id: str = ""
    wms_code: str = ""


def _options(warehouses: list[WarehouseInfo]) -> list[WarehouseOption]:
    options = [
        WarehouseOption(value=w.key, label=w.label or w.key, trackstar_id=w.trackstar_id, wms_code=w.wms_code)
        for w in warehouses
    ]
    return [o for o in options if o.value]


def _warehouses_cache_key(connection: Connection) -> str:
    stamp = connection.credentials_updated_at.timestamp() if connection.credentials_updated_at else 0
    return f"wizard:warehouses:{connection.pk}:{stamp}:{connection.base_url}"


def warehouses_fetch(*, connection: Connection, refresh: bool = False) -> CheckResult:
    """The WMS's warehouses, live (cached a few minutes so each page view is not an API call)."""
    key = _warehouses_cache_key(connection)
    if not refresh and (cached := cache.get(key)) is not None:
        return CheckResult(ok=True, message="", warehouses=cached)
    try:
        client = get_warehouse_client(connection=connection, manual=True)
        warehouses = client.warehouses_list()
        client.settings_verify()
    except ProviderError as exc:
        return _check_failed(connection=connection, exc=exc)
    options = _options(warehouses)
    cache.set(key, options, 300)
    noun = "warehouse" if len(options) == 1 else "warehouses"
    message = f"{connection.display_name} answered with {len(options)} {noun}."
    _record_check(connection=connection, ok=True, message=message)
    return CheckResult(ok=True, message=message, warehouses=options)
