"""The address a request came from, also behind reverse proxies (settings.TRUSTED_PROXY_COUNT)."""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """REMOTE_ADDR, or behind N trusted proxies the address the outermost one saw (N-th from the right of
    X-Forwarded-For: each proxy appends the address it received from, so what precedes it is unverified)."""
    remote = str(request.META.get("REMOTE_ADDR") or "")
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    hops = [hop.strip() for hop in str(request.headers.get("x-forwarded-for", "")).split(",") if hop.strip()]
    if len(hops) < count:
        return remote
    try:
        return str(ipaddress.ip_address(hops[-count]))
    except ValueError:
        return remote
