from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('warehouses', '0003_copy_location_destination_ids'),
    ]

    operations = [
        migrations.RemoveField(
            model_name='shippinglocation',
            name='loop_destination_id',
        ),
        migrations.RemoveField(
            model_name='shippinglocation',
            name='redo_location_id',
        ),
    ]
