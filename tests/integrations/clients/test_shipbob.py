"""The ShipBob client against a local HTTP fake: request bodies field by field, the SKU → inventory id lookup and
its cache, the order lookup, tracking and cancel rules, reconciliation paging, and the error bodies ShipBob
documents (ProblemDetails, ApiError, validation problems, field dictionaries, 429 with x-retry-after)."""

import json
from dataclasses import replace
from typing import Any

import pytest
from django.core.cache import cache
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from integrations.base import RmaLinePayload, RmaPayload
from integrations.exceptions import (
    ProviderAuthError,
    ProviderConfigurationError,
    ProviderRateLimited,
    ProviderRejected,
    ProviderSettingWrong,
    ProviderUnavailable,
)
from integrations.models import ApiCall
from integrations.providers.shipbob import ShipBobClient
from integrations.providers.shipbob.payloads import requested_action
from tests.conftest import load_fixture
from tests.factories import ConnectionFactory
from tests.returns.rmas.conftest import Recorder, json_response

pytestmark = pytest.mark.django_db
TOKEN = "sb-pat-0123456789abcdef"
CHANNEL = "56232"
PAYLOAD = RmaPayload(
    number="1042_01",
    lines=(
        RmaLinePayload(sku="TEE-BLK-M", quantity=2, reasons=("Too small (Fit)",), instruction="restock"),
        RmaLinePayload(sku="MUG", quantity=1, reasons=("Arrived damaged",), instruction="dispose"),
    ),
    warehouse_code="22",
    platform="loop",
    platform_return_id="880011",
    order_name="#1042",
    order_number="1042",
    platform_order_ids=("5550001112",),
    tracking_numbers=("1Z9999W99999999999", "1Z0000000000000001"),
    carrier="UPS",
)
INVENTORY = {"TEE-BLK-M": 9557855, "MUG": 9557900}


@pytest.fixture(autouse=True)
def _clean_cache() -> None:
    from integrations import ratelimit

    cache.clear()
    ratelimit._limiter().storage.reset()


def _client(httpserver: HTTPServer, *, channel: str = CHANNEL, connection_id: int | None = None) -> ShipBobClient:
    return ShipBobClient(
        token=TOKEN, channel_id=channel, base_url=httpserver.url_for("").rstrip("/"), connection_id=connection_id
    )


def _item(sku: str, inventory_id: int, **variant: Any) -> dict[str, Any]:
    flags = {"is_active": True, "is_bundle": False, "is_digital": False} | variant
    return {"inventory_id": inventory_id, "sku": sku, "name": sku, "is_lot": False, "variant": flags}


def _page(*rows: dict[str, Any], next_link: str | None = None) -> dict[str, Any]:
    return {"items": list(rows), "first": None, "last": None, "next": next_link, "prev": None}


def _serve_inventory(httpserver: HTTPServer, catalogue: dict[str, int] = INVENTORY) -> Recorder:
    """SearchBy is a partial match: every SKU containing the search comes back (a 2-pack of the tee too)."""

    def search(request: Request) -> Response:
        wanted = request.args["SearchBy"].lower()
        rows = [_item(sku, number) for sku, number in catalogue.items() if wanted in sku.lower()]
        rows.append(_item(f"{request.args['SearchBy']}-2PK", 4242, is_bundle=True))
        return json_response(_page(*rows))

    recorder = Recorder(search)
    httpserver.expect_request("/2026-01/inventory", method="GET").respond_with_handler(recorder)
    return recorder


def _order(reference: str, *shipments: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": 7001,
        "reference_id": reference,
        "order_number": "#1042",
        "status": "Fulfilled",
        "shipments": list(shipments),
    }


def _shipment(number: int, fc: int, *skus: str, status: str = "Completed") -> dict[str, Any]:
    return {
        "id": number,
        "status": status,
        "location": {"id": fc, "name": f"FC {fc}"},
        "products": [{"id": 1, "sku": sku, "inventory_items": [{"id": INVENTORY.get(sku, 1)}]} for sku in skus],
    }


def _serve_order(httpserver: HTTPServer, orders: list[dict[str, Any]]) -> Recorder:
    recorder = Recorder(json_response(orders))
    httpserver.expect_request("/2026-01/order", method="GET").respond_with_handler(recorder)
    return recorder


