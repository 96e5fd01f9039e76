"""Provider clients against local HTTP fakes: bodies checked field by field, taxonomy, redaction."""

import json
import time
from typing import Any

import pytest
from django.core.cache import cache
from pytest_httpserver import HTTPServer
from werkzeug import Response

from integrations.base import RmaLinePayload, RmaPayload, WarehouseInfo
from integrations.exceptions import (
    ProviderAuthError,
    ProviderConfigurationError,
    ProviderRateLimited,
    ProviderRejected,
    ProviderTimeout,
    ProviderUnavailable,
)
from integrations.models import ApiCall
from integrations.providers.loop import LoopClient
from integrations.providers.shipmonk import ShipMonkClient
from integrations.providers.shipmonk.payloads import DESIRED_ACTIONS, RETURN_REASONS, return_upsert_body
from integrations.providers.shipstream import ShipStreamClient
from integrations.providers.trackstar import TrackStarClient
from integrations.providers.trackstar.payloads import return_create_body, write_fields

pytestmark = pytest.mark.django_db

PAYLOAD = RmaPayload(
    number="1042_01",
    lines=(
        RmaLinePayload(sku="TEE-BLK-M", quantity=2, reasons=("Too small (Fit)",), instruction="restock"),
        RmaLinePayload(
            sku="MUG", quantity=1, reasons=("Arrived damaged",), instruction="dispose", instruction_note="bin"
        ),
    ),
    warehouse_code="3",
    trackstar_warehouse_id="wh_123",
    platform="loop",
    platform_return_id="880011",
    order_name="#1042",
    external_order_id="ord_456",
    customer_name="Jane Doe",
    reason_category="changed_mind",
    tracking_numbers=("9400100000000000000001",),
    carrier="USPS",
    instructions="Check tags.",
    account_id="12345",
)


@pytest.fixture(autouse=True)
def _clean_cache() -> None:
    from integrations import ratelimit

    cache.clear()
    ratelimit._limiter().storage.reset()


def _no_nulls(value: Any) -> bool:
    if isinstance(value, dict):
        return all(v not in (None, "", "none") and _no_nulls(v) for v in value.values())
    if isinstance(value, list):
        return all(v not in (None, "", "none") and _no_nulls(v) for v in value)
    return True


# -- ShipMonk -------------------------------------------------------------------------------------


SHIPMONK_KEYS = {
    "warehouse",
    "rma",
    "store_id",
    "return_reason",
    "items",
    "order_key",
    "note",
    "tracking_number",
    "tracking_numbers",
    "custom_data",
    "references_to_related_order",
}


def test_shipmonk_body_field_by_field() -> None:
    body = return_upsert_body(PAYLOAD)
    assert set(body) <= SHIPMONK_KEYS
    assert (body["warehouse"], body["rma"], body["store_id"]) == ("3", "1042_01", 12345)
    assert body["return_reason"] == "reason_changed_mind"
    assert body["return_reason"] in RETURN_REASONS
    assert body["items"] == [
        {"sku": "TEE-BLK-M", "expected_quantity": 2, "desired_action": "received_back_into_inventory"},
        {"sku": "MUG", "expected_quantity": 1, "desired_action": "damaged_not_resellable"},
    ]
    assert all(item["desired_action"] in DESIRED_ACTIONS for item in body["items"])
    assert "TEE-BLK-M: Too small (Fit) - restock" in body["note"]
    assert "MUG: Arrived damaged - dispose (bin)" in body["note"]
    assert body["note"].endswith("Check tags.")
    assert body["tracking_numbers"] == ["9400100000000000000001"]
    assert isinstance(body["custom_data"][0]["value"], dict)
    assert body["custom_data"][0]["value"]["return_id"] == "880011"
    assert body["references_to_related_order"] == {"order_number": "#1042", "search_in_all_stores": False}
    assert _no_nulls(body)


