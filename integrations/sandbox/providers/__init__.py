"""The simulated providers, one module each, behind one table (as `integrations.registry` does for the real ones)."""

from integrations.sandbox.providers import loop, redo, shipmonk, shipstream, trackstar
from integrations.sandbox.spec import SandboxProvider

SANDBOX_PROVIDERS: dict[str, SandboxProvider] = {
    module.SANDBOX.slug: module.SANDBOX for module in (loop, redo, shipmonk, shipstream, trackstar)
}


def sandbox_provider(slug: str) -> SandboxProvider:
    """The simulated provider named `slug`; an unknown one is a bug (accounts are made for known providers)."""
    try:
        return SANDBOX_PROVIDERS[slug]
    except KeyError as exc:
        raise LookupError(f"no sandbox for provider {slug!r}") from exc
