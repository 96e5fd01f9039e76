import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('warehouses', '0001_initial'),
    ]

    operations = [
        migrations.CreateModel(
            name='LocationDestination',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(auto_now_add=True, db_index=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('provider', models.CharField(max_length=40)),
                ('external_id', models.CharField(max_length=100)),
                ('location', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='destinations', to='warehouses.shippinglocation')),
            ],
            options={
                'ordering': ('provider',),
                'indexes': [models.Index(fields=['provider', 'external_id'], name='destination_by_platform_id')],
                'constraints': [models.UniqueConstraint(fields=('location', 'provider'), name='one_destination_id_per_platform')],
            },
        ),
    ]
