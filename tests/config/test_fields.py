"""EncryptedTextField: round trip, a wrong key fails loudly, empty values survive, key rotation."""

import io

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from config.fields import DecryptionError, EncryptedTextField
from integrations.models import Connection
from tests.factories import ConnectionFactory

OLD_KEY = Fernet.generate_key().decode()
NEW_KEY = Fernet.generate_key().decode()


def _stored_token(pk: int, column: str = "api_key") -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM integrations_connection WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_round_trip_stores_a_token_and_reads_plaintext() -> None:
    conn = ConnectionFactory(api_key="sk_live_round_trip")

    assert _stored_token(conn.pk) != "sk_live_round_trip"
    assert Connection.objects.get(pk=conn.pk).api_key == "sk_live_round_trip"


@pytest.mark.django_db
def test_each_save_uses_a_fresh_token() -> None:
    first = ConnectionFactory(provider="loop", api_key="same")
    second = ConnectionFactory(provider="redo", api_key="same")

    assert _stored_token(first.pk) != _stored_token(second.pk)


@pytest.mark.django_db
def test_a_wrong_key_raises_a_clear_error_naming_the_field() -> None:
    with override_settings(FIELD_ENCRYPTION_KEYS=[OLD_KEY]):
        conn = ConnectionFactory(api_key="sk_live_wrong_key")

    with (
        override_settings(FIELD_ENCRYPTION_KEYS=[NEW_KEY]),
        pytest.raises(DecryptionError, match=r"Connection\.api_key"),
    ):
        Connection.objects.get(pk=conn.pk)


@pytest.mark.django_db
def test_empty_string_is_stored_and_read_as_empty_string() -> None:
    conn = ConnectionFactory(api_key="")

    assert _stored_token(conn.pk) == ""
    assert Connection.objects.get(pk=conn.pk).api_key == ""


def test_none_stays_none_both_ways() -> None:
    field = Connection._meta.get_field("api_key")
    assert isinstance(field, EncryptedTextField)

    assert field.get_prep_value(None) is None
    assert field.from_db_value(None, None, connection) is None


@pytest.mark.django_db
def test_rotation_re_encrypts_under_the_new_key_so_the_old_key_can_be_dropped() -> None:
    with override_settings(FIELD_ENCRYPTION_KEYS=[OLD_KEY]):
        conn = ConnectionFactory(api_key="sk_live_rotate_me", webhook_secret="whsec_rotate_me", api_password="")
    old_token = _stored_token(conn.pk)

    with override_settings(FIELD_ENCRYPTION_KEYS=[NEW_KEY, OLD_KEY]):
        call_command("rotate_encryption_keys", stdout=io.StringIO())

    assert _stored_token(conn.pk) != old_token
    with override_settings(FIELD_ENCRYPTION_KEYS=[NEW_KEY]):
        reread = Connection.objects.get(pk=conn.pk)
    assert reread.api_key == "sk_live_rotate_me"
    assert reread.webhook_secret == "whsec_rotate_me"
    assert reread.api_password == ""
