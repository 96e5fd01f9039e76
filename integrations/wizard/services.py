"""Writes for the setup wizard. Credentials go straight to the Connection's encrypted fields."""

import csv
import io
import logging
import secrets
from dataclasses import dataclass, field
from typing import IO, Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from config.exceptions import ApplicationError
from integrations.base import WarehouseInfo
from integrations.exceptions import (
    ProviderAuthError,
    ProviderConfigurationError,
    ProviderError,
    ProviderRateLimited,
    ProviderRejected,
    ProviderTimeout,
    ProviderUnavailable,
    UnsupportedCapability,
)
from integrations.models import Connection, Provider, Store
from integrations.registry import get_client, get_declaration, get_warehouse_client
from integrations.sandbox.models import SandboxAccount, SandboxWebhookDelivery
from integrations.services.stores import connection_create, connection_update, store_update
from integrations.wizard.selectors import locations_for_store, returns_platform_connection, warehouse_connection
from warehouses.models import ShippingLocation, SkuMapping
from warehouses.provisioning import location_create, location_update

logger = logging.getLogger(__name__)


class WizardError(ApplicationError):
    """A wizard action that cannot be done now; the message is shown to the merchant."""


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


@dataclass(frozen=True)
class PlatformSaveResult:
    connection: Connection
    # A Redo bearer token Backhaul just generated: shown once, never stored anywhere else in clear.
    new_bearer_token: str = ""


def returns_platform_save(
    *,
    store: Store,
    provider: str,
    api_key: str | None,
    webhook_secret: str | None = None,
    redo_store_id: str = "",
    regenerate_token: bool = False,
) -> PlatformSaveResult:
    """Save the Loop or Redo credentials (blank secrets keep the stored ones); Redo gets a random bearer token."""
    if provider not in (Provider.LOOP, Provider.REDO):
        raise WizardError("Choose Loop or Redo.")
    data: dict[str, Any] = {}
    secret_values: dict[str, str | None] = {"api_key": api_key or None}
    new_token = ""
    current = store.connections.filter(provider=provider).first()
    if provider == Provider.LOOP:
        secret_values["webhook_secret"] = webhook_secret or None
    else:
        data["external_account_id"] = redo_store_id
        if regenerate_token or current is None or not current.webhook_secret:
            # Redo sends this back as "Authorization: Bearer <token>" on every delivery (providers.md §2.3).
            new_token = secrets.token_urlsafe(32)
            secret_values["webhook_secret"] = new_token
    connection = _connection_upsert(store=store, provider=provider, data=data, secret_values=secret_values)
    return PlatformSaveResult(connection=connection, new_bearer_token=new_token)


WAREHOUSE_KINDS: dict[str, tuple[str, str]] = {
    # kind: (provider, wms_name behind TrackStar)
    "shipmonk": (Provider.SHIPMONK, ""),
    "shipmonk_trackstar": (Provider.TRACKSTAR, "shipmonk"),
    "shipstream": (Provider.SHIPSTREAM, ""),
    "shipstream_trackstar": (Provider.TRACKSTAR, "shipstream"),
    "trackstar": (Provider.TRACKSTAR, ""),
}


def warehouse_kind_of(connection: Connection | None) -> str:
    if connection is None:
        return ""
    for kind, (provider, wms_name) in WAREHOUSE_KINDS.items():
        if connection.provider == provider and (connection.wms_name == wms_name or kind == "trackstar"):
            return kind
    return ""


def warehouse_system_save(
    *,
    store: Store,
    kind: str,
    api_key: str | None = None,
    shipmonk_store_id: str = "",
    access_token: str | None = None,
    wms_name: str = "",
    api_username: str = "",
    api_password: str | None = None,
    base_url: str = "",
) -> Connection:
    """Save the WMS connection: ShipMonk direct, ShipStream direct, or any WMS through TrackStar."""
    if kind not in WAREHOUSE_KINDS:
        raise WizardError("Choose a warehouse system.")
    provider, fixed_wms = WAREHOUSE_KINDS[kind]
    data: dict[str, Any] = {}
    secret_values: dict[str, str | None] = {}
    if provider == Provider.SHIPMONK:
        data["external_account_id"] = shipmonk_store_id
        secret_values["api_key"] = api_key or None
    elif provider == Provider.SHIPSTREAM:
        data |= {"api_username": api_username, "base_url": base_url}
        secret_values["api_password"] = api_password or None
    else:
        secret_values["access_token"] = access_token or None
    return _connection_upsert(
        store=store,
        provider=provider,
        wms_name=fixed_wms or wms_name.strip().lower(),
        data=data,
        secret_values=secret_values,
    )


def _credential_words(connection: Connection) -> str:
    """What the merchant typed to sign in ("API key", "API username or password"), from the declaration."""
    fields = [f for f in get_declaration(connection.provider).credential_fields if f.required]
    signing_in = [
        f.label if f.label.startswith("API") else f.label[0].lower() + f.label[1:]
        for f in fields
        if f.secret or f.name == "api_username"
    ] or ["API key"]
    if len(signing_in) > 1:
        signing_in = [signing_in[0], signing_in[-1].removeprefix("API ")]
    return " or ".join(signing_in)


