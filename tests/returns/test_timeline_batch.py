"""timeline_batch: a service's timeline entries written together in one INSERT (issue 25)."""

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from returns.models import TimelineEvent
from returns.services.timeline import timeline_add, timeline_batch
from tests.factories import ReturnFactory

pytestmark = pytest.mark.django_db


def _kinds() -> list[str]:
    return list(TimelineEvent.objects.order_by("id").values_list("kind", flat=True))


def test_entries_wait_for_the_end_of_the_batch_and_keep_their_order() -> None:
    return_obj: Any = ReturnFactory()
    with CaptureQueriesContext(connection) as queries, timeline_batch():
        timeline_add(return_obj=return_obj, kind="first", message="one")
        with timeline_batch():  # nested: the outer batch writes
            timeline_add(return_obj=return_obj, kind="second", message="two")
        assert TimelineEvent.objects.count() == 0
        timeline_add(return_obj=return_obj, kind="third", message="three")
    inserts = [q["sql"] for q in queries.captured_queries if q["sql"].startswith('INSERT INTO "returns_timelineevent"')]
    assert len(inserts) == 1
    assert _kinds() == ["first", "second", "third"]


def _failing_service(return_obj: Any) -> None:
    with timeline_batch():
        timeline_add(return_obj=return_obj, kind="lost", message="never written")
        raise RuntimeError("the service failed")


def test_an_error_in_the_batch_writes_nothing() -> None:
    return_obj: Any = ReturnFactory()
    with pytest.raises(RuntimeError):
        _failing_service(return_obj)
    timeline_add(return_obj=return_obj, kind="after", message="outside any batch: written at once")
    assert _kinds() == ["after"]
