"""Small template helpers for the merchant's pages."""

import datetime as dt

from django import template
from django.utils import timezone
from django.utils.timesince import timesince

register = template.Library()


@register.filter
def ago(value: dt.datetime | None) -> str:
    """ "just now" under a minute, else "3 minutes ago" ("" for no time)."""
    if not value:
        return ""
    if timezone.now() - value < dt.timedelta(minutes=1):
        return "just now"
    return f"{timesince(value)} ago"
