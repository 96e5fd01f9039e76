import pytest

from integrations.models import Connection, Store
from integrations.sandbox.models import SandboxAccount

WAREHOUSES = [
    {"id": "wh_ca", "code": "CA1", "name": "Ontario CA"},
    {"id": "wh_nj", "code": "NJ1", "name": "Carteret NJ"},
]
SHIPSTREAM_WAREHOUSES = [{"id": 1, "name": "Reno"}, {"id": 2, "name": "Atlanta"}]


@pytest.fixture
def store(db: None) -> Store:
    return Store.objects.create(name="Sandbox Tees", slug="sandbox-tees", is_sandbox=True)


def _account(store: Store, provider: str, role: str, warehouses: list, **credentials: str) -> SandboxAccount:
    connection = Connection.objects.create(
        store=store, role=role, provider=provider, status=Connection.Status.ACTIVE, **credentials
    )
    return SandboxAccount.objects.create(provider=provider, connection=connection, warehouses=warehouses)


@pytest.fixture
def shipmonk(store: Store) -> SandboxAccount:
    return _account(store, "shipmonk", "warehouse", WAREHOUSES, api_key="sm-key", external_account_id="12345")


@pytest.fixture
def trackstar(store: Store) -> SandboxAccount:
    return _account(store, "trackstar", "warehouse", WAREHOUSES, access_token="ts-token", wms_name="shipmonk")


@pytest.fixture
def shipstream(store: Store) -> SandboxAccount:
    return _account(
        store, "shipstream", "warehouse", SHIPSTREAM_WAREHOUSES, api_username="apiuser", api_password="apipass"
    )


@pytest.fixture
def loop(store: Store) -> SandboxAccount:
    return _account(store, "loop", "returns_platform", [], api_key="loop-key")


@pytest.fixture
def redo(store: Store) -> SandboxAccount:
    return _account(store, "redo", "returns_platform", [], api_key="redo-secret", external_account_id="store1")
