"""ShipMonk API client (direct, not through TrackStar).

Reference: https://apidocs.shipmonk.com/reference (public OpenAPI v1.024); providers.md §4.
"""

import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Any, Self

from integrations.base import OrderRef, PushResult, RmaPayload, WarehouseClient, WarehouseInfo
from integrations.destinations import connection_base_url
from integrations.http import BaseHttpClient
from integrations.inbound import InboundWarehouseReturnEvent
from integrations.models import Connection
from integrations.payload_values import parse_timestamp
from integrations.providers.shipmonk import mappers, payloads


class ShipMonkClient(BaseHttpClient, WarehouseClient):
    slug = "shipmonk"
    provider = "shipmonk"
    # Far below the ~100k/min ShipMonk reports per account; it protects the shared account.
    default_rate_limit = "20/second"

    def __init__(self, *, api_key: str, store_id: str = "", **kwargs: Any) -> None:
        super().__init__(headers={"Api-Key": api_key}, secrets=(api_key,), **kwargs)
        self.store_id = store_id

    @classmethod
    def from_connection(cls, connection: Connection) -> Self:
        """Api-Key from the connection; its external_account_id is ShipMonk's store_id."""
        return cls(
            api_key=connection.api_key or "",
            store_id=connection.external_account_id,
            base_url=connection_base_url(connection),
            connection_id=connection.pk,
            rate_limit=(connection.options or {}).get("rate_limit", ""),
        )

    def test_connection(self) -> str:
        """List warehouses: https://apidocs.shipmonk.com/reference (GET /v1/integrations/warehouses)."""
        warehouses = self.warehouses_list()
        return f"ShipMonk answered: {len(warehouses)} warehouse(s)"

    def warehouses_list(self) -> list[WarehouseInfo]:
        """GET /v1/integrations/warehouses → data[]: https://apidocs.shipmonk.com/reference (providers.md §4.3)."""
        data = self.request_json("GET", "/v1/integrations/warehouses", operation="warehouses_list")
        items = (data or {}).get("data") if isinstance(data, dict) else data
        return mappers.warehouse_infos(items or [])

    def order_find(self, *, order_name: str, order_number: str = "", order_ids: Sequence[str] = ()) -> OrderRef | None:
        """GET /v1/integrations/orders?orderNumber=: https://apidocs.shipmonk.com/reference (providers.md §4.3).

        The detail's `warehouse` is a code or an object (unconfirmed): both are read (mappers.warehouse_code)."""
        params: dict[str, Any] = {"orderNumber": order_name or order_number}
        if self.store_id:
            params["storeId"] = self.store_id
        data = self.request_json("GET", "/v1/integrations/orders", operation="order_find", params=params)
        order = data.get("data") if isinstance(data, dict) else None
        if isinstance(order, list):
            order = order[0] if order else None
        if not isinstance(order, dict) or not order.get("order_key"):
            return None
        return OrderRef(
            external_order_id=str(order.get("id") or order["order_key"]),
            order_key=str(order["order_key"]),
            warehouse_code=mappers.warehouse_code(order.get("warehouse")),
            raw=order,
        )

    def order_search_forms(
        self, *, order_name: str, order_number: str = "", order_ids: Sequence[str] = ()
    ) -> tuple[str, ...]:
        return (f"orderNumber={order_name or order_number}",)

    def rma_create(self, *, payload: RmaPayload, idempotency_key: str) -> PushResult:
        """POST /v1/integrations/returns (upsert on `rma`): https://apidocs.shipmonk.com/reference (§4.2)."""
        body = payloads.return_upsert_body(payload)
        data = self.request_json(
            "POST", "/v1/integrations/returns", operation="rma_create", json_body=body, idempotency_key=idempotency_key
        )
        inner = (data or {}).get("data") if isinstance(data, dict) else None
        external_id = str((inner or {}).get("id") or "") if isinstance(inner, dict) else ""
        return PushResult(external_id=external_id or payload.number, raw=data, api_call_id=self.last_api_call_id)

    def rma_find(self, *, payload: RmaPayload) -> PushResult | None:
        """GET /v1/integrations/returns-list?rma=: https://apidocs.shipmonk.com/reference (providers.md §4.2)."""
        data = self.request_json(
            "GET", "/v1/integrations/returns-list", operation="rma_find", params={"rma": payload.number}
        )
        inner = data.get("data") if isinstance(data, dict) else None
        rows = (inner or {}).get("returns_list", []) if isinstance(inner, dict) else []
        for row in rows or []:
            if isinstance(row, dict) and str(row.get("rma")) == payload.number:
                return PushResult(
                    external_id=str(row.get("id") or payload.number), raw=row, api_call_id=self.last_api_call_id
                )
        return None

    def rma_update_tracking(self, *, external_id: str, payload: RmaPayload, idempotency_key: str) -> PushResult:
        """The same upsert as create (keyed on `rma`), now carrying the tracking numbers (§4.2)."""
        return self.rma_create(payload=payload, idempotency_key=idempotency_key)

    def returns_changed_since(
        self, *, since: dt.datetime, until: dt.datetime, max_pages: int
    ) -> Iterator[InboundWarehouseReturnEvent]:
        """Returns updated since a time, filtered again here in case the filter is ignored, as the events
        ShipMonk's return webhook sends (the same object shape).

        GET /v1/integrations/returns-list?updated_at=&page=&page_size=100 → data.returns_list[]:
        https://apidocs.shipmonk.com/reference (providers.md §4.2)
        """
        since = since.astimezone(dt.UTC)
        for page in range(1, max_pages + 1):
            params = {"updated_at": since.strftime("%Y-%m-%dT%H:%M:%SZ"), "page": page, "page_size": 100}
            data = self.request_json("GET", "/v1/integrations/returns-list", operation="returns_list", params=params)
            inner = data.get("data") if isinstance(data, dict) else None
            rows = [r for r in ((inner or {}).get("returns_list") or []) if isinstance(r, dict)]
            for row in rows:
                updated = parse_timestamp(row.get("updated_at"))
                if updated is None or updated >= since:
                    yield mappers.return_status_event(row)
            paginator = data.get("paginator") if isinstance(data, dict) else None
            pages = int((paginator or {}).get("pages") or 1) if isinstance(paginator, dict) else 1
            if not rows or page >= pages:
                break
