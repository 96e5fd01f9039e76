"""Event DTOs fit their values to the columns they land in (integrations/inbound.py, integrations/fitting.py)."""

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest
from django.db import models

from integrations import inbound as dto
from integrations.dto_fitting import Fit, FitsColumns, cut_lengths
from integrations.fitting import MAX_JSON_DEPTH, fitted_key, storable_json
from integrations.inbound_errors import WebhookParseError
from integrations.models import InboundWebhook
from integrations.payload_values import parse_timestamp, to_int
from returns.models import RMA, GradeMapping, OrphanReceipt, Return, ReturnLine, ReturnShipment
from warehouses.models import Fulfillment

# DTO field → the column it is written to (or compared with). Fields not listed are not strings or
# are checked elsewhere (JSON, counts, nested DTOs).
COLUMNS: dict[type, tuple[type[models.Model], dict[str, str]]] = {
    dto.ReturnData: (Return, {}),
    dto.ReturnLineData: (ReturnLine, {}),
    dto.ReturnShipmentData: (ReturnShipment, {}),
    dto.FulfillmentData: (Fulfillment, {}),
    dto.InboundWarehouseReturnEvent: (
        OrphanReceipt,
        {
            "tracking_numbers": "return_obj__shipments__tracking_number",
            "order_refs": "return_obj__order_name",
        },
    ),
    dto.WarehouseLineData: (RMA, {"sku": "lines__sku"}),
    dto.InboundLabelEvent: (Return, {"return_external_id": "external_id"}),
    dto.InboundLabelRequestEvent: (Return, {"return_external_id": "external_id"}),
    dto.InboundEvent: (InboundWebhook, {}),
    # A grade's words are matched against the store's grade mappings (the rest lands in JSON on the lines).
    dto.ItemGrade: (GradeMapping, {"condition": "word", "disposition": "word"}),
}
# Limits with no column of their own (a text field, a URL path segment, the webhook row's error).
UNBOUNDED = {
    (dto.ReturnLineData, "customer_comment"),
    (dto.InboundWarehouseReturnEvent, "warehouse_code"),
    # Only read: which integration made a return the WMS reports (never stored).
    (dto.InboundWarehouseReturnEvent, "foreign_source"),
    (dto.InboundLabelRequestEvent, "request_id"),
    (dto.InboundShipmentLookupEvent, "reference"),
    (dto.InboundShipmentLookupEvent, "shipment_id"),
    (dto.InboundConnectionHealthEvent, "message"),
    (dto.IgnoredEvent, "reason"),
    # Kept in RMALine.grades / ReturnLine.grades (JSON): Loop's own limit for the description, a page's for the rest.
    (dto.ItemGrade, "description"),
    (dto.ItemGrade, "note"),
    (dto.ItemGrade, "images"),
}


def _column(model: type[models.Model], path: str) -> models.Field:
    *relations, name = path.split("__")
    for relation in relations:
        model = model._meta.get_field(relation).related_model
    return model._meta.get_field(name)


def _bounded_fields() -> list[tuple[type, str, Fit, int]]:
    found = []
    for cls in vars(dto).values():
        if isinstance(cls, type) and issubclass(cls, FitsColumns) and dataclasses.is_dataclass(cls):
            for f in dataclasses.fields(cls):
                kind, limit = f.metadata.get("fit", (None, 0))
                if kind in (Fit.TEXT, Fit.KEY, Fit.ID):
                    found.append((cls, f.name, kind, limit))
    return found


@pytest.mark.parametrize(("cls", "name", "kind", "limit"), _bounded_fields(), ids=lambda v: getattr(v, "__name__", v))
def test_every_limit_is_its_columns_max_length(cls, name, kind, limit):
    if (cls, name) in UNBOUNDED:
        assert limit > 0
        return
    model, renamed = COLUMNS[cls]
    if (cls, name) == (dto.ReturnShipmentData, "line_keys"):  # the keys of the lines the parcel carries
        model, renamed = ReturnLine, {"line_keys": "line_key"}
    column = _column(model, renamed.get(name, name))
    assert column.max_length == limit, f"{cls.__name__}.{name}: {limit}, column {column.max_length}"


