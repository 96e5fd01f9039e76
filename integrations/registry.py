"""The explicit provider registry: a provider slug maps to its client class, webhook handler and options."""

from dataclasses import dataclass

from integrations.base import ProviderClient
from integrations.inbound import WebhookHandler
from integrations.models import Connection, Provider
from integrations.providers.loop import LoopClient, LoopWebhooks
from integrations.providers.loop.options import LoopOptions
from integrations.providers.options import ConnectionOptions
from integrations.providers.redo import RedoClient, RedoWebhooks
from integrations.providers.redo.options import RedoOptions
from integrations.providers.shipmonk import ShipMonkClient, ShipMonkWebhooks
from integrations.providers.shipmonk.options import ShipMonkOptions
from integrations.providers.shipstream import ShipStreamClient, ShipStreamWebhooks
from integrations.providers.shipstream.options import ShipStreamOptions
from integrations.providers.trackstar import TrackStarClient, TrackStarWebhooks
from integrations.providers.trackstar.options import TrackStarOptions


@dataclass(frozen=True)
class ProviderSpec:
    client_class: type[ProviderClient]
    webhook_handler: type[WebhookHandler]


PROVIDERS: dict[Provider, ProviderSpec] = {
    Provider.LOOP: ProviderSpec(LoopClient, LoopWebhooks),
    Provider.REDO: ProviderSpec(RedoClient, RedoWebhooks),
    Provider.SHIPMONK: ProviderSpec(ShipMonkClient, ShipMonkWebhooks),
    Provider.SHIPSTREAM: ProviderSpec(ShipStreamClient, ShipStreamWebhooks),
    Provider.TRACKSTAR: ProviderSpec(TrackStarClient, TrackStarWebhooks),
}


class UnknownProvider(LookupError):
    pass


def get_spec(provider: str) -> ProviderSpec:
    try:
        return PROVIDERS[Provider(provider)]
    except ValueError as exc:
        raise UnknownProvider(f"unknown provider {provider!r}") from exc


def get_client(*, connection: Connection) -> ProviderClient:
    """Build the client for a stored connection; an unknown provider is a bug."""
    return get_spec(connection.provider).client_class.from_connection(connection)


def get_webhook_handler(provider: str) -> WebhookHandler:
    return get_spec(provider).webhook_handler()


# What each provider lets a person set in Connection.options (a DRF serializer in its folder).
OPTIONS: dict[Provider, type[ConnectionOptions]] = {
    Provider.LOOP: LoopOptions,
    Provider.REDO: RedoOptions,
    Provider.SHIPMONK: ShipMonkOptions,
    Provider.SHIPSTREAM: ShipStreamOptions,
    Provider.TRACKSTAR: TrackStarOptions,
}


def get_options_serializer(provider: str) -> type[ConnectionOptions]:
    """The serializer that checks a provider's Connection.options; an unknown provider is UnknownProvider."""
    try:
        return OPTIONS[Provider(provider)]
    except ValueError as exc:
        raise UnknownProvider(f"unknown provider {provider!r}") from exc