def test_shipmonk_links_the_order_key_when_known_and_omits_missing_tracking() -> None:
    from dataclasses import replace

    body = return_upsert_body(replace(PAYLOAD, order_key="shopify-555", tracking_numbers=(), reason_category="x"))
    assert body["order_key"] == "shopify-555"
    assert "references_to_related_order" not in body
    assert "tracking_numbers" not in body
    assert "tracking_number" not in body
    assert body["return_reason"] == "reason_unknown"


def _shipmonk(httpserver: HTTPServer) -> ShipMonkClient:
    return ShipMonkClient(api_key="sm-secret-key-1234", store_id="12345", base_url=httpserver.url_for("/"))


def test_shipmonk_create_sends_api_key_and_logs_redacted(httpserver: HTTPServer) -> None:
    httpserver.expect_request(
        "/v1/integrations/returns", method="POST", headers={"Api-Key": "sm-secret-key-1234"}
    ).respond_with_json({"status": 200, "data": {"message": "ok", "id": 99}})
    result = _shipmonk(httpserver).rma_create(payload=PAYLOAD, idempotency_key="k1")
    assert result.external_id == "99"
    call = ApiCall.objects.get()
    assert call.request_headers["Api-Key"] == "[redacted]"
    assert "sm-secret-key-1234" not in json.dumps(list(ApiCall.objects.values()), default=str)


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (400, ProviderRejected),
        (401, ProviderAuthError),
        (403, ProviderAuthError),
        (404, ProviderRejected),
        (408, ProviderUnavailable),
        (409, ProviderRejected),  # a conflict; only TrackStar declares its 409 transient (below)
        (410, ProviderConfigurationError),
        (422, ProviderRejected),
        (429, ProviderRateLimited),
        (500, ProviderUnavailable),
        (501, ProviderConfigurationError),
        (503, ProviderUnavailable),
    ],
)
def test_status_codes_map_to_the_taxonomy(httpserver: HTTPServer, status: int, error: type) -> None:
    httpserver.expect_request("/v1/integrations/warehouses").respond_with_json({"message": "nope"}, status=status)
    with pytest.raises(error) as info:
        _shipmonk(httpserver).warehouses_list()
    assert info.value.status_code == status
    assert "nope" in info.value.message
    assert info.value.api_call_id == ApiCall.objects.get().pk


def test_trackstar_declares_its_409_transient(httpserver: HTTPServer) -> None:
    """TrackStar answers 409 while the first request with an Idempotency-Key still runs: retried, not refused."""
    from integrations.providers.trackstar import TrackStarClient

    httpserver.expect_request("/wms/warehouses").respond_with_json({"message": "in progress"}, status=409)
    client = TrackStarClient(api_key="k-0001", access_token="t-0001", base_url=httpserver.url_for("").rstrip("/"))
    with pytest.raises(ProviderUnavailable, match="in progress"):
        client.warehouses_list()


def test_a_read_timeout_is_ambiguous(httpserver: HTTPServer, settings: Any) -> None:
    settings.PROVIDER_READ_TIMEOUT = 0.2

    def slow(request: Any) -> Response:
        time.sleep(0.5)
        return Response("{}")

    httpserver.expect_request("/v1/integrations/warehouses").respond_with_handler(slow)
    with pytest.raises(ProviderTimeout):
        _shipmonk(httpserver).warehouses_list()
    assert ApiCall.objects.get().error_class == "ProviderTimeout"


def test_a_refused_connection_is_unavailable() -> None:
    client = ShipMonkClient(api_key="k" * 8, base_url="http://127.0.0.1:9")
    with pytest.raises(ProviderUnavailable):
        client.warehouses_list()


def test_a_secret_echoed_by_the_provider_is_scrubbed(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/v1/integrations/warehouses").respond_with_json(
        {"message": "bad key sm-secret-key-1234"}, status=401
    )
    with pytest.raises(ProviderAuthError) as info:
        _shipmonk(httpserver).warehouses_list()
    assert "sm-secret-key-1234" not in info.value.message
    assert "sm-secret-key-1234" not in json.dumps(list(ApiCall.objects.values()), default=str)


