# Rotation state moves out of Connection.options (merchant-writable) into its own field.

import datetime

from django.conf import settings
from django.db import migrations, models
from django.utils import timezone
from django.utils.dateparse import parse_datetime

KEY = "previous_webhook_password_expires_at"


def options_to_field(apps, schema_editor):
    """Move the ShipMonk password window end out of options. A value further out than a rotation could
    have set (a merchant could write options) is cut back to now + the rotation window."""
    Connection = apps.get_model("integrations", "Connection")
    latest = timezone.now() + datetime.timedelta(hours=settings.WEBHOOK_SECRET_ROTATION_WINDOW_HOURS)
    for connection in Connection.objects.filter(options__has_key=KEY).iterator():
        options = dict(connection.options)
        raw = options.pop(KEY, None)
        try:
            expires = parse_datetime(str(raw)) if raw else None
        except ValueError:
            expires = None
        if expires is not None and timezone.is_naive(expires):
            expires = timezone.make_aware(expires, datetime.UTC)
        connection.previous_webhook_password_expires_at = min(expires, latest) if expires else None
        connection.options = options
        connection.save(update_fields=["previous_webhook_password_expires_at", "options"])


def field_to_options(apps, schema_editor):
    Connection = apps.get_model("integrations", "Connection")
    for connection in Connection.objects.filter(previous_webhook_password_expires_at__isnull=False).iterator():
        connection.options = {**connection.options, KEY: connection.previous_webhook_password_expires_at.isoformat()}
        connection.save(update_fields=["options"])


class Migration(migrations.Migration):

    dependencies = [
        ('integrations', '0003_inboundwebhook_published_at_is_republished_at'),
    ]

    operations = [
        migrations.AddField(
            model_name='connection',
            name='previous_webhook_password_expires_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='historicalconnection',
            name='previous_webhook_password_expires_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(options_to_field, field_to_options),
    ]
