"""ShipStream API client: JSON-RPC 2.0 over POST <base>/api/jsonrpc with HTTP Basic auth.

Reference: https://docs.shipstream.io/doc/api-basics.html ; providers.md §5.
"""

import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Any, Self

from integrations.base import PushResult, RmaPayload, WarehouseClient, WarehouseInfo
from integrations.destinations import connection_base_url
from integrations.exceptions import (
    ProviderAuthError,
    ProviderConfigurationError,
    ProviderError,
    ProviderRejected,
    ProviderUnavailable,
)
from integrations.http import BaseHttpClient
from integrations.inbound import InboundWarehouseReturnEvent, Payload
from integrations.models import Connection
from integrations.providers.shipstream import mappers, payloads

# The calls that only read (delivery.search, warehouse.list), by the neutral operation they serve.
READ_OPERATIONS = frozenset({"warehouses_list", "rma_find", "delivery_get", "deliveries_list", "test_connection"})
AUTH_WORDS = ("access denied", "not authorized", "authentication", "login")
# The neutral RMA statuses (inbound mappers) in which goods are arriving, so quantities are worth reading.
_ARRIVING = ("receiving", "received")


class ShipStreamClient(BaseHttpClient, WarehouseClient):
    slug = "shipstream"
    provider = "shipstream"
    default_rate_limit = "5/second"  # ShipStream publishes no limit: stay gentle with one instance

    def __init__(self, *, username: str, password: str, **kwargs: Any) -> None:
        super().__init__(auth=(username, password), secrets=(password,), **kwargs)
        self._request_id = 0

    @classmethod
    def from_connection(cls, connection: Connection) -> Self:
        """Basic auth with the API user's name and key; each merchant has its own instance URL."""
        base = connection_base_url(connection)
        if not base:
            raise ProviderConfigurationError("ShipStream connection has no instance URL")
        return cls(
            username=connection.api_username,
            password=connection.api_password or connection.api_key or "",
            base_url=base,
            connection_id=connection.pk,
            rate_limit=(connection.options or {}).get("rate_limit", ""),
        )

    def changes_something(self, method: str, operation: str) -> bool:
        """Every call is a JSON-RPC POST: the searches and lists are reads all the same."""
        return operation not in READ_OPERATIONS

    def call(self, method: str, args: list[Any], *, operation: str, idempotency_key: str = "") -> Any:
        """One `call` over JSON-RPC; an {"error": {code, message}} answer becomes a taxonomy error.

        https://docs.shipstream.io/doc/api-basics.html
        """
        self._request_id += 1
        body = payloads.rpc(method, args, request_id=self._request_id)
        data = self.request_json(
            "POST", "/api/jsonrpc", operation=operation, json_body=body, idempotency_key=idempotency_key
        )
        if isinstance(data, dict) and data.get("error"):
            raise self._rpc_error(data["error"])
        return data.get("result") if isinstance(data, dict) else None

    def _rpc_error(self, error: Any) -> ProviderError:
        code = error.get("code") if isinstance(error, dict) else None
        message = str(error.get("message") if isinstance(error, dict) else error)
        text = self._scrub(f"ShipStream error {code}: {message}")
        lowered = message.lower()
        exc: ProviderError
        if code == -32603 or "temporarily" in lowered:
            exc = ProviderUnavailable(text)
        elif code == -32005 or any(w in lowered for w in AUTH_WORDS):
            exc = ProviderAuthError(text)
        else:
            exc = ProviderRejected(text)
        exc.api_call_id = self.last_api_call_id
        return exc

    def test_connection(self) -> str:
        """warehouse.list: https://docs.shipstream.io/ref/warehouse.html."""
        return f"ShipStream answered: {len(self.warehouses_list())} warehouse(s)"

    def warehouses_list(self) -> list[WarehouseInfo]:
        """warehouse.list() → [{warehouse_id, name, is_active, address}]: https://docs.shipstream.io/ref/warehouse.html."""
        result = self.call("warehouse.list", [], operation="warehouses_list")
        return mappers.warehouse_infos(result if isinstance(result, list) else [])

    def rma_create(self, *, payload: RmaPayload, idempotency_key: str) -> PushResult:
        """delivery.create("rma", data, items): https://docs.shipstream.io/ref/delivery.html.

        merchant_ref (the RMA number) is unique at ShipStream, so a duplicate is refused; we
        then return the existing delivery instead of failing.
        """
        try:
            result = self.call(
                "delivery.create",
                payloads.delivery_create_args(payload),
                operation="rma_create",
                idempotency_key=idempotency_key,
            )
        except ProviderRejected as exc:
            if "merchant_ref" in exc.message.lower() or "already exists" in exc.message.lower():
                existing = self.rma_find(payload=payload)
                if existing:
                    return existing
            raise
        external_id = result.get("increment_id") if isinstance(result, dict) else result
        return PushResult(external_id=str(external_id or ""), raw=result, api_call_id=self.last_api_call_id)

    def rma_find(self, *, payload: RmaPayload) -> PushResult | None:
        """delivery.search by merchant_ref: https://docs.shipstream.io/ref/delivery.html."""
        filters = {"merchant_ref": {"eq": payload.number}, "delivery_type": {"eq": "rma"}}
        result = self.call("delivery.search", [filters, {}], operation="rma_find")
        rows = result.get("results") or result.get("items") or [] if isinstance(result, dict) else result or []
        for row in rows:
            if isinstance(row, dict) and str(row.get("merchant_ref")) == payload.number:
                return PushResult(
                    external_id=str(row.get("increment_id") or row.get("delivery_id")),
                    raw=row,
                    api_call_id=self.last_api_call_id,
                )
        return None

    def rma_update_tracking(self, *, external_id: str, payload: RmaPayload, idempotency_key: str) -> PushResult:
        """delivery.update(increment_id, data, null, null): https://docs.shipstream.io/ref/delivery.html."""
        result = self.call(
            "delivery.update",
            payloads.delivery_tracking_update_args(external_id, payload),
            operation="rma_update",
            idempotency_key=idempotency_key,
        )
        return PushResult(external_id=external_id, raw=result, api_call_id=self.last_api_call_id)

    def rma_cancel(self, *, external_id: str, payload: RmaPayload, idempotency_key: str) -> PushResult:
        """delivery.cancel(increment_id): https://docs.shipstream.io/ref/delivery.html."""
        result = self.call("delivery.cancel", [external_id], operation="rma_cancel", idempotency_key=idempotency_key)
        return PushResult(external_id=external_id, raw=result, api_call_id=self.last_api_call_id)

    # -- reading deliveries back (warehouse events, reconciliation) ------------------------------

    def _search(self, filters: dict[str, Any], options: dict[str, Any], *, operation: str) -> list[dict[str, Any]]:
        result = self.call("delivery.search", [filters, options], operation=operation)
        rows = (result.get("results") or result.get("items") or []) if isinstance(result, dict) else result or []
        return [row for row in rows if isinstance(row, dict)]

    def delivery_by_merchant_ref(self, *, merchant_ref: str) -> dict[str, Any] | None:
        """The RMA delivery with its items, by our RMA number (webhooks carry no per-item quantities).

        delivery.search({"merchant_ref": {"eq"}}, {"fields": ["items"]}): https://docs.shipstream.io/ref/delivery.html
        Whether items come by default is unconfirmed (providers.md §7.5), so they are asked for.
        """
        filters = {"merchant_ref": {"eq": merchant_ref}, "delivery_type": {"eq": "rma"}}
        for row in self._search(filters, {"fields": ["items"]}, operation="delivery_get"):
            if str(row.get("merchant_ref")) == merchant_ref:
                return row
        return None

    def delivery_by_increment_id(self, *, increment_id: str) -> dict[str, Any] | None:
        """A delivery with its items by ShipStream's own number, for one that carries no merchant_ref (an RMA the
        warehouse created itself). delivery.search({"increment_id": {"eq"}}): https://docs.shipstream.io/ref/delivery.html"""
        filters = {"increment_id": {"eq": increment_id}, "delivery_type": {"eq": "rma"}}
        for row in self._search(filters, {"fields": ["items"]}, operation="delivery_get"):
            if str(row.get("increment_id")) == increment_id:
                return row
        return None

    def inbound_event_enrich(self, *, event: Payload) -> Sequence[Payload]:
        """delivery:* messages carry no per-item quantities (nor tracking numbers): once goods are arriving, read
        them with delivery.search, by merchant_ref, else by ShipStream's own number. A transient error propagates
        (the webhook is retried rather than applied without its quantities); a permanent one too, and the caller
        applies the status without them."""
        if not isinstance(event, InboundWarehouseReturnEvent) or event.lines is not None:
            return (event,)
        if event.status not in _ARRIVING or not (event.rma_number or event.external_id):
            return (event,)
        if event.rma_number:
            delivery = self.delivery_by_merchant_ref(merchant_ref=event.rma_number)
        else:
            delivery = self.delivery_by_increment_id(increment_id=event.external_id)
        if not delivery:
            return (event,)
        return (mappers.delivery_completed(event, delivery),)

    def returns_changed_since(
        self, *, since: dt.datetime, until: dt.datetime, max_pages: int
    ) -> Iterator[InboundWarehouseReturnEvent]:
        """RMA deliveries updated since a time, with their items, as warehouse events.

        delivery.search({"updated_at": {"gt"}, "delivery_type": {"eq": "rma"}}, {page, limit}):
        https://docs.shipstream.io/ref/delivery.html
        """
        after = since.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")
        filters = {"updated_at": {"gt": after}, "delivery_type": {"eq": "rma"}}
        for page in range(1, max_pages + 1):
            rows = self._search(filters, {"fields": ["items"], "page": page, "limit": 100}, operation="deliveries_list")
            for row in rows:
                yield mappers.delivery_object_event(row)
            if len(rows) < 100:
                break