def test_text_is_cut_with_nul_shown_and_its_length_kept():
    line = dto.ReturnLineData(line_key="k", sku="S", quantity=1, title="a\x00" + "t" * 400, reason="ok")
    assert (line.title, line.reason) == ("a\ufffd" + "t" * 298, "ok")
    assert cut_lengths(line) == {"title": 402}


def test_cut_lengths_carry_up_through_nested_dtos():
    line = dto.ReturnLineData(line_key="k", sku="S", quantity=1, title="t" * 301)
    shipment = dto.ReturnShipmentData(shipment_key="s", carrier="c" * 101)
    data = dto.ReturnData(platform="loop", external_id="1", state="s" * 31, lines=(line,), shipments=(shipment,))
    event = dto.InboundEvent("return:created", "key", dto.InboundReturnEvent(change="created", data=data))
    assert cut_lengths(event) == {
        "payload.data.state": 31,
        "payload.data.lines[0].title": 301,
        "payload.data.shipments[0].carrier": 101,
    }


def test_keys_are_hashed_to_fit_and_stay_distinct():
    first, second = "k" * 300 + "1", "k" * 300 + "2"
    fitted = {dto.ReturnLineData(line_key=key, sku="S", quantity=1).line_key for key in (first, second)}
    assert len(fitted) == 2
    assert all(len(key) == 200 for key in fitted)
    # The shipment's reference to the line is fitted the same way.
    assert dto.ReturnShipmentData(shipment_key="s", line_keys=(first,)).line_keys == (fitted_key(first, 200),)
    assert fitted_key("a\x00b", 200) != fitted_key("a\ufffdb", 200)  # NUL is hashed, not merged with U+FFFD


@pytest.mark.parametrize(
    ("build", "reason"),
    [
        (
            lambda: dto.ReturnLineData(line_key="k", sku="S" * 201, quantity=1),
            "sku is 201 characters long (at most 200)",
        ),
        (lambda: dto.ReturnData(platform="loop", external_id="1\x00"), "external_id contains a NUL character"),
        (lambda: dto.ReturnLineData(line_key="k", sku="S", quantity=-1), "quantity -1 is out of range"),
        (lambda: dto.WarehouseLineData(sku="S", received_quantity=2**31), "received_quantity 2147483648 is out of"),
        (
            lambda: dto.FulfillmentData(shipment_key="s", tracking_numbers=("1", "2\x00"), packages=({"a": []},)),
            None,
        ),
    ],
    ids=["long-sku", "nul-id", "negative", "too-many", "json-ok"],
)
def test_identifiers_and_counts_that_do_not_fit_are_refused(build, reason):
    if reason is None:
        assert build().tracking_numbers == ("1", "2\ufffd")
        return
    with pytest.raises(WebhookParseError, match=reason.replace("(", r"\(").replace(")", r"\)")):
        build()


def test_json_is_refused_past_the_depth_limit():
    deep: object = 1
    for _ in range(MAX_JSON_DEPTH + 1):
        deep = {"a": deep}
    with pytest.raises(WebhookParseError, match="destination_address is nested deeper than 32 levels"):
        dto.ReturnData(platform="loop", external_id="1", destination_address=deep)  # type: ignore[arg-type]
    assert storable_json({"k\x00": ["v\x00", 1, None]}) == {"k\ufffd": ["v\ufffd", 1, None]}


@pytest.mark.parametrize("total", [Decimal("1e10"), Decimal("NaN"), Decimal("-Infinity"), Decimal("1e999999999")])
def test_an_amount_that_does_not_fit_is_dropped(total):
    assert dto.ReturnData(platform="loop", external_id="1", total=total).total is None
    assert dto.ReturnData(platform="loop", external_id="1", total=Decimal("9999999999.99")).total is not None


@pytest.mark.parametrize(
    ("value", "expected"),
    [("12", 12), (12.7, 12), ("1e999999999", None), (float("inf"), None), ("NaN", None), (2**31, None), ({}, None)],
)
def test_to_int(value, expected):
    assert to_int(value) == expected


@pytest.mark.parametrize(
    "value",
    [10**20, "9" * 13, "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", {"date": "x", "timezone": "Z" * 300}],
)
def test_parse_timestamp_is_none_outside_the_calendar(value):
    assert parse_timestamp(value) is None
    assert parse_timestamp("2025-03-01T10:00:00Z") == dt.datetime(2025, 3, 1, 10, tzinfo=dt.UTC)