def _created(return_id: int = 1234567) -> Response:
    return json_response({"id": return_id, "reference_id": "1042_01", "status": "AwaitingArrival"}, status=201)


# -- create ---------------------------------------------------------------------------------------


def test_create_sends_the_documented_body_field_by_field(httpserver: HTTPServer) -> None:
    _serve_inventory(httpserver)
    orders = _serve_order(
        httpserver,
        [_order("5550001112", _shipment(104458200, 9, "HOODIE"), _shipment(104458283, 22, "TEE-BLK-M", "MUG"))],
    )
    create = Recorder(_created())
    httpserver.expect_request("/2026-01/return", method="POST").respond_with_handler(create)

    result = _client(httpserver).rma_create(payload=PAYLOAD, idempotency_key="rma-1")

    assert (result.external_id, result.api_call_id) == ("1234567", ApiCall.objects.get(operation="rma_create").pk)
    assert create.requests[0]["body"] == {
        "reference_id": "1042_01",
        "fulfillment_center": {"id": 22},
        "inventory": [
            {"id": 9557855, "quantity": 2, "requested_action": "Restock"},
            {"id": 9557900, "quantity": 1, "requested_action": "Dispose"},
        ],
        # One box, one return: ShipBob holds one tracking number, the first label's.
        "tracking_number": "1Z9999W99999999999",
        # The shipment holding the returned SKUs, not the order's first one.
        "original_shipment_id": 104458283,
    }
    headers = create.requests[0]["headers"]
    assert headers["Authorization"] == f"Bearer {TOKEN}"
    assert headers["Shipbob-Channel-Id"] == CHANNEL
    assert headers["Content-Type"] == "application/json"
    # The documented spelling is sent too (this local server, like Django's, drops names with underscores).
    sent = ApiCall.objects.get(operation="rma_create").request_headers
    assert (sent["shipbob_channel_id"], sent["shipbob-channel-id"]) == (CHANNEL, CHANNEL)
    # Every form of the order in one search, the platform's id first; no channel on reads.
    assert orders.requests[0]["args"] == {"ReferenceIds": "5550001112,#1042,1042"}
    assert "Shipbob-Channel-Id" not in orders.requests[0]["headers"]


@pytest.mark.parametrize(
    ("instruction", "action"),
    [
        ("restock", "Restock"),
        ("inspect", "Quarantine"),
        ("quarantine", "Quarantine"),
        ("dispose", "Dispose"),
        ("", "Default"),
    ],
)
def test_the_instruction_becomes_the_requested_action(instruction: str, action: str) -> None:
    assert requested_action(instruction) == action


def test_skus_of_one_inventory_item_are_one_line_quarantined_when_asked_differently(httpserver: HTTPServer) -> None:
    _serve_inventory(httpserver, {"TEE-BLK-M": 9557855, "tee-blk-m-old": 9557855})
    _serve_order(httpserver, [])
    create = Recorder(_created())
    httpserver.expect_request("/2026-01/return", method="POST").respond_with_handler(create)
    payload = replace(
        PAYLOAD,
        lines=(
            RmaLinePayload(sku="TEE-BLK-M", quantity=2, instruction="restock"),
            RmaLinePayload(sku="tee-blk-m-old", quantity=1, instruction=""),
        ),
        tracking_numbers=(),
    )
    _client(httpserver).rma_create(payload=payload, idempotency_key="rma-1")
    body = create.requests[0]["body"]
    assert body["inventory"] == [{"id": 9557855, "quantity": 3, "requested_action": "Quarantine"}]
    # Nothing ShipBob does not know: no tracking, and no shipment for an order it has not seen.
    assert set(body) == {"reference_id", "fulfillment_center", "inventory"}


