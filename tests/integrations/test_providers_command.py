"""`manage.py providers` lists each provider's address as configured, and says whether a deployment key is set
without printing it."""

import io

import pytest
from django.core.management import call_command

from integrations.registry import PROVIDER_SLUGS


def _run() -> str:
    out = io.StringIO()
    call_command("providers", stdout=out)
    return out.getvalue()


def test_every_provider_with_its_default_address(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("LOOP_BASE_URL", "TRACKSTAR_BASE_URL", "TRACKSTAR_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    text = _run()
    for slug in PROVIDER_SLUGS:
        assert f"\n{slug}  " in f"\n{text}"
    assert "https://api.loopreturns.com/api/v1  [default; LOOP_BASE_URL replaces it]" in text
    assert "(none: set on each connection)" in text  # ShipStream: one host per merchant
    assert "TRACKSTAR_API_KEY is not set" in text


def test_an_override_and_a_key_are_shown_as_set_never_the_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOOP_BASE_URL", "https://loop.staging.example/api/v1/")
    monkeypatch.setenv("TRACKSTAR_API_KEY", "org-secret-0042")
    text = _run()
    assert "https://loop.staging.example/api/v1  [from LOOP_BASE_URL" in text
    assert "TRACKSTAR_API_KEY is set" in text
    assert "org-secret-0042" not in text
