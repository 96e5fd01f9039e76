"""The provider registry: each provider is a folder, `integrations/providers/<slug>/`, named once below.

A provider folder holds everything about it (client, mappers, payloads, webhooks, declaration, options,
its sandbox fake, its fixtures) and hands the registry a `PROVIDER` (integrations/provider_spec.py). Adding
a provider is its folder and one line in PROVIDER_SLUGS; nothing else changes. Everything else reads
through here: the domain never names a provider.
"""

from importlib import import_module

from integrations.base import ProviderClient, ReturnsPlatformClient, WarehouseClient
from integrations.circuit_breaker import BreakerGate
from integrations.declarations import ProviderDeclaration, Role
from integrations.exceptions import UnsupportedCapability
from integrations.models import Connection
from integrations.provider_spec import ProviderSpec
from integrations.providers.options import ConnectionOptions
from integrations.webhook_handler import WebhookHandler

# One quoted slug per line: the folder integrations/providers/<slug>/. Order is the order people see them in.
PROVIDER_SLUGS = (
    "loop",
    "redo",
    "shipbob",
    "shipmonk",
    "shipstream",
    "trackstar",
)


def _load(slug: str) -> ProviderSpec:
    spec = import_module(f"integrations.providers.{slug}").PROVIDER
    if not isinstance(spec, ProviderSpec) or spec.declaration.slug != slug:
        raise ImportError(f"integrations/providers/{slug}/ must define PROVIDER, a ProviderSpec for {slug!r}")
    return spec


PROVIDERS: dict[str, ProviderSpec] = {slug: _load(slug) for slug in PROVIDER_SLUGS}


class UnknownProvider(LookupError):
    pass


def is_provider(slug: object) -> bool:
    """`slug` names a registered provider."""
    return isinstance(slug, str) and slug in PROVIDERS


def get_spec(provider: str) -> ProviderSpec:
    try:
        return PROVIDERS[provider]
    except (KeyError, TypeError) as exc:
        raise UnknownProvider(f"unknown provider {provider!r}") from exc


def provider_choices(*, role: str | None = None) -> list[tuple[str, str]]:
    """(slug, display name) of every provider, or of one role, in registry order: for forms and filters."""
    return [(d.slug, d.display_name) for d in declarations(role=role)]


def provider_name(slug: str) -> str:
    """The provider's display name ("ShipMonk"); an unknown slug as it is."""
    spec = PROVIDERS.get(slug)
    return spec.declaration.display_name if spec else slug


def get_declaration(provider: str) -> ProviderDeclaration:
    """What the provider is and can do, as data (credential fields, webhook topics, capabilities)."""
    return get_spec(provider).declaration


def declarations(*, role: str | None = None) -> list[ProviderDeclaration]:
    """Every provider's declaration in registry order, or those of one role (Connection.Role value)."""
    return [spec.declaration for spec in PROVIDERS.values() if role is None or spec.declaration.role == Role(role)]


def get_client(*, connection: Connection, manual: bool = False) -> ProviderClient:
    """Build the client for a stored connection, its calls guarded by the connection's circuit breaker; an unknown
    provider is a bug. `manual`: a person asked for these calls (Test connection): they may be the breaker's trial."""
    client = get_spec(connection.provider).client_factory(connection)
    client.breaker_attach(BreakerGate(connection, manual=manual))
    return client


def get_warehouse_client(*, connection: Connection, manual: bool = False) -> WarehouseClient:
    """The connection's client as a warehouse system; a returns platform here is a configuration error."""
    client = get_client(connection=connection, manual=manual)
    if not isinstance(client, WarehouseClient):
        raise UnsupportedCapability(connection.provider, "acting as a warehouse system")
    return client


def get_returns_platform_client(*, connection: Connection, manual: bool = False) -> ReturnsPlatformClient:
    """The connection's client as a returns platform; a warehouse system here is a configuration error."""
    client = get_client(connection=connection, manual=manual)
    if not isinstance(client, ReturnsPlatformClient):
        raise UnsupportedCapability(connection.provider, "acting as a returns platform")
    return client


def get_webhook_handler(provider: str) -> WebhookHandler:
    return get_spec(provider).webhook_handler()


def get_options_serializer(provider: str) -> type[ConnectionOptions]:
    """The serializer that checks a provider's Connection.options; an unknown provider is UnknownProvider."""
    return get_spec(provider).options
