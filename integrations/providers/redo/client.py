"""Redo API client.

Reference: https://developers.redo.com/docs/api-reference/authentication ; providers.md §2.
"""

import datetime as dt
from collections.abc import Iterable
from typing import Any, Self

from django.conf import settings

from integrations.base import ProviderClient
from integrations.exceptions import ProviderConfigurationError
from integrations.http import BaseHttpClient, connection_base_url
from integrations.models import Connection
from integrations.providers.loop.client import LoopClient
from integrations.providers.redo import payloads

PAGE_SIZE = 100


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

    def _store_path(self) -> str:
        if not self.store_id:
            raise ProviderConfigurationError("Redo connection has no store id")
        return f"/stores/{self.store_id}"

    def return_status_update(self, *, return_id: str, status: str) -> int | None:
        """PUT /returns/{id}/status {"status"} → 204; returns the ApiCall id.

        https://developers.redo.com/docs/api-reference (returns: update status). `complete` also
        completes every item; `open` after complete does not reverse refunds.
        """
        self.request(
            "PUT", f"/returns/{return_id}/status", operation="return_status", json_body=payloads.status_body(status)
        )
        return self.last_api_call_id

    def return_process(
        self, *, return_id: str, items: Iterable[tuple[str, bool, bool]], customer_notes: str = ""
    ) -> tuple[int | None, str]:
        """POST /returns/{id}/process (BETA) with per-item restock / reject; returns (ApiCall id, Redo's message).

        https://developers.redo.com/docs/api-reference (returns: process return)
        """
        body = payloads.process_body(items=items, customer_notes=customer_notes)
        data = self.request_json("POST", f"/returns/{return_id}/process", operation="return_process", json_body=body)
        message = str(data.get("message") or "") if isinstance(data, dict) else ""
        return self.last_api_call_id, message

    def return_comment_create(self, *, return_id: str, message: str) -> int | None:
        """POST /returns/{id}/comments {"comment": {"message"}}: https://developers.redo.com/docs/api-reference."""
        self.request(
            "POST",
            f"/returns/{return_id}/comments",
            operation="return_comment",
            json_body=payloads.comment_body(message),
        )
        return self.last_api_call_id

    def returns_list(self, *, updated_since: dt.datetime, max_pages: int) -> list[dict[str, Any]]:
        """Returns updated since a time, as webhook-shaped {type, return, order} bodies.

        GET /stores/{storeId}/returns?updated_at_min= with X-Page-Size / X-Page-Continue, next page in
        X-Page-Next: https://developers.redo.com/docs/api-reference (returns: list)
        """
        params = {"updated_at_min": updated_since.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}
        headers = {"X-Page-Size": str(PAGE_SIZE)}
        found: list[dict[str, Any]] = []
        for _ in range(max_pages):
            response = self.request(
                "GET", f"{self._store_path()}/returns", operation="returns_list", params=params, headers=headers
            )
            found.extend(payloads.returns_from(response.json() if response.content else None))
            cursor = response.headers.get("X-Page-Next", "")
            if not cursor:
                break
            headers = {**headers, "X-Page-Continue": cursor}
        return found

    def webhook_create(self, *, url: str, token: str, external_id: str) -> dict[str, Any]:
        """POST /stores/{storeId}/webhooks (creates, or updates the one with the same externalId).

        https://developers.redo.com/docs/api-reference (webhooks: create). Redo requires an https callback.
        """
        data = self.request_json(
            "POST",
            f"{self._store_path()}/webhooks",
            operation="webhook_create",
            json_body=payloads.webhook_body(url=url, token=token, external_id=external_id),
        )
        return data if isinstance(data, dict) else {}


class RedoLoopCompatibleClient(LoopClient):
    """Redo's Loop-compatible API: Loop's warehouse paths and bodies at loop-api.getredo.com.

    https://developers.redo.com/docs/api-reference/loop-compatible-api ; providers.md §2.4.
    Semantics differ from Loop: `close` rejects the return and `cancel` resets it to its initial
    state, so Backhaul only ever calls process, flag and note here. The auth header is
    unconfirmed; Loop's X-Authorization is assumed.
    """

    slug = "redo"
    provider = "redo"
    default_rate_limit = "10/second"

    @classmethod
    def from_connection(cls, connection: Connection) -> Self:
        """The Redo API secret as X-Authorization; options["loop_compatible_base_url"] overrides the host."""
        options = connection.options or {}
        return cls(
            api_key=connection.api_key or "",
            base_url=str(options.get("loop_compatible_base_url") or settings.REDO_LOOP_COMPAT_BASE_URL),
            connection_id=connection.pk,
            rate_limit=options.get("rate_limit", ""),
        )

    def _return_ref(self, return_id: str) -> tuple[str, dict[str, str]]:
        # Our id is Redo's ObjectId: path id 0 plus ?redo_return_id= names it (a numeric id goes in the path).
        if return_id.isdigit():
            return return_id, {}
        return "0", {"redo_return_id": return_id}
