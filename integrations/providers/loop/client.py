"""Loop API client."""

from typing import Self

from integrations.base import ProviderClient


class LoopClient(ProviderClient):
    slug = "loop"

    @classmethod
    def from_connection(cls, connection) -> Self:  # type: ignore[no-untyped-def]
        return cls()
