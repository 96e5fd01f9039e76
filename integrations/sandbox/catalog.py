"""The simulated providers: each provider folder's `sandbox.py` (integrations/providers/<slug>/sandbox.py)
declares its fake as `SANDBOX`, a SandboxProvider; the shared sandbox code finds them here, by the
registry's slugs, and never names a provider."""

import functools
from importlib import import_module
from importlib.util import find_spec

from integrations.registry import PROVIDER_SLUGS
from integrations.sandbox.spec import SandboxProvider


@functools.cache
def sandbox_providers() -> dict[str, SandboxProvider]:
    """slug → its simulated provider, in registry order (a provider folder without a sandbox.py has none)."""
    found: dict[str, SandboxProvider] = {}
    for slug in PROVIDER_SLUGS:
        name = f"integrations.providers.{slug}.sandbox"
        if find_spec(name) is None:
            continue
        spec = import_module(name).SANDBOX
        if not isinstance(spec, SandboxProvider) or spec.slug != slug:
            raise ImportError(f"{name} must define SANDBOX, a SandboxProvider for {slug!r}")
        found[slug] = spec
    return found


def sandbox_provider(slug: str) -> SandboxProvider:
    """The simulated provider named `slug`; an unknown one is a bug (accounts are made for known providers)."""
    try:
        return sandbox_providers()[slug]
    except KeyError as exc:
        raise LookupError(f"no sandbox for provider {slug!r}") from exc
