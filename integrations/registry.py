"""The explicit provider registry: a provider slug maps to its declaration, client factory, webhook
handler and options schema.

Adding a provider is one folder under integrations/providers/ and one line in PROVIDERS (plus its
Provider choice; see docs/architecture.md, "Adding a provider"). Everything else reads through here:
the domain never names a provider.
"""

from collections.abc import Callable
from dataclasses import dataclass

from integrations.base import ProviderClient, ReturnsPlatformClient, WarehouseClient
from integrations.declarations import ProviderDeclaration, Role
from integrations.exceptions import UnsupportedCapability
from integrations.inbound import WebhookHandler
from integrations.models import Connection, Provider
from integrations.providers import loop, redo, shipmonk, shipstream, trackstar
from integrations.providers.options import ConnectionOptions


@dataclass(frozen=True)
class ProviderSpec:
    declaration: ProviderDeclaration
    # Builds the client for a stored connection (Redo picks its native or Loop-compatible API from the options).
    client_factory: Callable[[Connection], ProviderClient]
    webhook_handler: type[WebhookHandler]
    # What a person may set in Connection.options (a DRF serializer in the provider's folder).
    options: type[ConnectionOptions]


PROVIDERS: dict[Provider, ProviderSpec] = {
    Provider.LOOP: ProviderSpec(loop.DECLARATION, loop.LoopClient.from_connection, loop.LoopWebhooks, loop.LoopOptions),
    Provider.REDO: ProviderSpec(redo.DECLARATION, redo.client_for_connection, redo.RedoWebhooks, redo.RedoOptions),
    Provider.SHIPMONK: ProviderSpec(
        shipmonk.DECLARATION,
        shipmonk.ShipMonkClient.from_connection,
        shipmonk.ShipMonkWebhooks,
        shipmonk.ShipMonkOptions,
    ),
    Provider.SHIPSTREAM: ProviderSpec(
        shipstream.DECLARATION,
        shipstream.ShipStreamClient.from_connection,
        shipstream.ShipStreamWebhooks,
        shipstream.ShipStreamOptions,
    ),
    Provider.TRACKSTAR: ProviderSpec(
        trackstar.DECLARATION,
        trackstar.TrackStarClient.from_connection,
        trackstar.TrackStarWebhooks,
        trackstar.TrackStarOptions,
    ),
}


class UnknownProvider(LookupError):
    pass


def get_spec(provider: str) -> ProviderSpec:
    try:
        return PROVIDERS[Provider(provider)]
    except ValueError as exc:
        raise UnknownProvider(f"unknown provider {provider!r}") from exc


def get_declaration(provider: str) -> ProviderDeclaration:
    """What the provider is and can do, as data (credential fields, webhook topics, capabilities)."""
    return get_spec(provider).declaration


def declarations(*, role: str | None = None) -> list[ProviderDeclaration]:
    """Every provider's declaration in registry order, or those of one role (Connection.Role value)."""
    return [spec.declaration for spec in PROVIDERS.values() if role is None or spec.declaration.role == Role(role)]


def get_client(*, connection: Connection) -> ProviderClient:
    """Build the client for a stored connection; an unknown provider is a bug."""
    return get_spec(connection.provider).client_factory(connection)


def get_warehouse_client(*, connection: Connection) -> WarehouseClient:
    """The connection's client as a warehouse system; a returns platform here is a configuration error."""
    client = get_client(connection=connection)
    if not isinstance(client, WarehouseClient):
        raise UnsupportedCapability(connection.provider, "acting as a warehouse system")
    return client


def get_returns_platform_client(*, connection: Connection) -> ReturnsPlatformClient:
    """The connection's client as a returns platform; a warehouse system here is a configuration error."""
    client = get_client(connection=connection)
    if not isinstance(client, ReturnsPlatformClient):
        raise UnsupportedCapability(connection.provider, "acting as a returns platform")
    return client


def get_webhook_handler(provider: str) -> WebhookHandler:
    return get_spec(provider).webhook_handler()


def get_options_serializer(provider: str) -> type[ConnectionOptions]:
    """The serializer that checks a provider's Connection.options; an unknown provider is UnknownProvider."""
    return get_spec(provider).options
