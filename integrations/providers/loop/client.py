"""Loop Returns API client.

Reference: https://docs.loopreturns.com/api-reference/getting-started ; providers.md §1.
Acting on returns (process / flag / note) belongs to a later issue.
"""

from datetime import timedelta
from typing import Any, Self

from django.utils import timezone

from integrations.base import ProviderClient
from integrations.http import BaseHttpClient, connection_base_url
from integrations.models import Connection


class LoopClient(BaseHttpClient, ProviderClient):
    slug = "loop"
    provider = "loop"
    # 300 requests/minute per API key: https://docs.loopreturns.com/api-reference/rate-limit
    default_rate_limit = "300/minute"

    def __init__(self, *, api_key: str, **kwargs: Any) -> None:
        # The raw key, with no "Bearer " prefix.
        super().__init__(headers={"X-Authorization": api_key}, secrets=(api_key,), **kwargs)

    @classmethod
    def from_connection(cls, connection: Connection) -> Self:
        """X-Authorization API key from the connection."""
        return cls(
            api_key=connection.api_key or "",
            base_url=connection_base_url(connection),
            connection_id=connection.pk,
            rate_limit=(connection.options or {}).get("rate_limit", ""),
        )

    def test_connection(self) -> str:
        """GET /warehouse/return/list for the last day: https://docs.loopreturns.com/integration-guides/process-returns."""
        now = timezone.now()
        params = {"from": (now - timedelta(days=1)).strftime("%Y-%m-%d"), "to": now.strftime("%Y-%m-%d")}
        self.request("GET", "/warehouse/return/list", operation="test_connection", params=params)
        return "Loop accepted the API key"

    def happy_returns_shipment_get(self, *, shipment_id: str) -> dict[str, Any]:
        """GET /happy-returns/shipments/{id}.

        https://docs.loopreturns.com/api-reference/latest/happy-returns-shipment/get-shipment-information
        """
        data = self.request_json("GET", f"/happy-returns/shipments/{shipment_id}", operation="happy_returns_shipment")
        return data if isinstance(data, dict) else {"data": data}
