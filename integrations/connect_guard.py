"""The connect-time SSRF guard of the HTTP base: refuse to connect to an address that is not public.

requests-hardened (Saleor) does the delicate part with public requests/urllib3 hooks: per request
it resolves the host once, rejects private and loopback answers, and pins the connection pool to
the address it checked, while TLS certificate checking, SNI and the Host header keep the name
(so a second DNS answer cannot swap the address between the check and the connect). On that
pinned address we apply our own rule as well (url_safety.address_block_reason: carrier-grade NAT,
link-local, reserved, IPv6 transition forms ...), the same rule that checks URLs when they are saved.

Only used when the deployment forbids private addresses (settings.ALLOW_PRIVATE_PROVIDER_URLS false).
"""

from typing import Any
from urllib.parse import urlsplit

import requests
from requests_hardened.ip_filter import InvalidIPAddress
from requests_hardened.ip_filter_adapter import IPFilterAdapter
from urllib3.util.retry import Retry

from integrations.url_safety import address_block_reason, parse_address


class RefusedAddress(requests.exceptions.RequestException):
    """The guard refused to connect; str(exc) names the host, the address and why."""

    def __init__(self, *, host: str, address: str, reason: str) -> None:
        self.host, self.address, self.reason = host, address, reason
        super().__init__(
            f"refused to connect to {host} at {address}: a {reason} address "
            "(this deployment only calls public addresses)"
        )


class GuardedAdapter(IPFilterAdapter):
    """An HTTPAdapter that connects only to public addresses, checked after DNS resolution."""

    def __init__(self, *, https: bool, max_retries: Retry) -> None:
        super().__init__(is_https_proto=https, allow_loopback=False)
        # IPFilterAdapter's constructor takes no retry policy; max_retries is HTTPAdapter's public attribute.
        self.max_retries = max_retries

    def build_connection_pool_key_attributes(
        self, request: requests.PreparedRequest, verify: Any, cert: Any = None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        host = urlsplit(request.url or "").hostname or ""
        try:
            host_params, pool_kwargs = super().build_connection_pool_key_attributes(request, verify, cert)
        except InvalidIPAddress as exc:
            address = parse_address(str(exc.args[0]))
            raise RefusedAddress(
                host=host, address=str(address), reason=address_block_reason(address) or "non-public"
            ) from exc
        # The pool is now keyed by the one address urllib3 will connect to: check that address.
        address = parse_address(str(host_params["host"]))
        reason = address_block_reason(address)
        if reason:
            raise RefusedAddress(host=host, address=str(address), reason=reason)
        return host_params, pool_kwargs
