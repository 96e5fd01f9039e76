"""Loop Returns API client.

Reference: https://docs.loopreturns.com/api-reference/getting-started ; providers.md §1.
"""

import datetime as dt
from collections.abc import Iterator, Sequence
from datetime import timedelta
from typing import Any, Self

import requests
from django.utils import timezone

from integrations.base import ItemGradeReport, ReturnsPlatformClient, WebhookRegistration
from integrations.destinations import connection_base_url, path_segment
from integrations.exceptions import (
    ProviderAuthError,
    ProviderConfigurationError,
    ProviderError,
    ProviderRejected,
)
from integrations.http import BaseHttpClient
from integrations.inbound import InboundReturnEvent, InboundShipmentLookupEvent, Payload
from integrations.models import ApiCall, Connection
from integrations.providers.loop import mappers, payloads
from integrations.providers.loop.declaration import WEBHOOK_TOPICS

# Loop's list endpoint refuses a range longer than 120 days.
LIST_MAX_DAYS = 120


class LoopClient(BaseHttpClient, ReturnsPlatformClient):
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
        data = self.request_json(
            "GET", f"/happy-returns/shipments/{path_segment(shipment_id)}", operation="happy_returns_shipment"
        )
        return data if isinstance(data, dict) else {"data": data}

    def inbound_event_enrich(self, *, event: Payload) -> Sequence[Payload]:
        """A Happy Returns shipment webhook carries only ids: fetch the shipment, one label event per return in it."""
        if not isinstance(event, InboundShipmentLookupEvent):
            return (event,)
        details = self.happy_returns_shipment_get(shipment_id=event.shipment_id)
        return tuple(mappers.happy_returns_shipment_labels(details or {}))

    # -- acting on a return (warehouse API, providers.md §1.7) ----------------------------------

    def _return_ref(self, return_id: str) -> tuple[str, dict[str, str]]:
        """The path id and query parameters that name a return (Redo's compat API overrides this)."""
        return str(return_id), {}

    def _action(self, return_id: str, action: str, *, json_body: Any = None) -> requests.Response:
        """POST /warehouse/return/{id}/{action}; a 2xx whose body reports an error raises ProviderRejected."""
        path_id, params = self._return_ref(return_id)
        response = self.request(
            "POST",
            f"/warehouse/return/{path_segment(path_id)}/{action}",
            operation=f"return_{action}",
            json_body=json_body,
            params=params or None,
        )
        return self._checked(response)

    def _checked(self, response: requests.Response) -> requests.Response:
        """A 2xx whose body reports an error raises ProviderRejected (and the ApiCall says so)."""
        error = payloads.answer_error(response.text)
        if error:
            message = self._scrub(f"{self.provider} answered {response.status_code} with an error: {error}")[:1000]
            # The shared base logged this call as a success (2xx); correct the log so support sees it.
            if self.last_api_call_id is not None:  # always set by the request() just above
                ApiCall.objects.filter(pk=self.last_api_call_id).update(
                    error_class=ProviderRejected.__name__, error_message=message
                )
            raise ProviderRejected(message, status_code=response.status_code, api_call_id=self.last_api_call_id)
        return response

    def return_process(self, *, return_id: str) -> int | None:
        """Queue processing (refunds, exchanges, gift cards); returns the ApiCall id.

        POST /warehouse/return/{id}/process: https://docs.loopreturns.com/integration-guides/process-returns
        """
        self._action(return_id, "process")
        return self.last_api_call_id

    def return_flag(self, *, return_id: str) -> int | None:
        """Block automatic processing until a human reviews the return; returns the ApiCall id.

        POST /warehouse/return/{id}/flag: https://docs.loopreturns.com/integration-guides/return-actions
        """
        self._action(return_id, "flag")
        return self.last_api_call_id

    def return_note_create(self, *, return_id: str, content: str) -> int | None:
        """Add a note (under 255 characters); returns the ApiCall id.

        POST /warehouse/return/{id}/note {"content"}: https://docs.loopreturns.com/integration-guides/return-actions
        """
        self._action(return_id, "note", json_body=payloads.note_body(content))
        return self.last_api_call_id

    # -- grading and dispositions (Dispositioning API, providers.md §8.1) -------------------------

    def _dispositioning(self, step: str, body: dict[str, Any], batch: int) -> int | None:
        """POST /dispositioning/{grade|assess}. A 403 (the API not enabled for the merchant, or an item that is not
        the shop's) and a 404 are configuration to show, not refused credentials: ProviderConfigurationError."""
        try:
            response = self.request(
                "POST", f"/dispositioning/{step}", operation=f"return_items_{step}:{batch}", json_body=body
            )
        except (ProviderAuthError, ProviderRejected) as exc:
            if exc.status_code not in (403, 404):
                raise
            raise self._not_enabled(step, exc) from exc
        self._checked(response)
        return self.last_api_call_id

    def _not_enabled(self, step: str, exc: ProviderError) -> ProviderConfigurationError:
        return ProviderConfigurationError(
            f"Loop refused to {step} the items ({exc.message}): Loop may need to enable grading and dispositions "
            "for this store, or an item is not the store's",
            status_code=exc.status_code,
            api_call_id=exc.api_call_id,
        )

    def return_items_grade(self, *, items: Sequence[ItemGradeReport], batch: int = 1) -> int | None:
        """POST /dispositioning/grade, at most 30 items: https://docs.loopreturns.com/integration-guides/grading-and-disposition."""
        return self._dispositioning("grade", payloads.grade_body(items), batch)

    def return_items_assess(self, *, items: Sequence[ItemGradeReport], batch: int = 1) -> int | None:
        """POST /dispositioning/assess, at most 30 items: https://docs.loopreturns.com/integration-guides/grading-and-disposition."""
        return self._dispositioning("assess", payloads.assess_body(items), batch)

    def returns_changed_since(
        self, *, since: dt.datetime, until: dt.datetime, max_pages: int
    ) -> Iterator[InboundReturnEvent]:
        """Returns updated in [since, until] as return events, a page at a time.

        GET /warehouse/return/list?from=&to=&filter=updated_at (range ≤ 120 days, paginated):
        https://docs.loopreturns.com/integration-guides/process-returns
        """
        for rows in self._return_pages(since=since, until=until, max_pages=max_pages):
            # List rows are return objects without a webhook trigger; "updated" lets intake decide.
            for row in rows:
                if row.get("id"):
                    yield mappers.return_event({**row, "trigger": "return.updated"})

    def _return_pages(
        self, *, since: dt.datetime, until: dt.datetime, max_pages: int
    ) -> Iterator[list[dict[str, Any]]]:
        since = max(since, until - timedelta(days=LIST_MAX_DAYS - 1))
        # Whole days (the format the docs show): a day is re-read, and intake ignores what it has.
        params: dict[str, Any] | None = {
            "from": since.strftime("%Y-%m-%d"),
            "to": (until + timedelta(days=1)).strftime("%Y-%m-%d"),
            "filter": "updated_at",
        }
        url = "/warehouse/return/list"
        for _ in range(max_pages):
            data = self.request_json("GET", url, operation="returns_list", params=params)
            rows, next_url = payloads.returns_from(data)
            yield rows
            if not next_url or not rows:
                break
            # The next-page URL carries the filters already.
            url, params = next_url, None

    # -- webhook subscriptions (providers.md §1.2) ----------------------------------------------

    def webhooks_register(self, *, url: str, secret: str = "", external_id: str = "") -> WebhookRegistration:
        """One subscription per (topic, trigger) of the declaration, listed first so a re-run creates only what
        is missing and re-activates what Loop deactivated (providers.md §1.2, §1.4). Loop signs with its own
        secret: `secret` and `external_id` are not sent."""
        existing: dict[tuple[str, str], dict[str, Any]] = {}
        for hook in self.webhooks_list():
            if str(hook.get("url") or "") == url:
                existing[(str(hook.get("topic")), str(hook.get("trigger")))] = hook
        created, reactivated, present = [], [], []
        for topic in WEBHOOK_TOPICS:
            found = existing.get((topic.group, topic.name))
            if found is None:
                self.webhook_create(topic=topic.group, trigger=topic.name, url=url)
                created.append(topic.name)
            elif str(found.get("status") or "active") != "active" and found.get("id") is not None:
                # Loop deactivates a webhook after repeated failures (older docs): turn it back on.
                self.webhook_activate(webhook_id=str(found["id"]), topic=topic.group, trigger=topic.name, url=url)
                reactivated.append(topic.name)
            else:
                present.append(topic.name)
        return WebhookRegistration(created=tuple(created), present=tuple(present), reactivated=tuple(reactivated))

    def webhooks_list(self) -> list[dict[str, Any]]:
        """GET /webhooks → [{id, topic, trigger, url, status}]: https://docs.loopreturns.com/reference/setting-up-webhooks."""
        return payloads.webhooks_from(self.request_json("GET", "/webhooks", operation="webhooks_list"))

    def webhook_create(self, *, topic: str, trigger: str, url: str) -> dict[str, Any]:
        """POST /webhooks {topic, trigger, url, status: active}: https://docs.loopreturns.com/reference/setting-up-webhooks."""
        body = payloads.webhook_body(topic=topic, trigger=trigger, url=url)
        data = self.request_json("POST", "/webhooks", operation="webhook_create", json_body=body)
        return data if isinstance(data, dict) else {}

    def webhook_activate(self, *, webhook_id: str, topic: str, trigger: str, url: str) -> None:
        """PUT /webhooks/{id} with status active (Loop deactivates failing webhooks; providers.md §1.4)."""
        body = payloads.webhook_body(topic=topic, trigger=trigger, url=url)
        self.request("PUT", f"/webhooks/{path_segment(webhook_id)}", operation="webhook_activate", json_body=body)
