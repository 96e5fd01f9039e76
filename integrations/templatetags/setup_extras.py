"""Small template helpers for the merchant's pages."""

import datetime as dt
from typing import Any

from django import template
from django.utils import timezone
from django.utils.timesince import timesince

from integrations.models import Connection
from integrations.registry import get_declaration
from integrations.wizard.explain import provider_name

register = template.Library()


@register.filter
def ago(value: dt.datetime | None) -> str:
    """ "just now" under a minute, else "3 minutes ago" ("" for no time)."""
    if not value:
        return ""
    if timezone.now() - value < dt.timedelta(minutes=1):
        return "just now"
    return f"{timesince(value)} ago"


@register.filter
def connection_name(connection: Connection | None) -> str:
    """ "ShipMonk", or "ShipMonk through TrackStar" for a WMS behind a front (from the declaration)."""
    if connection is None:
        return ""
    return provider_name(connection)


@register.filter
def front_name(connection: Connection | None) -> str:
    """The front a WMS is reached through ("TrackStar"), or ""."""
    if connection is None:
        return ""
    declaration = get_declaration(connection.provider)
    return declaration.display_name if declaration.fronts_other_wms else ""


@register.filter
def routing_sentence(rma: Any) -> str:
    """Why the RMA went to its warehouse, in the merchant's words (returns/routing_words.py)."""
    from returns.routing_words import routing_sentence as sentence

    if not rma.routing_reason and not rma.routing:
        return ""
    platform = get_declaration(rma.return_obj.platform).display_name
    return sentence(reason=rma.routing_reason, routing=rma.routing, platform=platform)


@register.simple_tag(takes_context=True)
def user_can(context: Any, action: str, store: Any = None) -> bool:
    """{% user_can "store.go_live" store as can_setup %}: integrations.access's answer for the page's user, so a
    page offers only what the person may do (the views still refuse the rest with a 403)."""
    from integrations.access import can

    request = context.get("request")
    return bool(request is not None and can(request.user, action, store))