def test_shipmonk_find_by_rma(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/v1/integrations/returns-list", query_string={"rma": "1042_01"}).respond_with_json(
        {"status": 200, "data": {"returns_list": [{"id": 5, "rma": "1042_01"}]}}
    )
    assert _shipmonk(httpserver).rma_find(payload=PAYLOAD).external_id == "5"


def test_shipmonk_warehouses_and_test_connection(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/v1/integrations/warehouses").respond_with_json(
        {"status": 200, "data": [{"id": 1, "identifier": "CA1", "name": "Ontario"}]}
    )
    client = _shipmonk(httpserver)
    assert client.warehouses_list() == [WarehouseInfo(name="Ontario", wms_code="CA1", label="Ontario (CA1)")]
    assert "1 warehouse" in client.test_connection()


# -- TrackStar ------------------------------------------------------------------------------------

WRITE_INFO = {
    "paths": {
        "/wms/returns": {
            "post": {
                "requestBody": {
                    "content": {
                        "application/json": {
                            "schema": {
                                "properties": {
                                    "tracking_number": {"type": "string"},
                                    "carrier": {"type": "string"},
                                    "return_cause": {"type": "string", "enum": ["Too small", "Damaged"]},
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}


def test_trackstar_body_field_by_field() -> None:
    body = return_create_body(PAYLOAD, fields=write_fields(WRITE_INFO))
    assert body["warehouse_id"] == "wh_123"
    assert body["order_id"] == "ord_456"
    assert body["line_items"] == [{"sku": "TEE-BLK-M", "quantity": 2}, {"sku": "MUG", "quantity": 1}]
    assert {"rma_number": "1042_01"} in body["trackstar_tags"]
    assert {"instruction:MUG": "dispose"} in body["trackstar_tags"]
    assert all(isinstance(t, str) or (isinstance(t, dict) and len(t) == 1) for t in body["trackstar_tags"])
    assert body["tracking_number"] == "9400100000000000000001"
    assert body["carrier"] == "USPS"
    assert body["return_cause"] == "Too small"
    assert _no_nulls(body)


def test_trackstar_body_omits_what_write_info_does_not_list_and_empty_values() -> None:
    from dataclasses import replace

    body = return_create_body(replace(PAYLOAD, carrier="", tracking_numbers=()), fields={})
    assert set(body) == {"warehouse_id", "order_id", "line_items", "trackstar_tags"}
    assert _no_nulls(body)


def _trackstar(httpserver: HTTPServer, **kwargs: Any) -> TrackStarClient:
    return TrackStarClient(
        api_key="org-key-abcd",
        access_token="conn-token-efgh",
        wms_name="shipmonk",
        base_url=httpserver.url_for("/"),
        connection_id=kwargs.pop("connection_id", None),
        **kwargs,
    )


def test_trackstar_create_with_headers_idempotency_write_info_and_unused_fields(httpserver: HTTPServer) -> None:
    httpserver.expect_oneshot_request("/integrations/wms/shipmonk/write-info").respond_with_json(WRITE_INFO)
    httpserver.expect_request(
        "/wms/returns",
        method="POST",
        headers={
            "x-trackstar-api-key": "org-key-abcd",
            "x-trackstar-access-token": "conn-token-efgh",
            "Idempotency-Key": "rma-key-1",
        },
    ).respond_with_json(
        {
            "data": {"id": "ret_9", "external_system_url": "https://wms.example/r/9"},
            "id": "ret_9",
            "unused_fields": ["return_cause"],
        }
    )
    client = _trackstar(httpserver)
    result = client.rma_create(payload=PAYLOAD, idempotency_key="rma-key-1")
    assert (result.external_id, result.external_url, result.unused_fields) == (
        "ret_9",
        "https://wms.example/r/9",
        ("return_cause",),
    )
    # write-info is cached: a second create does not ask again (the oneshot handler would 500).
    client.rma_create(payload=PAYLOAD, idempotency_key="rma-key-1")
    headers = ApiCall.objects.filter(operation="rma_create").first().request_headers
    assert headers["x-trackstar-api-key"] == headers["x-trackstar-access-token"] == "[redacted]"


def test_trackstar_429_honours_retry_after_and_ratelimit_reset(httpserver: HTTPServer) -> None:
    reset = str(int(time.time()) + 30)
    httpserver.expect_request("/wms/warehouses").respond_with_json(
        {"error": "rate limited", "origin": "trackstar"},
        status=429,
        headers={
            "retry-after": "2",
            "x-ratelimit-limit": "10",
            "x-ratelimit-remaining": "0",
            "x-ratelimit-reset": reset,
        },
    )
    with pytest.raises(ProviderRateLimited) as info:
        _trackstar(httpserver).warehouses_list()
    assert 25 <= info.value.retry_after <= 30


def test_trackstar_find_order_and_rma(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/wms/orders").respond_with_json(
        {"data": [{"id": "ord_1", "order_number": "#1042", "warehouse_id": "wh_123"}], "next_token": None}
    )
    httpserver.expect_request("/wms/returns", method="GET", query_string={"order_id": "ord_456"}).respond_with_json(
        {
            "data": [
                {"id": "r1", "trackstar_tags": [{"rma_number": "1042"}]},
                {"id": "r2", "trackstar_tags": [{"rma_number": "1042_01"}], "external_system_url": "https://x"},
            ]
        }
    )
    client = _trackstar(httpserver)
    ref = client.order_find(order_name="#1042")
    assert (ref.external_order_id, ref.warehouse_code) == ("ord_1", "wh_123")
    found = client.rma_find(payload=PAYLOAD)
    assert (found.external_id, found.external_url) == ("r2", "https://x")


def test_trackstar_update_and_cancel(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/integrations/wms/shipmonk/write-info").respond_with_json(WRITE_INFO)
    httpserver.expect_request("/wms/returns/r2", method="PUT").respond_with_json({"id": "r2", "data": {}})
    httpserver.expect_request("/wms/returns/r2/cancel", method="PUT").respond_with_json({"id": "r2", "data": {}})
    client = _trackstar(httpserver)
    client.rma_update_tracking(external_id="r2", payload=PAYLOAD, idempotency_key="k:t")
    client.rma_cancel(external_id="r2", payload=PAYLOAD, idempotency_key="k:c")
    update = json.loads(ApiCall.objects.get(operation="rma_update").request_body)
    assert update == {"tracking_number": "9400100000000000000001", "carrier": "USPS"}


def test_trackstar_per_second_limit_is_enforced_locally(httpserver: HTTPServer) -> None:
    from integrations.exceptions import ProviderThrottled
    from tests.factories import ConnectionFactory

    httpserver.expect_request("/wms/warehouses").respond_with_json({"data": []})
    connection = ConnectionFactory(provider="trackstar", wms_name="shipmonk")
    client = _trackstar(httpserver, connection_id=connection.pk, rate_limit="2/second")
    client.warehouses_list()
    client.warehouses_list()
    with pytest.raises(ProviderThrottled) as info:
        client.warehouses_list()
    assert 0 < info.value.retry_after <= 1
    assert ApiCall.objects.count() == 2


# -- ShipStream -----------------------------------------------------------------------------------

SHIPSTREAM_DATA_KEYS = {
    "warehouse_id",
    "merchant_ref",
    "sender_ref_alt",
    "sender_name",
    "tracking_numbers",
    "carrier_name",
    "comments",
    "special_requirements",
}


def _shipstream(httpserver: HTTPServer) -> ShipStreamClient:
    return ShipStreamClient(username="apiuser", password="ss-password-9999", base_url=httpserver.url_for("/"))


def test_shipstream_delivery_create_is_json_rpc_with_basic_auth(httpserver: HTTPServer) -> None:
    import base64

    auth = "Basic " + base64.b64encode(b"apiuser:ss-password-9999").decode()
    httpserver.expect_request("/api/jsonrpc", method="POST", headers={"Authorization": auth}).respond_with_json(
        {"jsonrpc": "2.0", "id": 1, "result": "100000123"}
    )
    result = _shipstream(httpserver).rma_create(payload=PAYLOAD, idempotency_key="k")
    assert result.external_id == "100000123"
    sent = json.loads(httpserver.log[0][0].get_data())
    assert (sent["jsonrpc"], sent["method"]) == ("2.0", "call")
    session, method, (kind, data, items) = sent["params"]
    assert (session, method, kind) == (None, "delivery.create", "rma")
    assert set(data) <= SHIPSTREAM_DATA_KEYS
    assert data["warehouse_id"] == 3
    assert isinstance(data["warehouse_id"], int)
    assert (data["merchant_ref"], data["sender_ref_alt"]) == ("1042_01", "#1042")
    assert data["tracking_numbers"] == ["9400100000000000000001"]
    assert "MUG: Dispose, do not restock (bin)" in data["special_requirements"]
    assert "Too small (Fit)" in data["comments"]
    assert items == [{"sku": "TEE-BLK-M", "qty": 2}, {"sku": "MUG", "qty": 1}]
    assert "ss-password-9999" not in json.dumps(list(ApiCall.objects.values()), default=str)


def test_shipstream_errors_come_in_a_200(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api/jsonrpc").respond_with_json(
        {"jsonrpc": "2.0", "id": 1, "error": {"code": -32602, "message": "Invalid SKU: MUG"}}
    )
    with pytest.raises(ProviderRejected, match="Invalid SKU: MUG"):
        _shipstream(httpserver).rma_create(payload=PAYLOAD, idempotency_key="k")


def test_shipstream_duplicate_merchant_ref_returns_the_existing_delivery(httpserver: HTTPServer) -> None:
    def handler(request: Any) -> Response:
        method = json.loads(request.get_data())["params"][1]
        if method == "delivery.create":
            return Response(json.dumps({"error": {"code": -32001, "message": "merchant_ref must be unique"}}))
        return Response(json.dumps({"result": [{"increment_id": "100000777", "merchant_ref": "1042_01"}]}))

    httpserver.expect_request("/api/jsonrpc").respond_with_handler(handler)
    assert _shipstream(httpserver).rma_create(payload=PAYLOAD, idempotency_key="k").external_id == "100000777"


def test_shipstream_update_cancel_and_warehouses(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api/jsonrpc").respond_with_json({"result": True})
    client = _shipstream(httpserver)
    client.rma_update_tracking(external_id="100000123", payload=PAYLOAD, idempotency_key="k")
    client.rma_cancel(external_id="100000123", payload=PAYLOAD, idempotency_key="k")
    sent = [json.loads(entry[0].get_data())["params"] for entry in httpserver.log]
    assert sent[0][1:] == [
        "delivery.update",
        ["100000123", {"tracking_numbers": ["9400100000000000000001"], "carrier_name": "USPS"}, None, None],
    ]
    assert sent[1][1:] == ["delivery.cancel", ["100000123"]]


# -- Loop -----------------------------------------------------------------------------------------


def test_loop_happy_returns_shipment_get(httpserver: HTTPServer) -> None:
    httpserver.expect_request(
        "/happy-returns/shipments/HR-1", headers={"X-Authorization": "loop-key-1234"}
    ).respond_with_json({"id": "HR-1", "bags": []})
    client = LoopClient(api_key="loop-key-1234", base_url=httpserver.url_for("/"))
    assert client.happy_returns_shipment_get(shipment_id="HR-1") == {"id": "HR-1", "bags": []}
    assert ApiCall.objects.get().request_headers["X-Authorization"] == "[redacted]"
