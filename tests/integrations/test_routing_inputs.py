"""What the mappers read for routing rules, in isolation: order tags in either of Shopify's spellings, a country
code among other spellings, and the return method Loop's payload says (integrations/payload_values.py and the
Loop and Redo mappers)."""

from typing import Any

import pytest

from integrations.inbound import ReturnShipmentData
from integrations.payload_values import country_code, tag_list
from integrations.providers.loop.mappers import return_method as loop_method
from integrations.providers.redo.mappers import return_method as redo_method


@pytest.mark.parametrize(
    ("value", "tags"),
    [
        ("vip, Wholesale,  ,vip", ("vip", "Wholesale")),
        (["VIP", "vip", "b2b", 7, None, True], ("VIP", "b2b", "7")),
        ({"tags": "x"}, ()),
        (None, ()),
        (["x" * 150], ("x" * 100,)),
    ],
)
def test_tags_from_a_list_or_a_comma_string(value: Any, tags: tuple[str, ...]) -> None:
    assert tag_list(value) == tags


def test_tags_stop_at_shopifys_limit() -> None:
    assert len(tag_list([f"t{i}" for i in range(400)])) == 250


@pytest.mark.parametrize(
    ("values", "code"), [(("us",), "US"), (("", "United States", "ca"), "CA"), (("USA", None), ""), (("É1",), "")]
)
def test_country_codes(values: tuple[Any, ...], code: str) -> None:
    assert country_code(*values) == code


LABEL = ReturnShipmentData(shipment_key="1Z", tracking_number="1Z")


@pytest.mark.parametrize(
    ("payload", "shipments", "method"),
    [
        ({"happy_returns_shipment_id": "HR-1"}, None, "happy_returns"),
        ({"return_method": {"provider": "Happy Returns", "method_type": "drop_off"}}, None, "happy_returns"),
        ({"return_method": {"method_type": "in_store"}}, None, "drop_off"),
        ({"return_method": {"method_type": "qr_code"}}, None, "mail"),
        ({"return_method": {"method_type": "label"}}, None, "mail"),
        ({}, (LABEL,), "mail"),
        ({}, (), ""),
    ],
)
def test_loop_return_methods(payload: dict, shipments: Any, method: str) -> None:
    assert loop_method(payload, shipments) == method


def test_redo_says_mail_for_a_live_label_and_nothing_else() -> None:
    cancelled = ReturnShipmentData(shipment_key="g", tracking_number="1Z", cancelled=True)
    assert (redo_method((LABEL,)), redo_method((cancelled,)), redo_method(None)) == ("mail", "", "")


def test_a_long_dedupe_key_with_a_lone_surrogate_is_hashed_not_a_crash() -> None:
    """Found by tests/integrations/webhooks/test_fuzz.py (before routing rules): an event type with a lone
    surrogate (JSON's "\\ud800") in a key longer than 200 characters made its hashing raise."""
    from integrations.payload_values import content_key

    key = content_key("\ud800 topic:return.created", "x" * 300, "open")
    assert len(key) == 120 + 1 + 32
    assert key != content_key("\ud801 topic:return.created", "x" * 300, "open")
