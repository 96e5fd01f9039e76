"""Default status mappings for stores that exist already (new stores get them on first use, in code).

Kept in sync by hand with returns/warehouse_outcomes.py DEFAULT_STATUS_MAPPINGS: a migration must
not import app code that may change later.
"""

from django.db import migrations

DEFAULTS = {
    "fully_received": ("process", ""),
    "short": ("flag", "Short receipt: {summary}"),
    "excess": ("flag", "More than expected arrived: {summary}"),
    "damaged": ("flag", "Damaged or not resellable: {summary}"),
    "cancelled": ("ignore", ""),
}


def create_defaults(apps, schema_editor):  # type: ignore[no-untyped-def]
    Store = apps.get_model("integrations", "Store")
    StatusMapping = apps.get_model("returns", "StatusMapping")
    rows = []
    for store_id in Store.objects.values_list("pk", flat=True):
        present = set(StatusMapping.objects.filter(store_id=store_id).values_list("outcome", flat=True))
        rows += [
            StatusMapping(store_id=store_id, outcome=outcome, action=action, note_template=note)
            for outcome, (action, note) in DEFAULTS.items()
            if outcome not in present
        ]
    StatusMapping.objects.bulk_create(rows, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [
        ("returns", "0001_initial"),
    ]

    # Reversing leaves the rows: they are the store's settings from then on.
    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
