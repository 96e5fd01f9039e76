"""Two events of one new return applied at once: one row, both applied, no error (PostgreSQL)."""

import datetime as dt
import threading
from typing import Any

import pytest
from django.db import connection

from integrations.inbound import InboundReturnEvent, ReturnData, ReturnLineData
from returns.models import Return, TimelineEvent
from returns.services import intake
from tests.factories import ConnectionFactory

T0 = dt.datetime(2025, 3, 1, 10, 0, tzinfo=dt.UTC)


def _event(change: str, *, at: dt.datetime, qty: int) -> InboundReturnEvent:
    return InboundReturnEvent(
        change=change,
        data=ReturnData(
            platform="loop",
            external_id="990011",
            order_name="#1042",
            platform_updated_at=at,
            lines=(ReturnLineData(line_key="TEE", sku="TEE-BLK-M", quantity=qty),),
        ),
    )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
# absent: both prepare steps saw no return, so both insert at once without reading (the usual path of a new
# return); otherwise get_or_create reads first. Either way one insert is refused and that worker updates the row.
@pytest.mark.parametrize("absent", [True, False])
def test_both_workers_insert_one_wins_the_other_updates_it(monkeypatch: pytest.MonkeyPatch, absent: bool) -> None:
    conn = ConnectionFactory()
    monkeypatch.setattr(intake, "rmas_on_return_changed", lambda **kw: None)
    real_get_or_create = intake._get_or_create_return
    real_save = Return.save
    both_missed = threading.Barrier(2, timeout=30)
    created: list[bool] = []

    def insert_after_both_read(self: Return, *args: Any, **kwargs: Any) -> None:
        # Both workers have read no return by now and go on to insert it: the race get_or_create settles.
        if self.pk is None:
            both_missed.wait()
        real_save(self, *args, **kwargs)

    def recording(**kwargs: Any) -> Any:
        return_obj, was_created = real_get_or_create(**kwargs)
        created.append(was_created)
        return return_obj, was_created

    monkeypatch.setattr(Return, "save", insert_after_both_read)
    monkeypatch.setattr(intake, "_get_or_create_return", recording)
    events = [_event("created", at=T0, qty=1), _event("updated", at=T0 + dt.timedelta(hours=1), qty=2)]
    errors: list[BaseException] = []
    start = threading.Barrier(len(events))

    def apply(event: InboundReturnEvent) -> None:
        try:
            start.wait()
            intake.return_apply_event(connection=conn, event=event, webhook_id=None, absent=absent)
        except BaseException as exc:  # noqa: BLE001 - surfaced by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=apply, args=(event,)) for event in events]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sorted(created) == [False, True]  # the second insert met the first row and gave way
    ret = Return.objects.get()
    assert ret.platform_updated_at == T0 + dt.timedelta(hours=1)  # the newer event wins, whatever the order
    assert ret.lines.get().quantity == 2
    assert TimelineEvent.objects.filter(return_obj=ret, kind="return_created").count() == 1
