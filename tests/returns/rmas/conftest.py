"""Helpers for RMA tests: a store wired to warehouse connections served by local HTTP fakes."""

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.core.cache import cache
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from integrations import ratelimit
from integrations.models import Connection
from tests.factories import ConnectionFactory, ReturnFactory, ReturnLineFactory, ShippingLocationFactory, StoreFactory


@pytest.fixture(autouse=True)
def _fast_rma_settings(settings: Any) -> None:
    """Short backoffs and leases so retries run in milliseconds; a fresh cache (leases, rate limits)."""
    settings.RMA_PUSH_BACKOFF_SECONDS = 0.02
    settings.RMA_PUSH_MAX_RETRIES = 4
    settings.CIRCUIT_BREAKER_THRESHOLD = 50
    settings.PROVIDER_CONNECT_TIMEOUT = 2.0
    settings.PROVIDER_READ_TIMEOUT = 2.0
    cache.clear()
    ratelimit._limiter().storage.reset()


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(data), status=status, headers=headers or {}, content_type="application/json")


class Recorder:
    """A handler that answers from a script (one response per call, the last one repeats) and records bodies."""

    def __init__(self, *responses: Response | Callable[[Request], Response]) -> None:
        self.responses = list(responses)
        self.requests: list[dict[str, Any]] = []

    def __call__(self, request: Request) -> Response:
        body = request.get_data(as_text=True)
        self.requests.append(
            {"body": json.loads(body) if body else None, "headers": dict(request.headers), "args": dict(request.args)}
        )
        index = min(len(self.requests) - 1, len(self.responses) - 1)
        response = self.responses[index]
        return response(request) if callable(response) and not isinstance(response, Response) else response

    @property
    def count(self) -> int:
        return len(self.requests)


def shipmonk_ok(rma_id: int = 501) -> Response:
    return json_response({"status": 200, "data": {"message": "Return created", "id": rma_id}})


def make_store(**kwargs: Any) -> Any:
    return StoreFactory(**kwargs)


def make_warehouse(
    store: Any, httpserver: HTTPServer, *, provider: str = "shipmonk", wms_name: str = "", **kwargs: Any
) -> Connection:
    options = kwargs.pop("options", {})
    return ConnectionFactory(
        store=store,
        provider=provider,
        wms_name=wms_name,
        base_url=httpserver.url_for("/").rstrip("/"),
        external_account_id="12345",
        api_key="sm-secret-key-1234",
        access_token="ts-access-token-5678" if provider == "trackstar" else "",
        api_username="apiuser" if provider == "shipstream" else "",
        api_password="ss-password-9999" if provider == "shipstream" else "",
        options=options,
        **kwargs,
    )


def make_location(store: Any, connection: Connection, **kwargs: Any) -> Any:
    return ShippingLocationFactory(store=store, warehouse_connection=connection, **kwargs)


def make_return(store: Any, *, lines: list[dict[str, Any]] | None = None, **kwargs: Any) -> Any:
    kwargs.setdefault("order_name", "#1042")
    kwargs.setdefault("connection", None)
    ret = ReturnFactory(store=store, **kwargs)
    for index, line in enumerate(lines or [{"sku": "TEE-BLK-M"}]):
        line = dict(line)
        line.setdefault("line_key", f"{line['sku']}-{index}")
        ReturnLineFactory(return_obj=ret, **line)
    return ret