def test_inventory_ids_are_exact_skus_cached_a_day_per_connection(httpserver: HTTPServer) -> None:
    searches = _serve_inventory(httpserver, {"TEE-BLK-M": 9557855, "TEE-BLK-M-TALL": 9557856, "MUG": 9557900})
    first, second = ConnectionFactory(provider="shipbob"), ConnectionFactory(provider="shipbob")
    client = _client(httpserver, connection_id=first.pk)
    assert client.inventory_id("TEE-BLK-M") == 9557855  # not the TALL one, nor the 2-pack bundle
    assert client.inventory_id("TEE-BLK-M") == 9557855
    assert [r["args"]["SearchBy"] for r in searches.requests] == ["TEE-BLK-M"]
    assert _client(httpserver, connection_id=second.pk).inventory_id("TEE-BLK-M") == 9557855
    assert len(searches.requests) == 2  # another connection (another ShipBob account) asks for itself
    cache.clear()
    client.inventory_id("TEE-BLK-M")
    assert len(searches.requests) == 3


def test_the_exact_sku_past_the_first_page_is_found(httpserver: HTTPServer) -> None:
    second = httpserver.url_for("/2026-01/inventory") + "?SearchBy=TEE&Cursor=2"
    pages = Recorder(
        json_response(_page(_item("TEE-RED", 1), next_link=second)), json_response(_page(_item("TEE", 77)))
    )
    httpserver.expect_request("/2026-01/inventory").respond_with_handler(pages)
    assert _client(httpserver).inventory_id("TEE") == 77
    assert pages.requests[1]["args"] == {"SearchBy": "TEE", "Cursor": "2"}


@pytest.mark.parametrize(("flag", "kind"), [("is_bundle", "bundle"), ("is_digital", "digital")])
def test_bundles_and_digital_items_are_refused_before_anything_is_sent(
    httpserver: HTTPServer, flag: str, kind: str
) -> None:
    httpserver.expect_request("/2026-01/inventory").respond_with_json(_page(_item("GIFT-SET", 5, **{flag: True})))
    payload = replace(PAYLOAD, lines=(RmaLinePayload(sku="GIFT-SET", quantity=1),))
    with pytest.raises(ProviderRejected, match=f"SKU 'GIFT-SET' back in a return: it is a {kind} item") as info:
        _client(httpserver).rma_create(payload=payload, idempotency_key="k")
    assert info.value.api_call_id == ApiCall.objects.get().pk
    assert not ApiCall.objects.filter(operation="rma_create").exists()


def test_an_item_without_a_numeric_inventory_id_is_not_taken(httpserver: HTTPServer) -> None:
    rows = [_item("TEE", 0) | {"inventory_id": "n/a"}, _item("TEE", 0) | {"inventory_id": None}, _item("TEE", 12)]
    httpserver.expect_request("/2026-01/inventory").respond_with_json(_page(*rows))
    assert _client(httpserver).inventory_id("TEE") == 12


def test_a_sku_shipbob_does_not_have_is_refused_naming_it(httpserver: HTTPServer) -> None:
    searches = Recorder(json_response(_page(_item("TEE-BLK-M-TALL", 1))), json_response(_page(_item("TEE-BLK-M", 3))))
    httpserver.expect_request("/2026-01/inventory").respond_with_handler(searches)
    with pytest.raises(ProviderRejected, match="ShipBob has no inventory item with SKU 'TEE-BLK-M'"):
        _client(httpserver).inventory_id("TEE-BLK-M")
    assert _client(httpserver).inventory_id("TEE-BLK-M") == 3  # a miss is not cached: created since, found now


@pytest.mark.parametrize(
    ("change", "error", "words"),
    [
        ({"warehouse_code": "CA1"}, ProviderConfigurationError, "fulfillment center id must be a number"),
        ({"number": "R" * 51}, ProviderConfigurationError, "does not fit ShipBob's reference_id"),
    ],
)
def test_a_payload_shipbob_cannot_take_is_refused_unsent(
    httpserver: HTTPServer, change: dict[str, str], error: type, words: str
) -> None:
    with pytest.raises(error, match=words):
        _client(httpserver).rma_create(payload=replace(PAYLOAD, **change), idempotency_key="k")
    assert not ApiCall.objects.exists()


def test_a_connection_without_a_channel_sends_no_return(httpserver: HTTPServer) -> None:
    with pytest.raises(ProviderConfigurationError, match="has no Channel ID"):
        _client(httpserver, channel="").rma_create(payload=PAYLOAD, idempotency_key="k")
    assert not ApiCall.objects.exists()


