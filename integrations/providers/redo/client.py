"""Redo API client.

Reference: https://developers.redo.com/docs/api-reference/authentication ; providers.md §2.
"""

import contextlib
import datetime as dt
import os
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, Self

from integrations.base import ReturnItemDecision, ReturnsPlatformClient, WebhookRegistration
from integrations.destinations import connection_base_url, path_segment
from integrations.exceptions import ProviderConfigurationError
from integrations.http import BaseHttpClient
from integrations.inbound import InboundReturnEvent
from integrations.models import Connection
from integrations.providers.loop.client import LoopClient
from integrations.providers.redo import mappers, payloads

if TYPE_CHECKING:
    from integrations.circuit_breaker import BreakerGate

PAGE_SIZE = 100
# Redo's Loop-compatible API (connections with options.loop_compatible), replaced for the deployment by
# REDO_LOOP_COMPAT_BASE_URL: https://developers.redo.com/docs/api-reference/loop-compatible-api
LOOP_COMPATIBLE_BASE_URL = "https://loop-api.getredo.com/api/v1"


def loop_compatible_base_url() -> str:
    return os.environ.get("REDO_LOOP_COMPAT_BASE_URL", "").strip() or LOOP_COMPATIBLE_BASE_URL


def client_for_connection(connection: Connection) -> "RedoClient | RedoLoopCompatibleClient":
    """Redo's native API, or its Loop-compatible API when the connection's options ask for it."""
    if (connection.options or {}).get("loop_compatible"):
        return RedoLoopCompatibleClient.from_connection(connection)
    return RedoClient.from_connection(connection)


class RedoClient(BaseHttpClient, ReturnsPlatformClient):
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
            "GET",
            f"/stores/{path_segment(self.store_id)}/returns",
            operation="test_connection",
            headers={"X-Page-Size": "1"},
        )
        return "Redo accepted the API secret"

    def _store_path(self) -> str:
        if not self.store_id:
            raise ProviderConfigurationError("Redo connection has no store id")
        return f"/stores/{path_segment(self.store_id)}"

    def return_status_update(self, *, return_id: str, status: str) -> int | None:
        """PUT /returns/{id}/status {"status"} → 204; returns the ApiCall id.

        https://developers.redo.com/docs/api-reference (returns: update status). `complete` also
        completes every item; `open` after complete does not reverse refunds.
        """
        return self._status(return_id, status, operation="return_status")

    def _status(self, return_id: str, status: str, *, operation: str) -> int | None:
        body = payloads.status_body(status)
        self.request("PUT", f"/returns/{path_segment(return_id)}/status", operation=operation, json_body=body)
        return self.last_api_call_id

    def return_process(self, *, return_id: str) -> int | None:
        """Complete the whole return (status `complete` completes every item): the documented way where the
        per-item process endpoint is not offered. https://developers.redo.com/docs/api-reference"""
        return self._status(return_id, "complete", operation="return_process")

    def return_items_process(self, *, return_id: str, items: Sequence[ReturnItemDecision]) -> int | None:
        """POST /returns/{id}/process (BETA) with per-item restock / reject; returns the ApiCall id.

        https://developers.redo.com/docs/api-reference (returns: process return). Where the endpoint is
        not offered Redo answers 410 / 501, raised as ProviderConfigurationError.
        """
        body = payloads.process_body(items=[(item.item_id, item.accept, item.restock) for item in items])
        self.request(
            "POST", f"/returns/{path_segment(return_id)}/process", operation="return_items_process", json_body=body
        )
        return self.last_api_call_id

    def return_flag(self, *, return_id: str) -> int | None:
        """Status `flagged`: the merchant's team reviews it (PUT /returns/{id}/status)."""
        return self._status(return_id, "flagged", operation="return_flag")

    def _comment(self, return_id: str, content: str, *, operation: str) -> int | None:
        """POST /returns/{id}/comments {"comment": {"message"}}: https://developers.redo.com/docs/api-reference."""
        self.request(
            "POST",
            f"/returns/{path_segment(return_id)}/comments",
            operation=operation,
            json_body=payloads.comment_body(content),
        )
        return self.last_api_call_id

    def return_note_create(self, *, return_id: str, content: str) -> int | None:
        """A comment on the return (POST /returns/{id}/comments)."""
        return self._comment(return_id, content, operation="return_note")

    def return_grades_note_create(self, *, return_id: str, content: str) -> int | None:
        """Redo documents no grading write (providers.md §2.2): the grades go in a comment, POST /returns/{id}/comments
        (also from the Loop-compatible mode, whose reads and comments stay on the native API)."""
        return self._comment(return_id, content, operation="return_grades_note")

    def returns_changed_since(
        self, *, since: dt.datetime, until: dt.datetime, max_pages: int
    ) -> Iterator[InboundReturnEvent]:
        """Returns updated since a time, as return events, a page at a time.

        GET /stores/{storeId}/returns?updated_at_min= with X-Page-Size / X-Page-Continue, next page in
        X-Page-Next: https://developers.redo.com/docs/api-reference (returns: list)
        """
        params = {"updated_at_min": since.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}
        headers = {"X-Page-Size": str(PAGE_SIZE)}
        for _ in range(max_pages):
            response = self.request(
                "GET", f"{self._store_path()}/returns", operation="returns_list", params=params, headers=headers
            )
            for body in payloads.returns_from(response.json() if response.content else None):
                yield mappers.return_event(body)
            cursor = response.headers.get("X-Page-Next", "")
            if not cursor:
                break
            headers = {**headers, "X-Page-Continue": cursor}

    def webhooks_register(self, *, url: str, secret: str, external_id: str) -> WebhookRegistration:
        """POST /stores/{storeId}/webhooks: one subscription, created or updated by its externalId, whose
        deliveries carry `Authorization: Bearer <secret>`.

        https://developers.redo.com/docs/api-reference (webhooks: create). Redo requires an https callback.
        """
        response = self.request(
            "POST",
            f"{self._store_path()}/webhooks",
            operation="webhook_create",
            json_body=payloads.webhook_body(url=url, token=secret, external_id=external_id),
        )
        data = response.json() if response.content else None
        webhook = data.get("webhook") if isinstance(data, dict) else None
        hook = webhook if isinstance(webhook, dict) else {}
        label = f"return ({hook.get('id')})" if hook.get("id") else "return"
        # 201: created now; 200: the one with this externalId was already there (and is updated).
        if response.status_code == 201:
            return WebhookRegistration(created=(label,))
        return WebhookRegistration(present=(label,))


