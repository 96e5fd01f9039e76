from django.db import migrations


class Migration(migrations.Migration):
    """DRF's authtoken app is gone (API tokens are knox's hashed, expiring ApiToken rows): its table held every
    key in plain text, so it is dropped rather than left behind. Its tokens stopped working with the app."""

    dependencies = [("config", "0001_initial")]

    operations = [
        migrations.RunSQL("DROP TABLE IF EXISTS authtoken_token", reverse_sql=migrations.RunSQL.noop),
    ]
