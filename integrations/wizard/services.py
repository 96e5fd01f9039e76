"""Writes for the setup wizard. Credentials go straight to the Connection's encrypted fields."""

import csv
import io
import logging
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import IO, Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from config.exceptions import ApplicationError
from integrations.base import WarehouseInfo
from integrations.declarations import Role, webhook_secret_generate
from integrations.exceptions import ProviderError
from integrations.models import Connection, Store
from integrations.registry import get_client, get_declaration, get_warehouse_client
from integrations.sandbox.models import SandboxAccount, SandboxWebhookDelivery
from integrations.services.connection_settings import connection_settings_validate
from integrations.services.health import connection_credentials_accepted, connection_credentials_rejected
from integrations.services.stores import CONNECTION_SECRET_FIELDS, connection_create, connection_update, store_update
from integrations.wizard.credentials import (
    credential_fields,
    generates_webhook_token,
    provider_choices,
    warehouse_kinds,
)
from integrations.wizard.explain import provider_failure_explain
from integrations.wizard.selectors import (
    connections_in_use,
    locations_for_store,
    returns_platform_connection,
    warehouse_connection,
)
from warehouses.models import ShippingLocation, SkuMapping
from warehouses.provisioning import location_create, location_update

logger = logging.getLogger(__name__)


class WizardError(ApplicationError):
    """A wizard action that cannot be done now; the message is shown to the merchant.

    `field_errors` maps a Connection field to what to change there, when one value is to blame.
    """

    def __init__(self, message: str, *, field_errors: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.field_errors = dict(field_errors or {})


# ----------------------------------------------------------------------------- connections


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
class PlatformSaveResult:
    connection: Connection
    # A Redo bearer token Backhaul just generated: shown once, never stored anywhere else in clear.
    new_bearer_token: str = ""


def _new_webhook_token(provider: str) -> str:
    return webhook_secret_generate(get_declaration(provider).webhooks.secret_format)


def returns_platform_save(
    *,
    store: Store,
    provider: str,
    credentials: Mapping[str, str],
    sandbox: bool = False,
    regenerate_token: bool = False,
) -> PlatformSaveResult:
    """Save the Loop or Redo credentials (blank ones keep what is stored, or take the sandbox's);
    a platform whose webhooks carry a bearer token gets one generated."""
    platforms = dict(provider_choices(Role.RETURNS_PLATFORM))
    if provider not in platforms:
        raise WizardError(f"Choose {' or '.join(platforms.values())}.")
    current = store.connections.filter(provider=provider).first()
    secret_values: dict[str, str] = {}
    new_token = ""
    if generates_webhook_token(provider) and (regenerate_token or current is None or not current.webhook_secret):
        new_token = _new_webhook_token(provider)
        secret_values["webhook_secret"] = new_token
    connection = _connection_save(
        store=store,
        provider=provider,
        wms_name="",
        credentials=credentials,
        sandbox=sandbox,
        extra={"secrets": secret_values},
    )
    return PlatformSaveResult(connection=connection, new_bearer_token=new_token)


def bearer_token_regenerate(*, connection: Connection) -> PlatformSaveResult:
    """A new webhook bearer token for a platform that uses one; the old one keeps verifying for a while."""
    if not generates_webhook_token(connection.provider):
        raise WizardError(f"{connection.display_name} signs its webhooks with its own secret: enter it instead.")
    token = _new_webhook_token(connection.provider)
    updated = connection_update(connection=connection, secrets={"webhook_secret": token})
    return PlatformSaveResult(connection=updated, new_bearer_token=token)


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
) -> Connection:
    """Save the WMS connection: ShipMonk direct, ShipStream direct, or any WMS through TrackStar."""
    if kind not in warehouse_kinds():
        raise WizardError("Choose a warehouse system.")
    provider, target_wms = warehouse_target(kind=kind, wms_name=wms_name)
    return _connection_save(
        store=store, provider=provider, wms_name=target_wms, credentials=credentials, sandbox=sandbox, extra={}
    )


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
        message = get_client(connection=connection).test_connection()
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
        warehouses = get_warehouse_client(connection=connection).warehouses_list()
    except ProviderError as exc:
        return _check_failed(connection=connection, exc=exc)
    options = _options(warehouses)
    cache.set(key, options, 300)
    noun = "warehouse" if len(options) == 1 else "warehouses"
    message = f"{connection.display_name} answered with {len(options)} {noun}."
    _record_check(connection=connection, ok=True, message=message)
    return CheckResult(ok=True, message=message, warehouses=options)


