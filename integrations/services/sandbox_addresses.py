"""Which URLs count as a sandbox or test address: test data (a test return, a sandbox store) may only reach these.

See returns/services/rmas/sandbox_guard.py. It reads the provider declarations (their sandbox hosts and
paths), so it lives above the registry, apart from the address rule in integrations/url_safety.py.
"""

from urllib.parse import SplitResult, urlsplit

from django.conf import settings

from integrations.registry import declarations

SANDBOX_HOST_SUFFIXES = (".local", ".localhost", ".test", ".invalid")


def is_sandbox_url(url: str) -> bool:
    """A loopback or reserved test host (RFC 6761 names: never a real provider), a sandbox host a provider's
    declaration names, or one of our own sandbox fakes: this server's origin under a provider's declared
    sandbox path. Nothing else: not "sandbox" somewhere in a host name, not a sandbox path on another host."""
    if not url:
        return False
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().rstrip(".")
    if host in ("localhost", "127.0.0.1", "::1") or host.endswith(SANDBOX_HOST_SUFFIXES):
        return True
    if any(host in d.sandbox_hosts for d in declarations()):
        return True
    own = urlsplit(settings.PUBLIC_BASE_URL)
    if (host, _port(parts)) != ((own.hostname or "").lower(), _port(own)):
        return False
    return any(parts.path.startswith(d.sandbox_path) for d in declarations())


def _port(parts: SplitResult) -> int | None:
    try:
        return parts.port or {"http": 80, "https": 443}.get(parts.scheme.lower())
    except ValueError:  # a port that is not a number
        return -1