def test_a_refused_create_whose_return_exists_is_that_return(httpserver: HTTPServer) -> None:
    """reference_id is unique per merchant: an earlier attempt that landed is refused again, then found."""
    _serve_inventory(httpserver)
    _serve_order(httpserver, [])
    httpserver.expect_request("/2026-01/return", method="POST").respond_with_json(
        {"message": "Validation failed", "errors": ["Duplicate reference ID 1042_01"], "details": None}, status=422
    )
    existing = {"id": 1234567, "reference_id": "1042_01", "status": "AwaitingArrival"}
    httpserver.expect_request(
        "/2026-01/return", method="GET", query_string={"ReferenceIds": "1042_01"}
    ).respond_with_json(
        {"items": [{"id": 99, "reference_id": "1042_01", "status": "Cancelled"}, existing], "next": None}
    )
    result = _client(httpserver).rma_create(payload=PAYLOAD, idempotency_key="k")
    assert result.external_id == "1234567"  # the live one, not the cancelled one


def test_a_refused_create_without_a_return_is_raised_with_shipbobs_words(httpserver: HTTPServer) -> None:
    _serve_inventory(httpserver)
    _serve_order(httpserver, [])
    httpserver.expect_request("/2026-01/return", method="POST").respond_with_json(
        {"message": "Invalid request", "errors": ["Fulfillment center 22 does not exist."], "stackTrace": None},
        status=422,
    )
    httpserver.expect_request("/2026-01/return", method="GET").respond_with_json({"items": [], "next": None})
    with pytest.raises(ProviderRejected) as info:
        _client(httpserver).rma_create(payload=PAYLOAD, idempotency_key="k")
    assert info.value.message == "shipbob answered 422: Invalid request: Fulfillment center 22 does not exist."


def test_an_order_lookup_shipbob_refuses_does_not_stop_the_return(httpserver: HTTPServer) -> None:
    _serve_inventory(httpserver)
    httpserver.expect_request("/2026-01/order").respond_with_json({"title": "Forbidden"}, status=403)
    create = Recorder(_created())
    httpserver.expect_request("/2026-01/return", method="POST").respond_with_handler(create)
    assert _client(httpserver).rma_create(payload=PAYLOAD, idempotency_key="k").external_id == "1234567"
    assert "original_shipment_id" not in create.requests[0]["body"]


# -- orders, warehouses, finding a return ---------------------------------------------------------


def test_order_find_names_the_shipping_fulfillment_center_and_the_shipment(httpserver: HTTPServer) -> None:
    orders = _serve_order(
        httpserver,
        [
            {"id": 1, "reference_id": "someone-else", "shipments": []},
            _order("#1042", _shipment(5, 9, "TEE", status="Cancelled"), _shipment(6, 22, "TEE")),
        ],
    )
    client = _client(httpserver)
    ref = client.order_find(order_name="#1042", order_number="1042")
    assert ref is not None
    assert (ref.external_order_id, ref.warehouse_code, ref.order_key) == ("7001", "22", "6")
    assert orders.requests[0]["args"] == {"ReferenceIds": "#1042,1042"}
    assert client.order_search_forms(order_name="#1042", order_number="1042", order_ids=("9,9", "77")) == (
        "ReferenceIds=77,#1042,1042",
    )


def test_an_order_shipbob_does_not_have_is_none(httpserver: HTTPServer) -> None:
    _serve_order(httpserver, [])
    assert _client(httpserver).order_find(order_name="#1042") is None


def test_warehouses_are_the_fulfillment_centers(httpserver: HTTPServer) -> None:
    centers = [
        {"id": 22, "name": "Example FC (ST)", "timezone": "Central Standard Time"},
        {"id": 6, "name": "Cicero (IL)"},
    ]
    httpserver.expect_request("/2026-01/fulfillment-center").respond_with_json(centers)
    client = _client(httpserver)
    infos = client.warehouses_list()
    assert [(w.wms_code, w.label) for w in infos] == [("22", "Example FC (ST) (#22)"), ("6", "Cicero (IL) (#6)")]
    httpserver.expect_request("/2026-01/channel").respond_with_json({"items": CHANNELS, "next": None})
    assert client.test_connection() == "ShipBob answered: 2 fulfillment center(s), channel 56232 may write returns"


