"""The wizard's forms are built from the provider declarations read through the registry, not from
`if provider == ...`: what a declaration says a merchant types is what the form asks for."""

import dataclasses
from pathlib import Path

import pytest

from integrations import registry
from integrations.declarations import CredentialField, WebhookSetup
from integrations.models import Store
from integrations.wizard.forms import PlatformForm, WarehouseForm
from tests.test_architecture import provider_branches

WIZARD = Path(__file__).resolve().parents[2] / "integrations" / "wizard"
pytestmark = pytest.mark.django_db


def _typed_fields(slug: str) -> set[str]:
    declaration = registry.get_declaration(slug)
    names = {
        f"{slug}_{f.name}"
        for f in declaration.credential_fields
        if f.required and not (declaration.fronts_other_wms and f.name == "wms_name")
    }
    if declaration.webhooks.setup in (WebhookSetup.API, WebhookSetup.MERCHANT):
        names |= {f"{slug}_{f.name}" for f in declaration.webhooks.auth_fields if f.required and not f.generated}
    return names


def test_each_provider_asks_what_its_declaration_says(store: Store) -> None:
    platform, warehouse = PlatformForm(store=store), WarehouseForm(store=store)
    for slug in registry.PROVIDER_SLUGS:
        form = platform if registry.get_declaration(slug).role == "returns_platform" else warehouse
        assert {name for name in form.fields if name.startswith(f"{slug}_")} == _typed_fields(slug), slug
    assert [value for value, _label in platform.fields["provider"].choices] == ["loop", "redo"]
    assert [value for value, _label in warehouse.fields["kind"].choices] == [
        "shipbob",
        "shipbob_trackstar",
        "shipmonk",
        "shipmonk_trackstar",
        "shipstream",
        "shipstream_trackstar",
        "trackstar",
    ]
    assert platform.fields["redo_external_account_id"].label == "Redo store ID"
    assert warehouse.fields["wms_name"].label == "WMS name in TrackStar"


def test_a_field_added_to_a_declaration_appears_in_the_form(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = registry.PROVIDERS["shipmonk"]
    extra = CredentialField("api_username", "Account email", "The login of your ShipMonk account.")
    declaration = dataclasses.replace(spec.declaration, credential_fields=(*spec.declaration.credential_fields, extra))
    monkeypatch.setitem(registry.PROVIDERS, "shipmonk", dataclasses.replace(spec, declaration=declaration))
    form = WarehouseForm(store=store)
    assert form.fields["shipmonk_api_username"].label == "ShipMonk account email"
    assert form.fields["shipmonk_api_username"].help_text == "The login of your ShipMonk account."
    assert (
        dict(form.fields["kind"].choices)["shipmonk"] == "ShipMonk (direct, with API key, store ID and account email)"
    )


@pytest.mark.parametrize("name", sorted(str(p.relative_to(WIZARD)) for p in WIZARD.rglob("*.py")))
def test_the_wizard_never_branches_on_a_provider(name: str) -> None:
    assert provider_branches((WIZARD / name).read_text()) == []
