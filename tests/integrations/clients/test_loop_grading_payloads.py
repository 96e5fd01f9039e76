"""Loop's Dispositioning API bodies (providers.md §8.1), built from provider-neutral grade reports."""

import datetime as dt

from integrations.base import ItemGradeReport
from integrations.providers.loop.payloads import assess_body, grade_body


def test_grade_and_assess_bodies_say_what_loop_documents_and_nothing_empty() -> None:
    paris = dt.timezone(dt.timedelta(hours=1))
    report = ItemGradeReport(
        item_id="7001",
        description="x" * 300,
        condition_category="grade_c",
        disposition_outcome="recycle",
        note="Torn seam",
        images=("https://cdn.example.com/1.jpg",),
        inspected_at=dt.datetime(2026, 12, 7, 11, 30, 5, tzinfo=paris),
    )
    bare = ItemGradeReport(item_id="7002", description="", disposition_outcome="missing", graded=False)
    (graded,) = grade_body([report])["items"]
    assert graded == {
        "line_item_id": 7001,
        "description": "x" * 255,
        "condition_category": "grade_c",
        "note": "Torn seam",
        "images": ["https://cdn.example.com/1.jpg"],
        "inspected_at": "2026-12-07 10:30:05",
    }
    assert assess_body([report, bare])["items"] == [
        {
            "line_item_id": 7001,
            "disposition_outcome": "recycle",
            "note": "Torn seam",
            "inspected_at": "2026-12-07 10:30:05",
        },
        {"line_item_id": 7002, "disposition_outcome": "missing"},
    ]
