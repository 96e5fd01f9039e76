"""ShipBob API client (direct), API version 2026-01: returns, fulfillment centers, orders and inventory.

Reference: https://developer.shipbob.com/2026-01/api (returns, fulfillment centers, orders, inventory),
https://developer.shipbob.com/guides/returns ; every field used is listed with its source in PROVIDER.md.
"""

import dataclasses
import datetime as dt
import hashlib
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Self
from urllib.parse import urljoin

import requests
from django.core.cache import cache

from integrations.base import OrderRef, PushResult, RmaPayload, WarehouseClient, WarehouseInfo
from integrations.destinations import connection_base_url, path_segment
from integrations.exceptions import (
    ProviderConfigurationError,
    ProviderPermanentError,
    ProviderRejected,
    ProviderSettingWrong,
)
from integrations.http import BaseHttpClient, parse_retry_after
from integrations.inbound import InboundWarehouseReturnEvent, Payload
from integrations.models import Connection
from integrations.payload_values import items, mapping, text
from integrations.providers.shipbob import mappers, payloads

API_VERSION = "2026-01"
# SKU → inventory id and an order's shipment change rarely: looked up once a day per connection.
INVENTORY_CACHE_SECONDS = 24 * 3600
ORDER_CACHE_SECONDS = 24 * 3600
INVENTORY_PAGES = 3  # SearchBy matches SKUs partially: the exact one may be past the first page
RETURNS_PAGE_SIZE = 100


def _cache_key(*parts: Any) -> str:
    """SKUs and order names may hold any character: hashed, so every cache backend takes the key."""
    return "shipbob:" + hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()


