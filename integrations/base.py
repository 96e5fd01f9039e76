"""The outbound provider interface and the DTOs clients speak (never ORM objects).

Owned by the RMA/push work: extend the DTOs as the clients need. Capabilities are optional so
returns platforms and warehouse systems share one type.
"""

import abc
from typing import TYPE_CHECKING, ClassVar, Self

if TYPE_CHECKING:
    from integrations.models import Connection


class ProviderClient(abc.ABC):
    """Base of every provider client; concrete clients live in integrations/providers/<slug>/client.py."""

    slug: ClassVar[str]

    @classmethod
    @abc.abstractmethod
    def from_connection(cls, connection: "Connection") -> Self:
        """Build a client from a stored connection (credentials decrypted in memory only)."""