# GET /2026-01/channel as PROVIDER.md records it: the token's own channel writes, a store channel only reads.
CHANNELS = [
    {"id": 56232, "name": "PAT Channel", "application_name": "SMA", "scopes": ["returns_read", "returns_write"]},
    {"id": 40001, "name": "Shopify store", "application_name": "Shopify", "scopes": ["orders_read", "returns_read"]},
]


@pytest.mark.parametrize(
    ("channel", "says"),
    [
        (
            "77777",
            "Channel 77777 is not one of this token's channels. The channels it may create returns on: "
            "56232 (PAT Channel).",
        ),
        (
            "40001",
            "Channel 40001 cannot create returns with this token (no returns_write scope). The channels it may "
            "create returns on: 56232 (PAT Channel).",
        ),
    ],
)
def test_a_channel_the_token_cannot_create_returns_on_is_named_at_setup(
    httpserver: HTTPServer, channel: str, says: str
) -> None:
    httpserver.expect_request("/2026-01/channel").respond_with_json({"items": CHANNELS, "next": None})
    with pytest.raises(ProviderSettingWrong) as caught:
        _client(httpserver, channel=channel).settings_verify()
    assert (caught.value.message, caught.value.field) == (says, "external_account_id")
    _client(httpserver).settings_verify()  # the token's own channel passes


def test_rma_find_matches_the_reference_exactly(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/2026-01/return", query_string={"ReferenceIds": "1042_01"}).respond_with_json(
        {"items": [{"id": 3, "reference_id": "1042_011"}, {"id": 4, "reference_id": "1042_01"}]}
    )
    found = _client(httpserver).rma_find(payload=PAYLOAD)
    assert found is not None
    assert found.external_id == "4"


# -- tracking and cancel --------------------------------------------------------------------------


def _held(status: str) -> dict[str, Any]:
    held = json.loads(load_fixture("shipbob", "return_updated"))
    held["status"] = status
    held["inventory"][0]["action_requested"]["action"] = "Restock"
    held["inventory"][0]["lot_information"] = {"number": "LOT-7", "expiration": "2027-01-01T00:00:00Z"}
    return held


