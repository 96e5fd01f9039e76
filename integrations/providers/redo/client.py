"""Redo API client.

Reference: https://developers.redo.com/docs/api-reference/authentication ; providers.md §2.
Acting on returns (status / process / comments) belongs to a later issue.
"""

from typing import Any, Self

from integrations.base import ProviderClient
from integrations.exceptions import ProviderConfigurationError
from integrations.http import BaseHttpClient, connection_base_url
from integrations.models import Connection


class RedoClient(BaseHttpClient, ProviderClient):
    slug = "redo"
    provider = "redo"
    default_rate_limit = "10/second"  # Redo publishes no limit

    def __init__(self, *, api_secret: str, store_id: str = "", **kwargs: Any) -> None:
        super().__init__(headers={"Authorization": f"Bearer {api_secret}"}, secrets=(api_secret,), **kwargs)
        self.store_id = store_id

    @classmethod
    def from_connection(cls, connection: Connection) -> Self:
        """Bearer API secret; the connection's external_account_id is Redo's store id."""
        return cls(
            api_secret=connection.api_key or "",
            store_id=connection.external_account_id,
            base_url=connection_base_url(connection),
            connection_id=connection.pk,
            rate_limit=(connection.options or {}).get("rate_limit", ""),
        )

    def test_connection(self) -> str:
        """GET /stores/{storeId}/returns with a page of one: https://developers.redo.com/docs/api-reference."""
        if not self.store_id:
            raise ProviderConfigurationError("Redo connection has no store id")
        self.request(
            "GET", f"/stores/{self.store_id}/returns", operation="test_connection", headers={"X-Page-Size": "1"}
        )
        return "Redo accepted the API secret"
