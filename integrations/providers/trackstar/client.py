"""TrackStar unified WMS API client (ShipMonk, ShipStream and any WMS behind it).

Reference: https://docs.trackstarhq.com/how-to-guides/about-the-api ; providers.md §3.
"""

import contextlib
import datetime as dt
import time
from collections.abc import Iterator, Sequence
from typing import Any, Self

import requests
from django.core.cache import cache

from integrations.base import OrderRef, PushResult, RmaPayload, WarehouseClient, WarehouseInfo
from integrations.destinations import (
    connection_base_url,
    connection_credential,
    credential_withheld,
    path_segment,
)
from integrations.exceptions import ProviderConfigurationError
from integrations.http import BaseHttpClient, parse_retry_after
from integrations.inbound import InboundWarehouseReturnEvent
from integrations.models import Connection
from integrations.providers.trackstar import mappers, payloads
from integrations.providers.trackstar.declaration import DECLARATION

WRITE_INFO_CACHE_SECONDS = 24 * 3600


class TrackStarClient(BaseHttpClient, WarehouseClient):
    slug = "trackstar"
    provider = "trackstar"
    # Per access token: GET 10/s, writes 50/s (https://docs.trackstarhq.com/how-to-guides/about-the-api).
    read_rate_limit = "10/second"
    write_rate_limit = "50/second"
    # 409: "the first request with this Idempotency-Key is still running" (providers.md §3): try again later.
    transient_statuses = frozenset({408, 409})

    def __init__(self, *, api_key: str, access_token: str, wms_name: str = "", **kwargs: Any) -> None:
        headers = {"x-trackstar-api-key": api_key, "x-trackstar-access-token": access_token}
        super().__init__(headers=headers, secrets=(api_key, access_token), **kwargs)
        self.wms_name = wms_name
        self._custom_limit = bool(kwargs.get("rate_limit"))

    @classmethod
    def from_connection(cls, connection: Connection) -> Self:
        """The connection's own organisation key, else ours (only towards our configured TrackStar address),
        plus the connection's access token."""
        organisation_key = DECLARATION.credential_field("api_key")
        return cls(
            api_key=connection_credential(connection, organisation_key),
            withheld=credential_withheld(connection, organisation_key),
            access_token=connection.access_token or "",
            wms_name=connection.wms_name,
            base_url=connection_base_url(connection),
            connection_id=connection.pk,
            rate_limit=(connection.options or {}).get("rate_limit", ""),
        )

    # -- shared-base hooks -----------------------------------------------------------------------

    def rate_limit_bucket(self, method: str) -> str:
        return "read" if method.upper() == "GET" else "write"

    def _throttle(self, method: str) -> None:
        if not self._custom_limit:
            self.rate_limit = self.read_rate_limit if method.upper() == "GET" else self.write_rate_limit
        super()._throttle(method)

    def retry_after(self, response: requests.Response) -> float | None:
        """The longest of retry-after, x-rate-limit-retry-after and x-ratelimit-reset (epoch seconds)."""
        waits = [
            parse_retry_after(response.headers.get("retry-after")),
            parse_retry_after(response.headers.get("x-rate-limit-retry-after")),
        ]
        reset = response.headers.get("x-ratelimit-reset") or response.headers.get("x-rate-limit-reset")
        if reset:
            with contextlib.suppress(ValueError):
                waits.append(max(0.0, float(reset) - time.time()))
        known = [w for w in waits if w is not None]
        return max(known) if known else None

    # -- calls -----------------------------------------------------------------------------------

    def test_connection(self) -> str:
        """GET /wms/warehouses: https://docs.trackstarhq.com/api-reference/wms-api/warehouses/get."""
        warehouses = self.warehouses_list()
        return f"TrackStar answered: {len(warehouses)} warehouse(s) in {self.wms_name or 'the WMS'}"

    def warehouses_list(self) -> list[WarehouseInfo]:
        """GET /wms/warehouses → data[]: https://docs.trackstarhq.com/api-reference/wms-api/warehouses/get."""
        data = self.request_json("GET", "/wms/warehouses", operation="warehouses_list")
        return mappers.warehouse_infos((data or {}).get("data") or [] if isinstance(data, dict) else [])

    def order_find(self, *, order_name: str, order_number: str = "", order_ids: Sequence[str] = ()) -> OrderRef | None:
        """GET /wms/orders?order_number=, once per form until one finds the order:
        https://docs.trackstarhq.com/api-reference/wms-api/orders/get.

        Whether the WMS behind TrackStar keeps a Shopify order as `#2001` or `2001` is unconfirmed and
        may differ per WMS, and some keep the platform's order id (providers.md §3.3): each is tried."""
        values = mappers.order_number_forms(order_name=order_name, order_number=order_number, order_ids=order_ids)
        wanted = set(values)
        for value in values:
            data = self.request_json("GET", "/wms/orders", operation="order_find", params={"order_number": value})
            ref = mappers.order_ref_matching(data, wanted=wanted)
            if ref is not None:
                return ref
        return None

    def order_search_forms(
        self, *, order_name: str, order_number: str = "", order_ids: Sequence[str] = ()
    ) -> tuple[str, ...]:
        values = mappers.order_number_forms(order_name=order_name, order_number=order_number, order_ids=order_ids)
        return tuple(f"order_number={value}" for value in values)

    def write_info(self) -> dict[str, dict[str, Any]]:
        """Integration-specific write fields, cached a day.

        GET /integrations/wms/{name}/write-info (rate-limited to 1/min, hence the cache):
        https://docs.trackstarhq.com/how-to-guides/getting-started
        """
        if not self.wms_name:
            return {}
        key = f"trackstar:write-info:{self.connection_id}:{self.wms_name}"
        cached = cache.get(key)
        if cached is not None:
            return cached
        document = self.request_json(
            "GET", f"/integrations/wms/{path_segment(self.wms_name)}/write-info", operation="write_info"
        )
        fields = payloads.write_fields(document)
        cache.set(key, fields, WRITE_INFO_CACHE_SECONDS)
        return fields

    def rma_create(self, *, payload: RmaPayload, idempotency_key: str) -> PushResult:
        """POST /wms/returns with an Idempotency-Key: https://docs.trackstarhq.com/api-reference/wms-api/returns/post."""
        if not payload.external_order_id:
            raise ProviderConfigurationError(f"TrackStar needs its own order id for order {payload.order_name}")
        if not payload.trackstar_warehouse_id:
            raise ProviderConfigurationError("the shipping location has no TrackStar warehouse id")
        body = payloads.return_create_body(payload, fields=self.write_info())
        data = self.request_json(
            "POST", "/wms/returns", operation="rma_create", json_body=body, idempotency_key=idempotency_key
        )
        return self._result(data)

    def rma_find(self, *, payload: RmaPayload) -> PushResult | None:
        """GET /wms/returns filtered by order, matched on our rma_number tag (§3.3)."""
        params = {"order_id": payload.external_order_id} if payload.external_order_id else {}
        data = self.request_json("GET", "/wms/returns", operation="rma_find", params=params)
        for row in (data or {}).get("data") or [] if isinstance(data, dict) else []:
            for tag in row.get("trackstar_tags") or []:
                if isinstance(tag, dict) and str(tag.get("rma_number")) == payload.number:
                    return PushResult(
                        external_id=str(row.get("id")),
                        external_url=str(row.get("external_system_url") or ""),
                        raw=row,
                        api_call_id=self.last_api_call_id,
                    )
        return None

    def rma_update_tracking(self, *, external_id: str, payload: RmaPayload, idempotency_key: str) -> PushResult:
        """PUT /wms/returns/{id}: https://docs.trackstarhq.com/api-reference/wms-api/returns/put."""
        body = payloads.return_update_body(payload, fields=self.write_info())
        if not body:
            wms = self.wms_name or "this WMS"
            raise ProviderConfigurationError(f"{wms} takes no tracking number through TrackStar")
        data = self.request_json(
            "PUT",
            f"/wms/returns/{path_segment(external_id)}",
            operation="rma_update",
            json_body=body,
            idempotency_key=idempotency_key,
        )
        return self._result(data, default_id=external_id)

    def rma_cancel(self, *, external_id: str, payload: RmaPayload, idempotency_key: str) -> PushResult:
        """PUT /wms/returns/{id}/cancel: https://docs.trackstarhq.com/api-reference/wms-api/returns/cancel."""
        data = self.request_json(
            "PUT",
            f"/wms/returns/{path_segment(external_id)}/cancel",
            operation="rma_cancel",
            idempotency_key=idempotency_key,
        )
        return self._result(data, default_id=external_id)

    def returns_changed_since(
        self, *, since: dt.datetime, until: dt.datetime, max_pages: int
    ) -> Iterator[InboundWarehouseReturnEvent]:
        """Returns updated since a time, following next_token with the same filters, as the events TrackStar's
        return webhooks send (the same object shape).

        GET /wms/returns?updated_date[gt]=&page_token=: https://docs.trackstarhq.com/how-to-guides/about-the-api
        (pagination, date filters) and https://docs.trackstarhq.com/api-reference/wms-api/returns/get
        """
        after = since.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        params: dict[str, Any] = {"updated_date[gt]": after}
        for _ in range(max_pages):
            data = self.request_json("GET", "/wms/returns", operation="returns_list", params=params)
            data = data if isinstance(data, dict) else {}
            for row in data.get("data") or []:
                if isinstance(row, dict):
                    yield mappers.return_event(row, None)
            token = data.get("next_token")
            if not token:
                break
            params = {"updated_date[gt]": after, "page_token": token}

    def _result(self, data: Any, *, default_id: str = "") -> PushResult:
        data = data if isinstance(data, dict) else {}
        inner = data.get("data") if isinstance(data.get("data"), dict) else {}
        return PushResult(
            external_id=str(data.get("id") or inner.get("id") or default_id),
            external_url=str(inner.get("external_system_url") or data.get("external_system_url") or ""),
            unused_fields=tuple(str(f) for f in data.get("unused_fields") or ()),
            raw=data,
            api_call_id=self.last_api_call_id,
        )