def test_tracking_replaces_the_return_as_shipbob_holds_it(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/2026-01/return/1234567", method="GET").respond_with_json(_held("Awaiting Arrival"))
    put = Recorder(json_response({"id": 1234567}))
    httpserver.expect_request("/2026-01/return/1234567", method="PUT").respond_with_handler(put)
    payload = replace(PAYLOAD, tracking_numbers=("9400111",))
    result = _client(httpserver).rma_update_tracking(external_id="1234567", payload=payload, idempotency_key="k")
    assert result.external_id == "1234567"
    assert put.requests[0]["body"] == {
        "reference_id": "1042",
        "fulfillment_center": {"id": 22},
        "inventory": [
            {
                "id": 9557855,
                "quantity": 2,
                "requested_action": "Restock",
                "lot_number": "LOT-7",
                "lot_date": "2027-01-01T00:00:00Z",
            }
        ],
        "tracking_number": "9400111",
        "original_shipment_id": 104458283,
    }
    assert put.requests[0]["headers"]["Shipbob-Channel-Id"] == CHANNEL


@pytest.mark.parametrize("status", ["Arrived", "Processing", "Completed", "Cancelled"])
def test_tracking_of_a_return_past_awaiting_arrival_is_refused_clearly(httpserver: HTTPServer, status: str) -> None:
    httpserver.expect_request("/2026-01/return/1234567", method="GET").respond_with_json(_held(status))
    with pytest.raises(ProviderRejected) as info:
        _client(httpserver).rma_update_tracking(external_id="1234567", payload=PAYLOAD, idempotency_key="k")
    assert info.value.message == (
        f"ShipBob return 1234567 is {status}: its tracking number can only change while it is awaiting arrival"
    )
    assert not ApiCall.objects.filter(method="PUT").exists()


def test_cancel_posts_to_the_cancel_action_with_the_channel(httpserver: HTTPServer) -> None:
    cancel = Recorder(Response("", status=200))
    httpserver.expect_request("/2026-01/return/1234567:cancel", method="POST").respond_with_handler(cancel)
    result = _client(httpserver).rma_cancel(external_id="1234567", payload=PAYLOAD, idempotency_key="k")
    assert (result.external_id, cancel.requests[0]["body"]) == ("1234567", None)
    assert cancel.requests[0]["headers"]["Shipbob-Channel-Id"] == CHANNEL


def test_cancelling_a_cancelled_return_is_done(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/2026-01/return/1234567:cancel").respond_with_json({"title": "Bad Request"}, status=400)
    httpserver.expect_request("/2026-01/return/1234567", method="GET").respond_with_json(_held("Cancelled"))
    result = _client(httpserver).rma_cancel(external_id="1234567", payload=PAYLOAD, idempotency_key="k")
    assert result.external_id == "1234567"


def test_cancelling_a_completed_return_is_refused_saying_why(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/2026-01/return/1234567:cancel").respond_with_json(
        {"title": "Bad Request", "status": 400, "detail": "Return cannot be cancelled."}, status=400
    )
    httpserver.expect_request("/2026-01/return/1234567", method="GET").respond_with_json(_held("Completed"))
    with pytest.raises(ProviderRejected) as info:
        _client(httpserver).rma_cancel(external_id="1234567", payload=PAYLOAD, idempotency_key="k")
    assert info.value.status_code == 400
    assert info.value.message.startswith(
        "ShipBob did not cancel return 1234567, which is Completed: only a return awaiting arrival can be cancelled"
    )
    assert "Return cannot be cancelled." in info.value.message


def test_an_id_is_one_path_segment(httpserver: HTTPServer) -> None:
    # The server decodes the path it was sent; what was sent is the one encoded segment (the ApiCall's URL).
    httpserver.expect_request("/2026-01/return/../channel:cancel").respond_with_data("", status=200)
    _client(httpserver).rma_cancel(external_id="../channel", payload=PAYLOAD, idempotency_key="k")
    assert ApiCall.objects.get().url.endswith("/2026-01/return/..%2Fchannel:cancel")


# -- reconciliation -------------------------------------------------------------------------------


def test_returns_changed_since_reads_completed_then_created_page_by_page(httpserver: HTTPServer) -> None:
    import datetime as dt

    import integrations.providers.shipbob.client as module

    full = json.loads(load_fixture("shipbob", "return_get_completed"))

    def row(number: int, reference: str) -> dict[str, Any]:
        return full | {"id": number, "reference_id": reference}

    def answer(request: Request) -> Response:
        page = int(request.args["Cursor"])
        if "CompletedStartDate" in request.args:
            rows = [row(1, "A"), row(2, "B")] if page == 1 else [row(3, "C")]
            return json_response({"items": rows, "next": "more" if page == 1 else None})
        return json_response({"items": [row(3, "C"), row(4, "D")], "next": None})

    pages = Recorder(answer)
    httpserver.expect_request("/2026-01/return").respond_with_handler(pages)
    since = dt.datetime(2026, 2, 1, 12, 0, tzinfo=dt.UTC)
    until = dt.datetime(2026, 2, 2, 12, 0, tzinfo=dt.UTC)
    original = module.RETURNS_PAGE_SIZE
    module.RETURNS_PAGE_SIZE = 2
    try:
        events = list(_client(httpserver).returns_changed_since(since=since, until=until, max_pages=10))
    finally:
        module.RETURNS_PAGE_SIZE = original
    assert [(e.rma_number, e.status, e.lines[0].received_quantity if e.lines else None) for e in events] == [
        ("A", "received", 2),
        ("B", "received", 2),
        ("C", "received", 2),
        ("D", "received", 2),
    ]
    assert [r["args"] for r in pages.requests] == [
        {
            "CompletedStartDate": "2026-02-01T12:00:00Z",
            "CompletedEndDate": "2026-02-02T12:00:00Z",
            "SortOrder": "Asc",
            "Limit": "2",
            "Cursor": "1",
        },
        {
            "CompletedStartDate": "2026-02-01T12:00:00Z",
            "CompletedEndDate": "2026-02-02T12:00:00Z",
            "SortOrder": "Asc",
            "Limit": "2",
            "Cursor": "2",
        },
        {
            "StartDate": "2026-02-01T12:00:00Z",
            "EndDate": "2026-02-02T12:00:00Z",
            "SortOrder": "Asc",
            "Limit": "2",
            "Cursor": "1",
        },
    ]


def test_returns_changed_since_stops_at_max_pages(httpserver: HTTPServer) -> None:
    import datetime as dt

    rows = [{"id": n, "reference_id": str(n), "status": "Completed"} for n in range(100)]
    pages = Recorder(lambda request: json_response({"items": rows, "next": "more"}))
    httpserver.expect_request("/2026-01/return").respond_with_handler(pages)
    now = dt.datetime(2026, 2, 2, tzinfo=dt.UTC)
    list(_client(httpserver).returns_changed_since(since=now, until=now, max_pages=3))
    assert len(pages.requests) == 3


# -- errors ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "body", "error", "words"),
    [
        (
            401,
            {"message": "Authorization has been denied for this request."},
            ProviderAuthError,
            "Authorization has been denied",
        ),
        (403, {"title": "Forbidden", "status": 403}, ProviderAuthError, "Forbidden"),
        (
            404,
            {"type": None, "title": "Not Found", "status": 404, "detail": "Return 1 was not found.", "instance": None},
            ProviderRejected,
            "Return 1 was not found.",
        ),
        (
            422,
            {
                "message": "The return could not be created.",
                "errors": ["Inventory id 7 is listed more than once."],
                "details": None,
                "stack_trace": None,
            },
            ProviderRejected,
            "The return could not be created: Inventory id 7 is listed more than once.",
        ),
        (
            400,
            {
                "type": "https://tools.ietf.org/html/rfc9110#section-15.5.1",
                "title": "One or more validation errors occurred.",
                "status": 400,
                "errors": {"ReferenceId": ["The field ReferenceId must be a string with a maximum length of 50."]},
                "extensions": {},
            },
            ProviderRejected,
            "One or more validation errors occurred: ReferenceId: The field ReferenceId must be a string with a maxim",
        ),
        (
            422,
            {"": ["Cannot insert order with existing ReferenceId"]},
            ProviderRejected,
            "Cannot insert order with existing ReferenceId",
        ),
        (
            422,
            {"ReferenceId": ["Cannot insert duplicate reference id: 889608212462"]},
            ProviderRejected,
            "ReferenceId: Cannot insert duplicate",
        ),
        (503, {"title": "Service Unavailable"}, ProviderUnavailable, "Service Unavailable"),
    ],
)
def test_shipbobs_error_bodies_are_read(
    httpserver: HTTPServer, status: int, body: dict[str, Any], error: type, words: str
) -> None:
    httpserver.expect_request("/2026-01/fulfillment-center").respond_with_json(body, status=status)
    with pytest.raises(error) as info:
        _client(httpserver).warehouses_list()
    assert info.value.status_code == status
    assert info.value.message.startswith(f"shipbob answered {status}: ")
    assert words in info.value.message


def test_a_429_waits_as_long_as_x_retry_after_says(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/2026-01/fulfillment-center").respond_with_json(
        {"statusCode": 429, "message": "Rate limit is exceeded. Try again in 25 seconds."},
        status=429,
        headers={"x-retry-after": "25", "x-remaining-calls": "0"},
    )
    with pytest.raises(ProviderRateLimited) as info:
        _client(httpserver).warehouses_list()
    assert info.value.retry_after == 25
    assert info.value.message == "shipbob answered 429: Rate limit is exceeded. Try again in 25 seconds."


def test_the_token_never_reaches_the_log(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/2026-01/fulfillment-center").respond_with_json({"message": f"bad {TOKEN}"}, status=401)
    with pytest.raises(ProviderAuthError) as info:
        _client(httpserver).warehouses_list()
    assert TOKEN not in info.value.message
    assert ApiCall.objects.get().request_headers["Authorization"] == "[redacted]"
    assert TOKEN not in json.dumps(list(ApiCall.objects.values()), default=str)


def test_the_documented_rate_limit_is_the_default() -> None:
    assert ShipBobClient.default_rate_limit == "150/minute"
