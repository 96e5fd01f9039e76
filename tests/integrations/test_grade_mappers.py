"""Each warehouse's mapper reads what it found per item into provider-neutral grades (integrations.inbound.ItemGrade):
the WMS's own condition and disposition words, a description, the note and photos it gives, when it inspected."""

import datetime as dt
import json

from integrations.inbound import ItemGrade, warehouse_event_from_json, warehouse_event_to_json
from integrations.providers.shipbob import mappers as shipbob
from integrations.providers.shipmonk import mappers as shipmonk
from integrations.providers.shipstream import mappers as shipstream
from integrations.providers.trackstar import mappers as trackstar
from tests.conftest import load_fixture

UTC = dt.UTC


def _fixture(provider: str, name: str) -> dict:
    return json.loads(load_fixture(provider, name))


def test_trackstar_receiving_details_are_graded_with_their_condition_and_disposition() -> None:
    data = _fixture("trackstar", "return_updated")["data"]
    (line,) = trackstar.return_event(data, previous_attributes=None).lines
    arrived = dt.datetime(2025, 3, 5, 15, 0, tzinfo=UTC)
    assert line.grades == (
        ItemGrade(
            1, "good", "restocked", "Graded at TrackStar: condition good, disposition restocked", "", (), arrived
        ),
        ItemGrade(
            1, "damaged", "scrapped", "Graded at TrackStar: condition damaged, disposition scrapped", "", (), arrived
        ),
    )


def test_trackstar_detail_without_words_or_units_is_no_grade() -> None:
    data = _fixture("trackstar", "return_updated")["data"]
    data["shipments"][0]["line_items"][0]["receiving_details"] = [{"quantity": 2}, {"quantity": 0, "condition": "good"}]
    (line,) = trackstar.return_event(data, previous_attributes=None).lines
    assert line.grades == ()


def test_shipmonk_final_dispositions_are_graded_per_receipt_with_the_lot() -> None:
    (line,) = shipmonk.return_status_event(_fixture("shipmonk", "return_status_graded")).lines
    assert [(g.quantity, g.condition, g.disposition, g.description, g.inspected_at) for g in line.grades] == [
        (
            2,
            "",
            "returned_to_inventory",
            "Graded at ShipMonk: disposition returned_to_inventory (lot L-7)",
            dt.datetime(2025, 3, 6, 14, 10, tzinfo=UTC),
        ),
        # No receipt time of its own: the return's.
        (1, "", "dispose", "Graded at ShipMonk: disposition dispose", dt.datetime(2025, 3, 6, 14, 0, tzinfo=UTC)),
    ]


def test_shipmonk_without_receiving_details_has_no_grades() -> None:
    payload = _fixture("shipmonk", "return_status_returned")
    payload["items"][0]["receiving_details"] = []
    (line,) = shipmonk.return_status_event(payload).lines
    assert line.grades == ()


def test_shipstream_damage_type_is_the_condition_and_put_away_the_disposition() -> None:
    event = shipstream.delivery_object_event(_fixture("shipstream", "delivery_search_received"))
    tee, hoodie = event.lines
    when = dt.datetime(2025, 3, 5, 16, 0, tzinfo=UTC)
    assert tee.grades == (
        ItemGrade(
            2, "none", "put_away", "Graded at ShipStream: condition damage none, disposition put away", "", (), when
        ),
    )
    assert hoodie.grades == (ItemGrade(1, "noted", "", "Graded at ShipStream: condition damage noted", "", (), when),)


def test_shipbob_action_taken_is_the_disposition_its_reason_the_note_and_its_photo_the_evidence() -> None:
    (line,) = shipbob.return_event(_fixture("shipbob", "return_get_graded")).lines
    done = dt.datetime(2026, 2, 5, 12, 0, tzinfo=UTC)
    assert line.grades[0].inspected_at == done
    assert line.grades == (
        ItemGrade(
            2,
            "",
            "restock",
            "Graded at ShipBob: disposition restock (Passed inspection)",
            "Passed inspection",
            (),
            done,
        ),
        ItemGrade(
            1,
            "",
            "quarantine",
            "Graded at ShipBob: disposition quarantine (Stain on the front)",
            "Stain on the front",
            ("https://cdn.shipbob.example/returns/1234568/1.jpg",),
            done,
        ),
    )


def test_shipbob_photo_that_is_not_a_web_address_is_not_passed_on() -> None:
    data = _fixture("shipbob", "return_get_graded")
    data["inventory"][0]["action_taken"][1]["image_url"] = "javascript:alert(1)"
    (line,) = shipbob.return_event(data).lines
    assert line.grades[1].images == ()


def test_grades_survive_the_orphan_receipts_json_round_trip() -> None:
    event = shipbob.return_event(_fixture("shipbob", "return_get_graded"))
    assert warehouse_event_from_json(json.loads(json.dumps(warehouse_event_to_json(event)))) == event


def test_a_long_description_is_cut_to_loops_255() -> None:
    grade = ItemGrade(quantity=1, description="x" * 400)
    assert len(grade.description) == 255
