"""Invariants the database enforces for stores, connections and webhooks; secrets at rest."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from integrations.models import Connection, InboundWebhook
from tests.factories import ConnectionFactory, InboundWebhookFactory, StoreFactory

pytestmark = pytest.mark.django_db

SECRET_VALUES = {
    "api_key": "sk_live_PLAINTEXT_KEY_9f8e",
    "access_token": "ts_PLAINTEXT_TOKEN_1a2b",
    "api_password": "PLAINTEXT_PASSWORD_3c4d",
    "webhook_secret": "whsec_PLAINTEXT_SECRET_5e6f",
    "previous_webhook_secret": "whsec_PLAINTEXT_OLD_7a8b",
    "webhook_password": "PLAINTEXT_BASIC_9c0d",
    "previous_webhook_password": "PLAINTEXT_BASIC_OLD_1e2f",
}


def test_webhook_dedupe_key_is_unique_per_connection() -> None:
    first = InboundWebhookFactory(dedupe_key="evt_1")

    with pytest.raises(IntegrityError), transaction.atomic():
        InboundWebhookFactory(connection=first.connection, dedupe_key="evt_1")


def test_webhook_dedupe_key_may_repeat_across_connections_and_be_null_many_times() -> None:
    first = InboundWebhookFactory(dedupe_key="evt_1")
    InboundWebhookFactory(dedupe_key="evt_1")
    InboundWebhookFactory(connection=first.connection, dedupe_key=None)
    InboundWebhookFactory(connection=first.connection, dedupe_key=None)

    assert InboundWebhook.objects.filter(connection=first.connection).count() == 3


def test_one_returns_platform_connection_per_store_and_provider() -> None:
    existing = ConnectionFactory(provider="loop")
    ConnectionFactory(store=existing.store, provider="redo")

    with pytest.raises(IntegrityError), transaction.atomic():
        ConnectionFactory(store=existing.store, provider="loop")


def test_one_warehouse_connection_per_store_provider_and_wms_name() -> None:
    existing = ConnectionFactory(provider="trackstar", wms_name="shipbob")
    ConnectionFactory(store=existing.store, provider="trackstar", wms_name="deliverr")

    with pytest.raises(IntegrityError), transaction.atomic():
        ConnectionFactory(store=existing.store, provider="trackstar", wms_name="shipbob")


@pytest.mark.parametrize(
    ("role", "provider"),
    [
        (Connection.Role.WAREHOUSE, "loop"),
        (Connection.Role.WAREHOUSE, "redo"),
        (Connection.Role.RETURNS_PLATFORM, "shipmonk"),
        (Connection.Role.RETURNS_PLATFORM, "trackstar"),
        (Connection.Role.RETURNS_PLATFORM, "unknown"),
    ],
)
def test_role_must_match_provider(role: str, provider: str) -> None:
    """The provider column holds a registry slug (no database enum): validation refuses the wrong role or slug."""
    with pytest.raises(ValidationError, match="provider|role"):
        ConnectionFactory.build(store=StoreFactory(), role=role, provider=provider).full_clean()


def test_endpoint_token_is_unguessable_and_unique() -> None:
    store = StoreFactory()
    first = ConnectionFactory(store=store, provider="loop")
    second = ConnectionFactory(store=store, provider="shipmonk")

    # secrets.token_urlsafe(32): 256 random bits, 43 URL-safe characters.
    assert len(first.endpoint_token) >= 43
    assert first.endpoint_token != second.endpoint_token
    with pytest.raises(IntegrityError), transaction.atomic():
        Connection.objects.filter(pk=second.pk).update(endpoint_token=first.endpoint_token)


def _raw_row(model: type, pk: int) -> dict:
    table = connection.ops.quote_name(model._meta.db_table)
    pk_column = connection.ops.quote_name(model._meta.pk.column)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table} WHERE {pk_column} = %s", [pk])  # noqa: S608
        columns = [col[0] for col in cursor.description]
        return dict(zip(columns, cursor.fetchone(), strict=True))


def test_a_connection_row_read_straight_from_the_database_holds_no_plaintext_secret() -> None:
    conn = ConnectionFactory(provider="shipstream", **SECRET_VALUES)

    row = _raw_row(Connection, conn.pk)

    dumped = repr(row)
    for name, value in SECRET_VALUES.items():
        assert value not in dumped, f"{name} stored in plaintext"
        assert row[name].startswith("gAAAA"), f"{name} is not a Fernet token"
    assert Connection.objects.get(pk=conn.pk).api_key == SECRET_VALUES["api_key"]


def test_history_has_no_secret_columns_and_no_secret_values() -> None:
    conn = ConnectionFactory(provider="shipstream", **SECRET_VALUES)
    conn.name = "renamed"
    conn.save()

    history_model = Connection.history.model
    columns = {field.column for field in history_model._meta.concrete_fields}
    for name in (*SECRET_VALUES, "endpoint_token"):
        assert name not in columns
    rows = [_raw_row(history_model, record.pk) for record in conn.history.all()]
    assert len(rows) == 2
    for value in (*SECRET_VALUES.values(), conn.endpoint_token):
        assert value not in repr(rows)


@pytest.mark.parametrize(
    ("wms_name", "shown"), [("shipmonk", "ShipMonk"), ("shipstream", "ShipStream"), ("ship_hero", "Ship Hero")]
)
def test_display_name_of_a_wms_behind_trackstar(wms_name: str, shown: str) -> None:
    from integrations.models import Connection

    assert Connection(provider="trackstar", role="warehouse", wms_name=wms_name).display_name == shown
