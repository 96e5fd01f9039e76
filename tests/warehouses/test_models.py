"""Invariants the database enforces for shipping locations."""

import pytest
from django.db import IntegrityError, transaction

from tests.factories import ShippingLocationFactory, StoreFactory

pytestmark = pytest.mark.django_db


def test_a_store_has_at_most_one_default_shipping_location() -> None:
    store = StoreFactory()
    default = ShippingLocationFactory(store=store, is_default=True)
    ShippingLocationFactory(store=store, warehouse_connection=default.warehouse_connection, is_default=False)

    with pytest.raises(IntegrityError), transaction.atomic():
        ShippingLocationFactory(store=store, warehouse_connection=default.warehouse_connection, is_default=True)


def test_each_store_may_have_its_own_default() -> None:
    ShippingLocationFactory(is_default=True)
    ShippingLocationFactory(is_default=True)
