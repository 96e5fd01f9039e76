"""Writes for the setup wizard, a module per step: connections (steps 1 and 2), locations (3), rules and the SKU
mapping CSV (4), the test return (5), going live (6). The names the wizard's views and forms use are here."""

from integrations.wizard.services.connections import (
    CheckResult,
    ConnectionSaveResult,
    WarehouseOption,
    connection_sandbox_account,
    connection_verify,
    kind_types_wms,
    returns_platform_save,
    warehouse_kind_of,
    warehouse_system_save,
    warehouse_target,
    warehouses_fetch,
    webhook_secret_regenerate,
)
from integrations.wizard.services.errors import WizardError
from integrations.wizard.services.go_live import store_go_live, store_go_live_blockers
from integrations.wizard.services.locations import LOCATION_FIELDS, location_save
from integrations.wizard.services.rules import RowError, SkuImportResult, sku_mappings_import, store_rules_save
from integrations.wizard.services.test_return import TEST_SKUS, test_return_send

__all__ = (
    "LOCATION_FIELDS",
    "TEST_SKUS",
    "CheckResult",
    "ConnectionSaveResult",
    "RowError",
    "SkuImportResult",
    "WarehouseOption",
    "WizardError",
    "webhook_secret_regenerate",
    "connection_sandbox_account",
    "connection_verify",
    "kind_types_wms",
    "location_save",
    "returns_platform_save",
    "sku_mappings_import",
    "store_go_live",
    "store_go_live_blockers",
    "store_rules_save",
    "test_return_send",
    "warehouse_kind_of",
    "warehouse_system_save",
    "warehouse_target",
    "warehouses_fetch",
)
