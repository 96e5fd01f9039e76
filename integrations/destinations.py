"""Where a provider request really goes, and which credentials may go there.

Two rules (reliability.md rule 15):
- **One parser decides.** The origin of a URL is read the way requests and urllib3 will send it
  (`https://evil.example\\@api.loopreturns.com/` goes to evil.example, whatever `urlsplit` says), and
  a URL with a backslash or a user name in its authority is refused outright: there is no honest
  use for either in a provider URL.
- **A credential goes only where its owner sent it.** A deployment's own key (TrackStar's
  organisation key, `CredentialField.deployment_env`) is sent only to the provider's address
  configured for the deployment (`deployment_base_url`); a connection pointed anywhere else must
  carry its own key, or its calls are refused with a sentence saying so.

Values put into a URL path go through `path_segment`, so an id or a name can never climb to another
endpoint with the credentials (`../`, `/`, `?`, `#`).
"""

import os
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import requests
from urllib3.util import parse_url

from integrations.declarations import CredentialField
from integrations.exceptions import ProviderConfigurationError
from integrations.models import provider_declaration

DEFAULT_PORTS = {"http": 80, "https": 443}


class UnsafeDestination(ValueError):
    """A URL we will not send a request to; str(exc) says why in one line."""


@dataclass(frozen=True)
class Origin:
    """Scheme, host and port as the HTTP library will connect to them."""

    scheme: str
    host: str
    port: int

    def __str__(self) -> str:
        default = DEFAULT_PORTS.get(self.scheme)
        return f"{self.scheme}://{self.host}" + ("" if self.port == default else f":{self.port}")


def request_origin(url: str) -> Origin:
    """The origin requests will connect to for `url`; UnsafeDestination for a URL it must not be sent to."""
    if "\\" in url:
        raise UnsafeDestination("the URL contains a backslash, which HTTP libraries read in different ways")
    try:
        prepared = requests.Request("GET", url).prepare().url or ""
        parts = parse_url(prepared)
    except (requests.exceptions.RequestException, ValueError) as exc:
        raise UnsafeDestination(f"the URL cannot be read ({type(exc).__name__})") from exc
    if parts.auth:
        raise UnsafeDestination("the URL carries a user name or password before its host")
    scheme = (parts.scheme or "").lower()
    host = (parts.host or "").lower().rstrip(".")
    if scheme not in DEFAULT_PORTS or not host:
        raise UnsafeDestination("the URL is not an http(s) address with a host")
    return Origin(scheme, host, parts.port or DEFAULT_PORTS[scheme])


def path_segment(value: Any) -> str:
    """`value` as one URL path segment: every reserved character percent-encoded.

    "." and ".." are refused, since HTTP libraries and servers resolve them as steps up the path."""
    text = str(value)
    if text in ("", ".", ".."):
        raise ProviderConfigurationError(f"{text!r} cannot be sent as an identifier in a URL path")
    return quote(text, safe="")


def deployment_base_url(provider: str) -> str:
    """The provider's address configured for this deployment: its declaration's `base_url_env` variable when
    set, else the production URL its declaration names ("" for an unknown provider)."""
    declaration = provider_declaration(provider)
    if declaration is None:
        return ""
    return (os.environ.get(declaration.base_url_env, "").strip() or declaration.base_url).rstrip("/")


def connection_base_url(connection: Any) -> str:
    """The connection's own base URL (sandbox, test server) or the provider's deployment URL."""
    return (connection.base_url or deployment_base_url(connection.provider)).rstrip("/")


def goes_to_deployment_address(connection: Any) -> bool:
    """The connection's requests go to the provider's address configured for the deployment."""
    deployment = deployment_base_url(connection.provider)
    if not deployment:
        return False
    try:
        return request_origin(connection_base_url(connection)) == request_origin(deployment)
    except UnsafeDestination:
        return False


def connection_credential(connection: Any, field: CredentialField) -> str:
    """The value of credential `field` (a CredentialField) for `connection`'s requests: the connection's
    own value, else the deployment's where `credential_withheld` has no objection, else ""."""
    own = str(getattr(connection, field.name, "") or "")
    if own or not field.deployment_env or credential_withheld(connection, field):
        return own
    return _deployment_value(field)


def credential_withheld(connection: Any, field: CredentialField) -> str:
    """Why the deployment's value of `field` is kept from this connection's requests ("" when it is not).

    A field the deployment fills when a connection has none (`field.deployment_env`: TrackStar's
    organisation key) is the operator's: sent only to the provider's address configured for the deployment.
    Anywhere else it would hand the operator's key to whoever runs that host, so the client refuses
    every request with this sentence, which says what to do instead."""
    if not field.deployment_env or getattr(connection, field.name, None) or not _deployment_value(field):
        return ""
    if goes_to_deployment_address(connection):
        return ""
    label = field.label[0].lower() + field.label[1:]
    return (
        f"This connection sends its requests to {_shown_origin(connection_base_url(connection))}, not to "
        f"{_shown_origin(deployment_base_url(connection.provider))}, so Backhaul's own {label} is not sent "
        f"there: enter the connection's own {label}, or clear its base URL."
    )


def _deployment_value(field: CredentialField) -> str:
    return os.environ.get(field.deployment_env, "").strip()


def _shown_origin(url: str) -> str:
    try:
        return str(request_origin(url))
    except UnsafeDestination:
        return "an address that cannot be read"
