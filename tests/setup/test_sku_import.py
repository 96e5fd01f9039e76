"""The wizard's SKU CSV import: a changed mapping records when it changed (bulk_update runs no auto_now)."""

import datetime as dt
import io

import pytest
from django.utils import timezone

from integrations.wizard.services import sku_mappings_import
from tests.factories import StoreFactory
from warehouses.models import SkuMapping

pytestmark = pytest.mark.django_db


def test_an_updated_mapping_gets_a_new_updated_at_and_an_unchanged_one_keeps_its_own() -> None:
    store = StoreFactory()
    changed = SkuMapping.objects.create(store=store, platform_sku="TEE-BLK-M", wms_sku="OLD-1")
    same = SkuMapping.objects.create(store=store, platform_sku="CAP-RED", wms_sku="CAP-1")
    long_ago = timezone.now() - dt.timedelta(days=30)
    SkuMapping.objects.filter(store=store).update(updated_at=long_ago)
    before = timezone.now()
    upload = io.BytesIO(b"platform_sku,wms_sku\nTEE-BLK-M,NEW-1\nCAP-RED,CAP-1\nSOCK,SOCK-1\n")
    result = sku_mappings_import(store=store, upload=upload)
    assert (result.created, result.updated, result.unchanged) == (1, 1, 1)
    changed.refresh_from_db()
    same.refresh_from_db()
    assert changed.wms_sku == "NEW-1"
    assert changed.updated_at >= before
    assert same.updated_at == long_ago
