"""Links from the overview into the admin's changelists, with filters the changelists read back exactly."""

import datetime as dt
from urllib.parse import urlencode

from django.urls import reverse


def changelist_url(name: str, **params: object) -> str:
    url = reverse(f"admin:{name}_changelist")
    return f"{url}?{urlencode(params)}" if params else url


def iso_utc(value: dt.datetime) -> str:
    # The changelist parses it back with the field's to_python; microseconds kept so the bound is exact.
    return value.astimezone(dt.UTC).isoformat()
