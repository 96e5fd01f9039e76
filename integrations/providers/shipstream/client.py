"""ShipStream API client."""

from typing import Self

from integrations.base import ProviderClient


class ShipStreamClient(ProviderClient):
    slug = "shipstream"

    @classmethod
    def from_connection(cls, connection) -> Self:  # type: ignore[no-untyped-def]
        return cls()
