"""May we call this provider URL or address? (server-side request forgery guard)

A merchant or support person types some URLs (a ShipStream instance, Redo's Loop-compatible host).
We call them from inside our network with the connection's credentials, so a URL must be https and
must not lead to our own machines: no loopback, private, link-local, carrier-grade NAT, multicast,
reserved, unspecified or other non-public address. Development and test
(settings.ALLOW_PRIVATE_PROVIDER_URLS) may point at local servers and the sandbox.

Two checks share one rule (address_block_reason):
- url_check_safe, when a URL is saved: a clear message for the person typing it;
- the connect-time guard (integrations/connect_guard.py), on every outbound request: the
  address actually connected to, so a name that resolves differently later (DNS rebinding) or a
  URL that was stored before this check existed is still refused.
"""

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings

from integrations.destinations import UnsafeDestination, request_origin

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_SHARED_ADDRESS_SPACE = ipaddress.ip_network("100.64.0.0/10")  # RFC 6598, carrier-grade NAT
# CPython before 3.12.4 calls 192.0.0.0/24 (IETF protocol assignments) global: gh-113171.
_IETF_PROTOCOL_ASSIGNMENTS = ipaddress.ip_network("192.0.0.0/24")
# IPv6 forms that carry an IPv4 address a gateway would connect to: NAT64 (RFC 6052, RFC 8215),
# IPv4-compatible (deprecated, RFC 4291). 6to4 and Teredo have their own ipaddress properties.
_IPV4_CARRYING_NETWORKS = (
    ipaddress.ip_network("64:ff9b::/96"),
    ipaddress.ip_network("64:ff9b:1::/48"),
    ipaddress.ip_network("::/96"),
)


class UnsafeUrl(ValueError):
    """The URL must not be called; str(exc) is a plain-language reason for the person who typed it."""


def address_block_reason(address: IpAddress) -> str | None:
    """Why we must not connect to this address ("loopback", "private", ...), or None for a public one."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return address_block_reason(address.ipv4_mapped)
        if address.is_unspecified:
            return "unspecified"
        if address.is_loopback:
            return "loopback"
        if (
            address.sixtofour is not None
            or address.teredo is not None
            or any(address in network for network in _IPV4_CARRYING_NETWORKS)
        ):
            return "IPv6 transition (it can carry an internal IPv4 address)"
        if address.is_site_local:
            return "site-local"
    if address.is_unspecified:
        return "unspecified"
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link-local"
    if address in _SHARED_ADDRESS_SPACE:
        return "carrier-grade NAT"
    if address.is_multicast:
        return "multicast"
    if address.is_reserved:
        return "reserved"
    if address.is_private or address in _IETF_PROTOCOL_ASSIGNMENTS:
        return "private"
    if not address.is_global:
        return "non-public"
    return None


def parse_address(text: str) -> IpAddress:
    """An address from getaddrinfo or a URL host: brackets and an IPv6 zone ("fe80::1%eth0") dropped."""
    return ipaddress.ip_address(text.strip("[]").split("%", 1)[0])


def _is_literal(host: str) -> bool:
    try:
        parse_address(host)
    except ValueError:
        return False
    return True


def url_check_safe(*, url: str, allow_private: bool | None = None) -> str:
    """Raise UnsafeUrl unless `url` is https and every address its host resolves to is public; return it trimmed."""
    allow = settings.ALLOW_PRIVATE_PROVIDER_URLS if allow_private is None else allow_private
    url = url.strip()
    if "\\" in url:
        raise UnsafeUrl("Remove the backslash (\\) from the URL: HTTP libraries read it in different ways.")
    parts = urlsplit(url)
    try:
        host, port = parts.hostname, parts.port
    except ValueError as exc:  # a port that is not a number
        raise UnsafeUrl("This URL has an invalid port.") from exc
    if parts.scheme not in ("http", "https") or not host:
        raise UnsafeUrl("Enter a full URL starting with https://, such as https://yourcompany.shipstream.app.")
    if parts.username or parts.password or "@" in parts.netloc:
        raise UnsafeUrl("Remove the user name and password from the URL: enter them in their own fields.")
    try:
        # The host checked below is the one the HTTP library will connect to, read by its own parser.
        origin = request_origin(url)
    except UnsafeDestination as exc:
        raise UnsafeUrl(f"This URL cannot be used: {exc}.") from exc
    host, port = origin.host.strip("[]"), origin.port
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
        address = parse_address(str(info[4][0]))
        reason = address_block_reason(address)
        if reason:
            if _is_literal(host):
                raise UnsafeUrl(
                    f"{host} is a private or local network address ({reason}); use the public URL of the service."
                )
            raise UnsafeUrl(
                f"{host} points to a private or local network address ({address}, {reason}); "
                "use the public URL of the service."
            )
    return url