class _RedoLoopCompatibleActions(LoopClient):
    """Loop's warehouse paths and bodies at loop-api.getredo.com, authenticated with the Redo API secret."""

    slug = "redo"
    provider = "redo"
    default_rate_limit = "10/second"

    def _return_ref(self, return_id: str) -> tuple[str, dict[str, str]]:
        # Our id is Redo's ObjectId: path id 0 plus ?redo_return_id= names it (a numeric id goes in the path).
        if return_id.isdigit():
            return return_id, {}
        return "0", {"redo_return_id": return_id}


class RedoLoopCompatibleClient(RedoClient):
    """Redo with its Loop-compatible API for acting on returns; reads and webhooks stay on the native API.

    https://developers.redo.com/docs/api-reference/loop-compatible-api ; providers.md §2.4.
    Semantics differ from Loop: `close` rejects the return and `cancel` resets it to its initial
    state, so Backhaul only ever calls process, flag and note there. The auth header is
    unconfirmed; Loop's X-Authorization is assumed. Items cannot be processed one by one there.
    """

    mode_label = "Loop-compatible API"

    def __init__(self, *, actions: _RedoLoopCompatibleActions, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.actions = actions

    @property
    def actions_base_url(self) -> str:
        return self.actions.base_url

    def breaker_attach(self, gate: "BreakerGate") -> None:
        """Both transports (native reads, Loop-compatible actions) are the one connection's calls."""
        super().breaker_attach(gate)
        self.actions.breaker_attach(gate)

    @classmethod
    def from_connection(cls, connection: Connection) -> Self:
        """Native Redo client, plus the Redo API secret as X-Authorization at options["loop_compatible_base_url"]
        (or the deployment's, loop_compatible_base_url())."""
        options = connection.options or {}
        actions = _RedoLoopCompatibleActions(
            api_key=connection.api_key or "",
            base_url=str(options.get("loop_compatible_base_url") or loop_compatible_base_url()),
            connection_id=connection.pk,
            rate_limit=options.get("rate_limit", ""),
        )
        return cls(
            actions=actions,
            api_secret=connection.api_key or "",
            store_id=connection.external_account_id,
            base_url=connection_base_url(connection),
            connection_id=connection.pk,
            rate_limit=options.get("rate_limit", ""),
        )

    @contextlib.contextmanager
    def log_context(self, *, rma_id: int | None = None, return_obj_id: int | None = None) -> Iterator[None]:
        with (
            super().log_context(rma_id=rma_id, return_obj_id=return_obj_id),
            self.actions.log_context(rma_id=rma_id, return_obj_id=return_obj_id),
        ):
            yield

    def return_process(self, *, return_id: str) -> int | None:
        """POST /warehouse/return/{id}/process on the Loop-compatible API."""
        return self.actions.return_process(return_id=return_id)

    def return_items_process(self, *, return_id: str, items: Sequence[ReturnItemDecision]) -> int | None:
        """Not offered by the Loop-compatible API: the caller processes the whole return."""
        return ReturnsPlatformClient.return_items_process(self, return_id=return_id, items=items)

    def return_flag(self, *, return_id: str) -> int | None:
        """POST /warehouse/return/{id}/flag on the Loop-compatible API."""
        return self.actions.return_flag(return_id=return_id)

    def return_note_create(self, *, return_id: str, content: str) -> int | None:
        """POST /warehouse/return/{id}/note on the Loop-compatible API."""
        return self.actions.return_note_create(return_id=return_id, content=content)