def provider_error_message(*, exc: ProviderError, connection: Connection) -> str:
    """A plain-language message per error class (the provider's own words only where they help)."""
    declaration = get_declaration(connection.provider)
    name = connection.display_name
    via = f" through {declaration.display_name}" if declaration.fronts_other_wms else ""
    match exc:
        case ProviderAuthError():
            what = _credential_words(connection)
            hint = declaration.auth_error_hint or "Check that you copied all of it."
            return f"The {what} was refused by {name}{via}. {hint}"
        case ProviderTimeout():
            return f"{name}{via} didn't answer in time. Wait a moment and try again."
        case ProviderRateLimited():
            return f"{name}{via} asked us to slow down. Wait a minute and try again."
        case ProviderUnavailable():
            return f"{name}{via} didn't answer, or is having problems right now. Check the URL and try again."
        case UnsupportedCapability():
            return f"{name}{via} can't do this: {exc.message}."
        case ProviderConfigurationError():
            return f"Something is missing for {name}: {exc.message}."
        case ProviderRejected():
            detail = f" ({exc.message[:200]})" if exc.message else ""
            return f"{name}{via} refused the request{detail}. Check the account or store ID you entered."
    return f"{name}{via} answered with an error we did not expect. Try again, or contact Backhaul support."


def _record_check(*, connection: Connection, ok: bool, message: str) -> None:
    now = timezone.now()
    fields: dict[str, Any] = {"last_error": "" if ok else message[:1000], "updated_at": now}
    if ok:
        fields["last_success_at"] = now
    Connection.objects.filter(pk=connection.pk).update(**fields)
    for name, value in fields.items():
        setattr(connection, name, value)


@dataclass(frozen=True)
class CheckResult:
    ok: bool
    message: str
    warehouses: list["WarehouseOption"] = field(default_factory=list)


def connection_verify(*, connection: Connection) -> CheckResult:
    """One live call (test_connection) and record the outcome on the connection's health fields."""
    try:
        message = get_client(connection=connection).test_connection()
    except ProviderError as exc:
        text = provider_error_message(exc=exc, connection=connection)
        logger.info("wizard check failed", extra={"connection_id": connection.pk, "error": type(exc).__name__})
        _record_check(connection=connection, ok=False, message=text)
        return CheckResult(ok=False, message=text)
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
        text = provider_error_message(exc=exc, connection=connection)
        _record_check(connection=connection, ok=False, message=text)
        return CheckResult(ok=False, message=text)
    options = _options(warehouses)
    cache.set(key, options, 300)
    noun = "warehouse" if len(options) == 1 else "warehouses"
    message = f"{connection.display_name} answered with {len(options)} {noun}."
    _record_check(connection=connection, ok=True, message=message)
    return CheckResult(ok=True, message=message, warehouses=options)


# ----------------------------------------------------------------------------- locations


LOCATION_FIELDS = (
    "name",
    "loop_destination_id",
    "redo_location_id",
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
) -> ShippingLocation:
    """Add or change a shipping location linked to one warehouse of the WMS; `is_default` moves the
    default, and a store's first location becomes its default."""
    others = store.shipping_locations.exclude(pk=location.pk) if location else store.shipping_locations.all()
    fields = {
        **{name: data[name] for name in LOCATION_FIELDS if name in data},
        "warehouse_connection": connection,
        "trackstar_warehouse_id": warehouse.trackstar_id,
        "wms_warehouse_code": warehouse.wms_code,
        "is_default": is_default or not others.filter(is_default=True).exists(),
    }
    if location is None:
        return location_create(store=store, data=fields)
    return location_update(location=location, data=fields)


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
    from integrations.sandbox.providers.loop import return_payload as loop_return_payload
    from integrations.sandbox.providers.redo import return_payload as redo_return_payload
    from integrations.sandbox.services import sandbox_webhook_send

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
    lines = _test_lines(store)
    if connection.provider == Provider.LOOP:
        payload = loop_return_payload(return_id=return_id, order_name=order_name, lines=lines)
        unit_ids = [item["line_item_id"] for item in payload["line_items"]]
        payload["labels"] = [
            {"status": "new", "carrier": "USPS", "tracking_number": tracking, "line_items": unit_ids, "url": ""}
        ]
        event_type = "return.created"
    else:
        shipment = {"carrier": "USPS", "status": "pre_transit", "tracker": tracking}
        payload = redo_return_payload(return_id=return_id, order_name=order_name, lines=lines, shipment=shipment)
        event_type = "created"
    # Marks the return as a test: intake keeps test returns away from a live warehouse.
    payload["test"] = True
    return sandbox_webhook_send(account=account, event_type=event_type, payload=payload)


# ----------------------------------------------------------------------------- go live


def store_go_live_blockers(*, store: Store) -> list[str]:
    """What must be done before the store can go live (empty: ready)."""
    from integrations.wizard.selectors import connection_is_verified, location_is_linked

    blockers = []
    if not connection_is_verified(returns_platform_connection(store=store)):
        blockers.append("Connect and check your returns platform (step 1).")
    if not connection_is_verified(warehouse_connection(store=store)):
        blockers.append("Connect and check your warehouse system (step 2).")
    locations = locations_for_store(store=store)
    if not any(loc.is_default and location_is_linked(loc) for loc in locations):
        blockers.append("Link a default shipping location to a warehouse (step 3).")
    return blockers


def store_go_live(*, store: Store) -> list[Connection]:
    """Set the store's draft and paused connections to active (queueing RMAs that waited, such as the test's).

    Failing connections stay as they are: their circuit breaker is reset by support.
    """
    from integrations.services.connections import connection_resume

    blockers = store_go_live_blockers(store=store)
    if blockers:
        raise WizardError(" ".join(blockers))
    waiting = store.connections.filter(status__in=(Connection.Status.DRAFT, Connection.Status.PAUSED))
    return [connection_resume(connection=connection) for connection in waiting]
