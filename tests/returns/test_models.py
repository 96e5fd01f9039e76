"""Invariants the database enforces for returns and RMAs."""

import pytest
from django.db import IntegrityError, transaction

from returns.models import RMA, ReturnLine, RMALine
from tests.factories import ReturnLineFactory, RMAFactory, RMALineFactory

pytestmark = pytest.mark.django_db


def test_rma_number_is_unique_per_store() -> None:
    rma = RMAFactory(number="1042")

    with pytest.raises(IntegrityError), transaction.atomic():
        RMAFactory(return_obj=rma.return_obj, number="1042")


def test_the_same_rma_number_may_exist_in_another_store() -> None:
    RMAFactory(number="1042")
    RMAFactory(number="1042")

    assert RMA.objects.filter(number="1042").count() == 2


def test_return_line_quantity_is_at_least_one() -> None:
    ReturnLineFactory(quantity=1)

    with pytest.raises(IntegrityError), transaction.atomic():
        ReturnLineFactory(quantity=0)
    assert ReturnLine.objects.count() == 1


def test_rma_line_quantity_is_at_least_one() -> None:
    RMALineFactory(quantity=1)

    with pytest.raises(IntegrityError), transaction.atomic():
        RMALineFactory(quantity=0)
    assert RMALine.objects.count() == 1
