"""The sandbox's shared code never branches on a provider: that knowledge is in sandbox/providers/<slug>.py."""

import re
from pathlib import Path

import pytest

from integrations.sandbox.providers import SANDBOX_PROVIDERS

SANDBOX = Path(__file__).resolve().parents[3] / "integrations" / "sandbox"
SHARED = ("endpoint.py", "services.py", "spec.py", "urls.py", "views.py")
BRANCH = re.compile(r"Provider\.[A-Z]+|provider\s*==|match\s+\S*provider")


@pytest.mark.parametrize("name", SHARED)
def test_shared_sandbox_code_does_not_branch_on_a_provider(name: str) -> None:
    source = (SANDBOX / name).read_text()
    assert not BRANCH.findall(source), f"{name} branches on a provider: {BRANCH.findall(source)}"


def test_every_provider_has_its_own_module() -> None:
    assert set(SANDBOX_PROVIDERS) == {"loop", "redo", "shipmonk", "shipstream", "trackstar"}
    for slug, spec in SANDBOX_PROVIDERS.items():
        assert (SANDBOX / "providers" / f"{slug}.py").exists()
        assert spec.urlpatterns