# ----------------------------------------------------------------------------- locations


LOCATION_FIELDS = (
    "name",
    "address1",
    "address2",
    "city",
    "region",
    "postal_code",
    "country_code",
)


@transaction.atomic
def location_save(
    *,
    store: Store,
    location: ShippingLocation | None,
    data: dict[str, Any],
    warehouse: WarehouseOption,
    connection: Connection,
    is_default: bool,
    destinations: dict[str, str] | None = None,
) -> ShippingLocation:
    """Add or change a shipping location linked to one warehouse of the WMS (and each returns platform's id for
    it, `destinations`); `is_default` moves the default, and a store's first location becomes its default."""
    others = store.shipping_locations.exclude(pk=location.pk) if location else store.shipping_locations.all()
    fields = {
        **{name: data[name] for name in LOCATION_FIELDS if name in data},
        "warehouse_connection": connection,
        "trackstar_warehouse_id": warehouse.trackstar_id,
        "wms_warehouse_code": warehouse.wms_code,
        "is_default": is_default or not others.filter(is_default=True).exists(),
    }
    if location is None:
        return location_create(store=store, data=fields, destinations=destinations)
    return location_update(location=location, data=fields, destinations=destinations)


# ----------------------------------------------------------------------------- rules and SKU mappings


def store_rules_save(*, store: Store, processing_mode: str, rma_trigger: str, default_instructions: str) -> Store:
    """Processing mode, RMA trigger and default processing instructions."""
    return store_update(
        store=store,
        data={
            "processing_mode": processing_mode,
            "rma_trigger": rma_trigger,
            "default_instructions": default_instructions,
        },
    )


SKU_CSV_MAX_BYTES = 2 * 1024 * 1024
_SKU_MAX = SkuMapping._meta.get_field("platform_sku").max_length or 200


@dataclass(frozen=True)
class RowError:
    row: int
    reason: str


@dataclass
class SkuImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)


def _read_text(upload: IO[bytes]) -> str:
    raw = upload.read(SKU_CSV_MAX_BYTES + 1)
    if len(raw) > SKU_CSV_MAX_BYTES:
        raise WizardError("The file is larger than 2 MB. Split it into smaller files.")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise WizardError("The file is not UTF-8 text. Save it as “CSV UTF-8” and upload it again.") from exc


@transaction.atomic
def sku_mappings_import(*, store: Store, upload: IO[bytes]) -> SkuImportResult:
    """Import a platform_sku,wms_sku CSV: valid rows are saved, existing SKUs updated, bad rows reported."""
    reader = csv.reader(io.StringIO(_read_text(upload)))
    header = [h.strip().lower() for h in next(reader, [])]
    if "platform_sku" not in header or "wms_sku" not in header:
        raise WizardError("The first row must be the header platform_sku,wms_sku.")
    p_col, w_col = header.index("platform_sku"), header.index("wms_sku")
    result = SkuImportResult()
    rows: dict[str, tuple[int, str]] = {}
    for row_number, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        platform_sku = row[p_col].strip() if len(row) > p_col else ""
        wms_sku = row[w_col].strip() if len(row) > w_col else ""
        if not platform_sku:
            result.errors.append(RowError(row_number, "platform_sku is empty"))
        elif not wms_sku:
            result.errors.append(RowError(row_number, f"wms_sku is empty for {platform_sku}"))
        elif len(platform_sku) > _SKU_MAX or len(wms_sku) > _SKU_MAX:
            result.errors.append(RowError(row_number, f"a SKU is longer than {_SKU_MAX} characters"))
        elif platform_sku in rows:
            first = rows[platform_sku][0]
            result.errors.append(RowError(row_number, f"{platform_sku} is already in row {first}; this row is ignored"))
        else:
            rows[platform_sku] = (row_number, wms_sku)
    existing = {m.platform_sku: m for m in SkuMapping.objects.filter(store=store, platform_sku__in=list(rows))}
    to_create, to_update = [], []
    now = timezone.now()
    for platform_sku, (_row, wms_sku) in rows.items():
        mapping = existing.get(platform_sku)
        if mapping is None:
            to_create.append(SkuMapping(store=store, platform_sku=platform_sku, wms_sku=wms_sku))
        elif mapping.wms_sku != wms_sku:
            mapping.wms_sku = wms_sku
            # bulk_update calls no save(), so auto_now does not run: without this the old time is written back.
            mapping.updated_at = now
            to_update.append(mapping)
        else:
            result.unchanged += 1
    SkuMapping.objects.bulk_create(to_create)
    SkuMapping.objects.bulk_update(to_update, ["wms_sku", "updated_at"])
    result.created, result.updated = len(to_create), len(to_update)
    return result


