"""RMA numbers stay unique and gap-free when many planners allocate for one order at once."""

import threading
import time

import pytest
from django.db import OperationalError, connection

from returns.models import RmaNumberSequence
from returns.services.planning import rma_number_allocate
from tests.factories import StoreFactory


def _allocate_concurrently(store_id: int, count: int) -> list[str]:
    numbers: list[str] = []
    errors: list[BaseException] = []
    start = threading.Barrier(count)

    def allocate() -> None:
        try:
            start.wait()
            for _ in range(50):
                try:
                    numbers.append(rma_number_allocate(store_id=store_id, base="1042"))
                    return
                except OperationalError:  # in-memory SQLite refuses a second writer outright: try again
                    time.sleep(0.01)
        except BaseException as exc:  # noqa: BLE001 - surfaced by the assertion below
            errors.append(exc)
        finally:
            connection.close()  # this thread's connection: the test database can then be dropped

    threads = [threading.Thread(target=allocate) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    return numbers


def _expected(count: int) -> list[str]:
    return ["1042"] + [f"1042_{n:02d}" for n in range(1, count)]


@pytest.mark.django_db(transaction=True)
def test_threads_get_distinct_consecutive_numbers() -> None:
    store = StoreFactory()
    numbers = _allocate_concurrently(store.pk, 8)
    assert sorted(numbers) == _expected(8)
    assert RmaNumberSequence.objects.get(store=store).allocated == 8


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_true_concurrency_on_postgresql_row_lock() -> None:
    store = StoreFactory()
    numbers = _allocate_concurrently(store.pk, 12)
    assert sorted(numbers) == _expected(12)