class ShipBobClient(BaseHttpClient, WarehouseClient):
    slug = "shipbob"
    provider = "shipbob"
    # 150 requests per minute per user and application, sliding (https://developer.shipbob.com/rate-limit).
    default_rate_limit = "150/minute"

    def __init__(self, *, token: str, channel_id: str = "", **kwargs: Any) -> None:
        super().__init__(headers={"Authorization": f"Bearer {token}"}, secrets=(token,), **kwargs)
        self.channel_id = channel_id.strip()

    @classmethod
    def from_connection(cls, connection: Connection) -> Self:
        """The personal access token, and the channel returns are created on (Connection.external_account_id)."""
        return cls(
            token=connection.api_key or "",
            channel_id=connection.external_account_id,
            base_url=connection_base_url(connection),
            connection_id=connection.pk,
            rate_limit=(connection.options or {}).get("rate_limit", ""),
        )

    # -- shared-base hooks -----------------------------------------------------------------------

    def retry_after(self, response: requests.Response) -> float | None:
        """ShipBob's 429 says how long to wait in `x-retry-after` (seconds); a standard Retry-After counts too."""
        waits = [parse_retry_after(response.headers.get(name)) for name in ("x-retry-after", "Retry-After")]
        known = [w for w in waits if w is not None]
        return max(known) if known else None

    def error_message(self, response: requests.Response) -> str:
        """ShipBob's error bodies (PROVIDER.md "Errors"): an ApiError's message and its `errors` list, a validation
        problem's title and its `errors` object field by field, the older `{"<field>": ["message"]}` bodies; a
        ProblemDetails (its detail) and the 429 body ({"message"}) as the base reads them."""
        try:
            data = response.json()
        except ValueError:
            data = None
        if isinstance(data, dict):
            errors = data.get("errors")
            listed = ""
            if isinstance(errors, dict) and errors:
                head, listed = text(data.get("title") or data.get("detail")), _field_messages(errors)
            elif isinstance(errors, list) and errors:
                head, listed = text(data.get("message") or data.get("title")), "; ".join(map(str, errors))[:800]
            elif data and all(isinstance(value, list) for value in data.values()):
                head, listed = "", _field_messages(data)
            if listed:
                return f"{head.rstrip('. ')}: {listed}" if head else listed
        return super().error_message(response)

    # -- requests --------------------------------------------------------------------------------

    def _path(self, *segments: str) -> str:
        return "/" + "/".join((API_VERSION, *segments))

    def _channel_headers(self) -> dict[str, str]:
        """The channel returns are written on. ShipBob documents the header as `shipbob_channel_id`, with
        underscores; many servers drop such headers (Django's own and gunicorn's WSGI servers, nginx by
        default), and Backhaul serves its ShipBob sandbox itself: the same value also goes as
        `shipbob-channel-id`, which they keep. Reads send no channel: without one ShipBob searches every
        channel of the merchant, and orders come from the store's channel, not the token's."""
        if not self.channel_id:
            raise ProviderConfigurationError("the ShipBob connection has no Channel ID: returns are written on it")
        return {"shipbob_channel_id": self.channel_id, "shipbob-channel-id": self.channel_id}

    def _return_get(self, return_id: str, *, operation: str) -> Mapping[str, Any]:
        """GET /2026-01/return/{id} → PublicReturnDto."""
        data = self.request_json("GET", self._path("return", path_segment(return_id)), operation=operation)
        return data if isinstance(data, Mapping) else {}

    def _returns_page(self, params: Mapping[str, Any], *, operation: str) -> tuple[list[Mapping[str, Any]], bool]:
        """GET /2026-01/return → (items, whether a next page is linked)."""
        data = self.request_json("GET", self._path("return"), operation=operation, params=params)
        data = data if isinstance(data, Mapping) else {}
        rows = [row for row in items(data.get("items")) if isinstance(row, Mapping)]
        return rows, bool(data.get("next"))

    # -- the connection --------------------------------------------------------------------------

    def test_connection(self) -> str:
        """GET /2026-01/fulfillment-center, the cheapest call a token must be allowed, then the channel."""
        centers = self.warehouses_list()
        self.settings_verify()
        return f"ShipBob answered: {len(centers)} fulfillment center(s), channel {self.channel_id} may write returns"

    def settings_verify(self) -> None:
        """GET /2026-01/channel: the channel returns are created on must be one of the token's, with
        returns_write; otherwise the first return would be refused (403) long after setup."""
        data = self.request_json("GET", self._path("channel"), operation="channels_list")
        rows = data.get("items") if isinstance(data, Mapping) else data
        channels = {text(row.get("id")): row for row in items(rows) if isinstance(row, Mapping)}
        writable = [cid for cid, row in channels.items() if "returns_write" in items(row.get("scopes"))]
        listed = ", ".join(f"{cid} ({text(channels[cid].get('name')) or 'unnamed'})" for cid in writable) or "none"
        if self.channel_id not in channels:
            raise ProviderSettingWrong(
                f"Channel {self.channel_id or '(blank)'} is not one of this token's channels. "
                f"The channels it may create returns on: {listed}.",
                field="external_account_id",
                api_call_id=self.last_api_call_id,
            )
        if self.channel_id not in writable:
            raise ProviderSettingWrong(
                f"Channel {self.channel_id} cannot create returns with this token (no returns_write scope). "
                f"The channels it may create returns on: {listed}.",
                field="external_account_id",
                api_call_id=self.last_api_call_id,
            )

    def warehouses_list(self) -> list[WarehouseInfo]:
        """GET /2026-01/fulfillment-center → a bare array of {id, name, address…}."""
        data = self.request_json("GET", self._path("fulfillment-center"), operation="warehouses_list")
        rows = data.get("items") if isinstance(data, Mapping) else data
        return mappers.warehouse_infos(items(rows))

    # -- orders ----------------------------------------------------------------------------------

    def _order(self, forms: Sequence[str], *, operation: str) -> Mapping[str, Any] | None:
        if not forms:
            return None
        data = self.request_json(
            "GET", self._path("order"), operation=operation, params={"ReferenceIds": ",".join(forms)}
        )
        return mappers.order_matching(data, forms=forms)

    def order_find(self, *, order_name: str, order_number: str = "", order_ids: Sequence[str] = ()) -> OrderRef | None:
        """GET /2026-01/order?ReferenceIds=<every form, comma-separated> (a bare array of orders), in one call.
        No channel header: it would limit the search to orders from the token's own channel."""
        forms = mappers.order_forms(order_name=order_name, order_number=order_number, order_ids=order_ids)
        order = self._order(forms, operation="order_find")
        return mappers.order_ref(order) if order is not None else None

    def order_search_forms(
        self, *, order_name: str, order_number: str = "", order_ids: Sequence[str] = ()
    ) -> tuple[str, ...]:
        forms = mappers.order_forms(order_name=order_name, order_number=order_number, order_ids=order_ids)
        return (f"ReferenceIds={','.join(forms)}",) if forms else ()

    def _original_shipment_id(self, payload: RmaPayload) -> int | None:
        """The shipment the returned items left in (original_shipment_id), when ShipBob knows the order.
        Only found shipments are cached: an order may reach ShipBob after its return does."""
        forms = mappers.order_forms(
            order_name=payload.order_name, order_number=payload.order_number, order_ids=payload.platform_order_ids
        )
        key = _cache_key("order", self.connection_id, *forms)
        order = cache.get(key)
        if order is None:
            try:
                order = self._order(forms, operation="order_find")
            except ProviderPermanentError:
                return None  # optional in the return: a token without orders_read still creates it (ApiCall kept)
            if order is None:
                return None
            cache.set(key, dict(order), ORDER_CACHE_SECONDS)
        skus = [line.sku for line in payload.lines]
        shipment = mappers.shipment_for(order, skus=skus, fulfillment_center=payload.warehouse_code) or {}
        return mappers.identifier(shipment.get("id"))

    # -- inventory -------------------------------------------------------------------------------

    def inventory_id(self, sku: str) -> int:
        """The ShipBob inventory id of `sku` (a return names inventory ids, not SKUs), cached a day.

        GET /2026-01/inventory?SearchBy=<sku> matches SKUs partially and case-insensitively: only an item
        whose SKU is exactly this one counts. Bundles and digital items cannot be returned to ShipBob."""
        key = _cache_key("inventory", self.connection_id, sku)
        found = cache.get(key)
        if found is None:
            found = self._inventory_search(sku)
            cache.set(key, found, INVENTORY_CACHE_SECONDS)
        if found["kind"]:
            raise ProviderRejected(
                f"ShipBob cannot take SKU {sku!r} back in a return: it is a {found['kind']} item (ShipBob "
                "accepts neither bundles nor digital items in returns; return the items inside it instead)",
                api_call_id=self.last_api_call_id,
            )
        return int(found["id"])

    def _inventory_search(self, sku: str) -> dict[str, Any]:
        candidates: list[Mapping[str, Any]] = []
        params: dict[str, Any] = {"SearchBy": sku, "PageSize": 100}
        url = self._path("inventory")
        for _ in range(INVENTORY_PAGES):
            data = self.request_json("GET", url, operation="inventory_find", params=params)
            data = data if isinstance(data, Mapping) else {}
            rows = [r for r in items(data.get("items")) if isinstance(r, Mapping)]
            candidates += [r for r in rows if text(r.get("sku")) == sku and mappers.identifier(r.get("inventory_id"))]
            following = text(data.get("next"))
            if candidates or not following:
                break
            url, params = urljoin(f"{self.base_url}{self._path('inventory')}", following), {}
        if not candidates:
            raise ProviderRejected(
                f"ShipBob has no inventory item with SKU {sku!r} (searched GET /{API_VERSION}/inventory?SearchBy=)",
                api_call_id=self.last_api_call_id,
            )

        def kind(row: Mapping[str, Any]) -> str:
            variant = mapping(row.get("variant"))
            if variant.get("is_bundle") or row.get("is_bundle"):
                return "bundle"
            return "digital" if variant.get("is_digital") or row.get("is_digital") else ""

        # A physical, active item first: a SKU may also name a retired copy or a bundle of itself.
        best = min(candidates, key=lambda r: (kind(r) != "", mapping(r.get("variant")).get("is_active") is False))
        return {"id": mappers.identifier(best.get("inventory_id")), "kind": kind(best)}

    # -- returns ---------------------------------------------------------------------------------

    def rma_create(self, *, payload: RmaPayload, idempotency_key: str) -> PushResult:
        """POST /2026-01/return with the channel header → 201 PublicReturnV1Dto.

        reference_id (our RMA number) is unique per merchant at ShipBob: a refused create whose return exists
        is an earlier attempt that landed, and that return is the answer."""
        payloads.reference_id(payload.number)
        payloads.fulfillment_center_id(payload.warehouse_code)
        channel = self._channel_headers()
        inventory_ids = {line.sku: self.inventory_id(line.sku) for line in payload.lines}
        body = payloads.return_create_body(
            payload, inventory_ids=inventory_ids, original_shipment_id=self._original_shipment_id(payload)
        )
        try:
            data = self.request_json(
                "POST",
                self._path("return"),
                operation="rma_create",
                json_body=body,
                headers=channel,
                idempotency_key=idempotency_key,
            )
        except ProviderRejected as exc:
            existing = self.rma_find(payload=payload) if exc.status_code in (400, 409, 422) else None
            if existing is not None:
                return existing
            raise
        data = data if isinstance(data, Mapping) else {}
        return PushResult(
            external_id=text(data.get("id")) or payload.number, raw=data, api_call_id=self.last_api_call_id
        )

    def rma_find(self, *, payload: RmaPayload) -> PushResult | None:
        """GET /2026-01/return?ReferenceIds=<RMA number>; a live return before a cancelled one."""
        rows, _ = self._returns_page({"ReferenceIds": payload.number}, operation="rma_find")
        mine = [row for row in rows if text(row.get("reference_id")) == payload.number and text(row.get("id"))]
        mine.sort(key=lambda row: mappers.rma_status(row.get("status")) == "cancelled")
        if not mine:
            return None
        return PushResult(external_id=text(mine[0].get("id")), raw=dict(mine[0]), api_call_id=self.last_api_call_id)

    def rma_update_tracking(self, *, external_id: str, payload: RmaPayload, idempotency_key: str) -> PushResult:
        """PUT /2026-01/return/{id}: the return as ShipBob holds it, with the new tracking number. ShipBob lets
        a return change only while it awaits arrival, so its status is read first and anything else refused."""
        current = self._return_get(external_id, operation="rma_get")
        status = text(current.get("status"))
        if mappers.rma_status(status) != "submitted":
            raise ProviderRejected(
                f"ShipBob return {external_id} is {status or 'in an unknown state'}: its tracking number can only "
                "change while it is awaiting arrival",
                api_call_id=self.last_api_call_id,
            )
        tracking = (payload.tracking_numbers or ("",))[0]
        body = payloads.return_update_body(current, tracking_number=tracking)
        data = self.request_json(
            "PUT",
            self._path("return", path_segment(external_id)),
            operation="rma_update",
            json_body=body,
            headers=self._channel_headers(),
            idempotency_key=idempotency_key,
        )
        return PushResult(external_id=external_id, raw=data, api_call_id=self.last_api_call_id)

    def rma_cancel(self, *, external_id: str, payload: RmaPayload, idempotency_key: str) -> PushResult:
        """POST /2026-01/return/{id}:cancel → 200 with an empty body. Only a return awaiting arrival can be
        cancelled: when ShipBob refuses, the return is read to say why, and one already cancelled is done."""
        path = self._path("return", path_segment(external_id)) + ":cancel"
        try:
            self.request(
                "POST", path, operation="rma_cancel", headers=self._channel_headers(), idempotency_key=idempotency_key
            )
        except ProviderRejected as exc:
            current = self._return_get(external_id, operation="rma_get")
            status = text(current.get("status"))
            if mappers.rma_status(status) == "cancelled":
                return PushResult(external_id=external_id, raw=dict(current), api_call_id=self.last_api_call_id)
            raise ProviderRejected(
                f"ShipBob did not cancel return {external_id}, which is {status or 'in an unknown state'}: only a "
                f"return awaiting arrival can be cancelled ({exc.message})",
                status_code=exc.status_code,
                api_call_id=exc.api_call_id,
            ) from exc
        return PushResult(external_id=external_id, api_call_id=self.last_api_call_id)

    # -- reading returns back (warehouse events, reconciliation) ---------------------------------

    def inbound_event_enrich(self, *, event: Payload) -> Sequence[Payload]:
        """A webhook body without each item's SKU (ShipBob documents none; the create answer has no SKUs) is
        completed from GET /2026-01/return/{id}, the source of truth, once goods are arriving or when the body
        says no status at all. A transient error propagates, so the webhook is retried rather than applied
        without its quantities."""
        if not isinstance(event, InboundWarehouseReturnEvent) or event.lines is not None:
            return (event,)
        if event.status and event.status not in mappers.ARRIVING:
            return (event,)
        if event.external_id:
            current = self._return_get(event.external_id, operation="rma_get")
        else:
            found = self.rma_find(payload=RmaPayload(number=event.rma_number, lines=()))
            current = found.raw if found is not None and isinstance(found.raw, Mapping) else {}
        if not current:
            return (event,)
        fetched = mappers.return_event(current)
        return (dataclasses.replace(fetched, rma_number=fetched.rma_number or event.rma_number),)

    def returns_changed_since(
        self, *, since: dt.datetime, until: dt.datetime, max_pages: int
    ) -> Iterator[InboundWarehouseReturnEvent]:
        """Returns completed since `since` (the receipts), then those created since then, oldest first, as the
        events the webhooks would have brought; at most max_pages pages in all. ShipBob keeps no update time:
        CompletedStartDate and StartDate (created) are the filters it has.

        GET /2026-01/return?CompletedStartDate=&CompletedEndDate= / ?StartDate=&EndDate=, SortOrder=Asc,
        Limit, Cursor (the page number)."""
        start = since.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        end = until.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        pages_left, seen = max_pages, set()
        for first, last in (("CompletedStartDate", "CompletedEndDate"), ("StartDate", "EndDate")):
            cursor = 1
            while pages_left > 0:
                params = {first: start, last: end, "SortOrder": "Asc", "Limit": RETURNS_PAGE_SIZE, "Cursor": cursor}
                rows, more = self._returns_page(params, operation="returns_list")
                pages_left -= 1
                for row in rows:
                    if text(row.get("id")) not in seen:
                        seen.add(text(row.get("id")))
                        yield mappers.return_event(row)
                if not more or len(rows) < RETURNS_PAGE_SIZE:
                    break
                cursor += 1


def _field_messages(errors: Mapping[str, Any]) -> str:
    """{"ReferenceId": ["taken"], "": ["general"]} → "ReferenceId: taken; general"."""
    parts = []
    for field, messages in errors.items():
        for message in messages if isinstance(messages, list) else [messages]:
            parts.append(f"{field}: {message}" if field else str(message))
    return "; ".join(parts)[:800]
