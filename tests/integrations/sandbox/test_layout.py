"""The sandbox's shared code never branches on a provider: each fake is `integrations/providers/<slug>/sandbox.py`."""

import re
from pathlib import Path

import pytest

from integrations.registry import PROVIDER_SLUGS
from integrations.sandbox.catalog import sandbox_providers

ROOT = Path(__file__).resolve().parents[3]
SANDBOX = ROOT / "integrations" / "sandbox"
SHARED = ("catalog.py", "endpoint.py", "services.py", "spec.py", "urls.py", "views.py", "validation.py")
BRANCH = re.compile(r"Provider\.[A-Z]+|provider\s*==|match\s+\S*provider|\b(" + "|".join(PROVIDER_SLUGS) + r")\b")


@pytest.mark.parametrize("name", SHARED)
def test_shared_sandbox_code_does_not_branch_on_a_provider(name: str) -> None:
    source = (SANDBOX / name).read_text()
    assert not BRANCH.findall(source), f"{name} names a provider: {BRANCH.findall(source)}"


def test_every_provider_has_its_fake_in_its_own_folder() -> None:
    assert list(sandbox_providers()) == list(PROVIDER_SLUGS)
    for slug, spec in sandbox_providers().items():
        assert (ROOT / "integrations" / "providers" / slug / "sandbox.py").exists()
        assert spec.urlpatterns
