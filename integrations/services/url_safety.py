"""Is a provider URL that a merchant typed safe for us to call? (server-side request forgery guard)

A merchant types some base URLs (a ShipStream instance). We will call them from inside our
network with the merchant's credentials, so a URL must be https and must not lead to our own
machines: no loopback, private, link-local, reserved or other non-global address. Development
and test (settings.ALLOW_PRIVATE_PROVIDER_URLS) may point at local servers and the sandbox.

The check resolves the host once; DNS could change between this check and the call (rebinding).
It guards what the merchant types, not a hostile resolver.
"""

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings


class UnsafeUrl(ValueError):
    """The URL must not be called; str(exc) is a plain-language reason for the merchant."""


def _blocked(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return (
        address.is_loopback
        or address.is_private
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or not address.is_global
    )


def url_check_safe(*, url: str, allow_private: bool | None = None) -> str:
    """Raise UnsafeUrl unless `url` is https and every address its host resolves to is public; return it trimmed."""
    allow = settings.ALLOW_PRIVATE_PROVIDER_URLS if allow_private is None else allow_private
    url = url.strip()
    parts = urlsplit(url)
    try:
        host, port = parts.hostname, parts.port
    except ValueError as exc:  # a port that is not a number
        raise UnsafeUrl("This URL has an invalid port.") from exc
    if parts.scheme not in ("http", "https") or not host:
        raise UnsafeUrl("Enter a full URL, such as https://yourcompany.shipstream.app.")
    if parts.username or parts.password:
        raise UnsafeUrl("Remove the user name and password from the URL: enter them in their own fields.")
    if allow:
        return url
    if parts.scheme != "https":
        raise UnsafeUrl("Use an https:// URL: we only send your credentials over an encrypted connection.")
    try:
        infos = socket.getaddrinfo(host, port or 443, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        raise UnsafeUrl(f"We could not find the server {host}. Check the spelling.") from exc
    if not infos:
        raise UnsafeUrl(f"We could not find the server {host}. Check the spelling.")
    for info in infos:
        # IPv6 scoped addresses come back as "fe80::1%eth0".
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if _blocked(address):
            raise UnsafeUrl(f"{host} points to a private or local network address; use the public URL of the service.")
    return url
