from django.db import migrations

# The ids the two platforms had their own columns for move into LocationDestination rows (and back).
COLUMNS = {"loop": "loop_destination_id", "redo": "redo_location_id"}


def copy_destination_ids(apps, schema_editor):
    ShippingLocation = apps.get_model("warehouses", "ShippingLocation")
    LocationDestination = apps.get_model("warehouses", "LocationDestination")
    rows = []
    for location in ShippingLocation.objects.all().iterator():
        for provider, column in COLUMNS.items():
            if getattr(location, column):
                rows.append(LocationDestination(location=location, provider=provider, external_id=getattr(location, column)))
    LocationDestination.objects.bulk_create(rows, batch_size=500)


def copy_back(apps, schema_editor):
    ShippingLocation = apps.get_model("warehouses", "ShippingLocation")
    LocationDestination = apps.get_model("warehouses", "LocationDestination")
    for destination in LocationDestination.objects.filter(provider__in=COLUMNS):
        ShippingLocation.objects.filter(pk=destination.location_id).update(
            **{COLUMNS[destination.provider]: destination.external_id}
        )


class Migration(migrations.Migration):
    # Data only: on PostgreSQL, rows written in the same transaction as a schema change leave trigger events
    # pending that the schema change then refuses.

    dependencies = [
        ('warehouses', '0002_location_destinations'),
    ]

    operations = [
        migrations.RunPython(copy_destination_ids, copy_back, elidable=False),
    ]