# ----------------------------------------------------------------------------- test return


TEST_SKUS = ("BACKHAUL-TEST-TEE", "BACKHAUL-TEST-CAP")


def _test_lines(store: Store) -> list[dict[str, Any]]:
    skus = list(store.sku_mappings.order_by("platform_sku").values_list("platform_sku", flat=True)[:2])
    skus += [s for s in TEST_SKUS if s not in skus][: 2 - len(skus)]
    return [
        {"sku": skus[0], "quantity": 2, "reason": "Too small", "parent_reason": "Fit", "title": "Test item"},
        {"sku": skus[1], "quantity": 1, "reason": "Changed my mind", "parent_reason": "Other", "title": "Test item"},
    ]


@transaction.atomic
def test_return_send(*, store: Store) -> SandboxWebhookDelivery:
    """Send a synthetic, test-flagged return as a signed platform webhook to the store's own endpoint."""
    from integrations.sandbox.services import sandbox_new_return_send

    if not settings.SANDBOX_ENABLED:
        raise WizardError("Test returns need the sandbox, which is turned off on this server.")
    connection = returns_platform_connection(store=store)
    if connection is None or not connection.webhook_secret:
        raise WizardError("Connect your returns platform first (step 1): the test return arrives as its webhook.")
    if warehouse_connection(store=store) is None or not any(loc.is_default for loc in locations_for_store(store=store)):
        raise WizardError("Connect your warehouse system and choose a default shipping location first.")
    account = SandboxAccount.objects.filter(provider=connection.provider, connection=connection).order_by("pk").first()
    if account is None:
        account = SandboxAccount.objects.create(
            provider=connection.provider, connection=connection, name=f"Setup wizard: {store.name}"
        )
    suffix = secrets.token_hex(3).upper()
    return_id, order_name = f"test-{suffix.lower()}", f"#TEST-{suffix}"
    tracking = "9400" + "".join(str(secrets.randbelow(10)) for _ in range(18))
    return sandbox_new_return_send(
        account=account,
        return_id=return_id,
        order_name=order_name,
        lines=_test_lines(store),
        tracking=tracking,
        test=True,
    )


# ----------------------------------------------------------------------------- go live


def store_go_live_blockers(*, store: Store) -> list[str]:
    """What must be done before the store can go live (empty: ready)."""
    from integrations.wizard.selectors import connection_is_verified, location_is_linked, location_on_other_system

    blockers = []
    if not connection_is_verified(returns_platform_connection(store=store)):
        blockers.append("Connect and check your returns platform (step 1).")
    if not connection_is_verified(warehouse_connection(store=store)):
        blockers.append("Connect and check your warehouse system (step 2).")
    locations = locations_for_store(store=store)
    if not any(loc.is_default and location_is_linked(loc) for loc in locations):
        blockers.append("Link a default shipping location to a warehouse (step 3).")
    warehouse = warehouse_connection(store=store)
    for loc in locations:
        if warehouse is not None and loc.warehouse_connection and location_on_other_system(loc, warehouse):
            blockers.append(
                f"{loc.name} is linked to {loc.warehouse_connection.display_name}, not {warehouse.display_name}: "
                "choose one of its warehouses (step 3)."
            )
    return blockers


def store_go_live(*, store: Store) -> list[Connection]:
    """Set the store's draft and paused connections to active (queueing RMAs that waited, such as the test's).

    Failing connections stay as they are: their circuit breaker is reset by support. Connections
    the merchant tried and moved away from (another warehouse system) stay drafts.
    """
    from integrations.services.connections import connection_resume

    blockers = store_go_live_blockers(store=store)
    if blockers:
        raise WizardError(" ".join(blockers))
    waiting = [
        c for c in connections_in_use(store=store) if c.status in (Connection.Status.DRAFT, Connection.Status.PAUSED)
    ]
    return [connection_resume(connection=connection) for connection in waiting]
