"""Step 4: the store's processing rules and its SKU mapping CSV."""

import csv
import io
import logging
from dataclasses import dataclass, field
from typing import IO

from django.db import transaction
from django.utils import timezone

from integrations.models import Store
from integrations.services.stores import store_update
from integrations.wizard.services.errors import WizardError
from warehouses.models import SkuMapping

logger = logging.getLogger(__name__)


def store_rules_save(*, store: Store, processing_mode: str, rma_trigger: str, default_instructions: str) -> Store:
    """Processing mode, RMA trigger and default processing instructions."""
    return store_update(
        store=store,
        data={
            "processing_mode": processing_mode,
            "rma_trigger": rma_trigger,
            "default_instructions": default_instructions,
        },
    )


SKU_CSV_MAX_BYTES = 2 * 1024 * 1024
_SKU_MAX = SkuMapping._meta.get_field("platform_sku").max_length or 200


@dataclass(frozen=True)
class RowError:
    row: int
    reason: str


@dataclass
class SkuImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)


def _read_text(upload: IO[bytes]) -> str:
    raw = upload.read(SKU_CSV_MAX_BYTES + 1)
    if len(raw) > SKU_CSV_MAX_BYTES:
        raise WizardError("The file is larger than 2 MB. Split it into smaller files.")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise WizardError("The file is not UTF-8 text. Save it as “CSV UTF-8” and upload it again.") from exc


@transaction.atomic
def sku_mappings_import(*, store: Store, upload: IO[bytes]) -> SkuImportResult:
    """Import a platform_sku,wms_sku CSV: valid rows are saved, existing SKUs updated, bad rows reported."""
    reader = csv.reader(io.StringIO(_read_text(upload)))
    header = [h.strip().lower() for h in next(reader, [])]
    if "platform_sku" not in header or "wms_sku" not in header:
        raise WizardError("The first row must be the header platform_sku,wms_sku.")
    p_col, w_col = header.index("platform_sku"), header.index("wms_sku")
    result = SkuImportResult()
    rows: dict[str, tuple[int, str]] = {}
    for row_number, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        platform_sku = row[p_col].strip() if len(row) > p_col else ""
        wms_sku = row[w_col].strip() if len(row) > w_col else ""
        if not platform_sku:
            result.errors.append(RowError(row_number, "platform_sku is empty"))
        elif not wms_sku:
            result.errors.append(RowError(row_number, f"wms_sku is empty for {platform_sku}"))
        elif len(platform_sku) > _SKU_MAX or len(wms_sku) > _SKU_MAX:
            result.errors.append(RowError(row_number, f"a SKU is longer than {_SKU_MAX} characters"))
        elif platform_sku in rows:
            first = rows[platform_sku][0]
            result.errors.append(RowError(row_number, f"{platform_sku} is already in row {first}; this row is ignored"))
        else:
            rows[platform_sku] = (row_number, wms_sku)
    existing = {m.platform_sku: m for m in SkuMapping.objects.filter(store=store, platform_sku__in=list(rows))}
    to_create, to_update = [], []
    now = timezone.now()
    for platform_sku, (_row, wms_sku) in rows.items():
        mapping = existing.get(platform_sku)
        if mapping is None:
            to_create.append(SkuMapping(store=store, platform_sku=platform_sku, wms_sku=wms_sku))
        elif mapping.wms_sku != wms_sku:
            mapping.wms_sku = wms_sku
            # bulk_update calls no save(), so auto_now does not run: without this the old time is written back.
            mapping.updated_at = now
            to_update.append(mapping)
        else:
            result.unchanged += 1
    SkuMapping.objects.bulk_create(to_create)
    SkuMapping.objects.bulk_update(to_update, ["wms_sku", "updated_at"])
    result.created, result.updated = len(to_create), len(to_update)
    return result
