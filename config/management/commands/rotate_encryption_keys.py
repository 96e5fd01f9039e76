"""Re-encrypt every stored secret under the newest key in FIELD_ENCRYPTION_KEYS."""

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.db.models import Field

from config.fields import EncryptedTextField, get_fernet


def _column(field: "Field[Any, Any]") -> str:
    """A concrete field's column (a primary key is concrete); only virtual fields have none."""
    if field.column is None:
        raise ValueError(f"{field} has no database column")
    return field.column


class Command(BaseCommand):
    help = "Re-encrypt all encrypted fields with the first key; afterwards old keys can be removed."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args: Any, batch_size: int, **options: Any) -> None:
        fernet = get_fernet()
        total = 0
        for model in apps.get_models():
            fields = [f for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
            if not fields:
                continue
            table = connection.ops.quote_name(model._meta.db_table)
            pk = connection.ops.quote_name(_column(model._meta.pk))
            columns = [connection.ops.quote_name(_column(f)) for f in fields]
            # Raw SQL reads the tokens without decrypting them: rotate() works on tokens.
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT {pk}, {', '.join(columns)} FROM {table}")  # noqa: S608
                rows = cursor.fetchall()
            for start in range(0, len(rows), batch_size):
                with transaction.atomic(), connection.cursor() as cursor:
                    for row in rows[start : start + batch_size]:
                        new_tokens = [fernet.rotate(t.encode()).decode() if t else t for t in row[1:]]
                        assignments = ", ".join(f"{c} = %s" for c in columns)
                        cursor.execute(
                            f"UPDATE {table} SET {assignments} WHERE {pk} = %s",  # noqa: S608
                            [*new_tokens, row[0]],
                        )
                        total += 1
            self.stdout.write(f"{model._meta.label}: {len(rows)} rows re-encrypted")
        self.stdout.write(self.style.SUCCESS(f"Done: {total} rows now encrypted with the newest key."))
