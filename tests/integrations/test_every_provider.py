"""What every registered provider gets from its folder alone: the API takes it, the wizard offers it with its own
fields, and its sandbox fake answers. Parametrized over the registry, so a provider added later is checked with no
edit here (tests/integrations/test_provider_folder.py adds one by copying a folder and runs these against it)."""

import html
import re
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from integrations.declarations import Role
from integrations.models import Connection, Store, StoreMembership
from integrations.registry import PROVIDER_SLUGS, get_declaration
from integrations.sandbox.catalog import sandbox_providers
from integrations.wizard.credentials import credential_fields, form_field_name, warehouse_kinds

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(django_user_model: Any) -> tuple[Client, Store]:
    store = Store.objects.create(name="Every Tees", slug="every-tees")
    user = django_user_model.objects.create_user(username="olga", password="x")
    StoreMembership.objects.create(store=store, user=user, role=StoreMembership.Role.OWNER)
    client = Client()
    client.force_login(user)
    return client, store


@pytest.mark.parametrize("slug", PROVIDER_SLUGS)
def test_the_api_creates_a_connection_of_the_provider(slug: str) -> None:
    staff = APIClient()
    staff.force_authenticate(get_user_model().objects.create_superuser("support", password="x"))
    store = Store.objects.create(name="API Tees", slug="api-tees")
    response = staff.post("/api/v1/connections/", {"store": store.pk, "provider": slug}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["provider"], body["role"]) == (slug, get_declaration(slug).role)
    assert body["webhook_url"].endswith(f"/webhooks/{slug}/{Connection.objects.get(pk=body['id']).endpoint_token}/")


@pytest.mark.parametrize("slug", PROVIDER_SLUGS)
def test_the_wizard_offers_the_provider_with_its_own_fields(slug: str, owner: tuple[Client, Store]) -> None:
    client, store = owner
    declaration = get_declaration(slug)
    step = "platform" if declaration.role == Role.RETURNS_PLATFORM else "warehouse"
    page = html.unescape(client.get(reverse(f"setup:{step}", kwargs={"slug": store.slug})).content.decode())
    if declaration.role == Role.RETURNS_PLATFORM:
        assert f'value="{slug}"' in page
        assert declaration.display_name in page
    else:
        labels = [label for (provider, _wms, label) in warehouse_kinds().values() if provider == slug]
        assert labels
        assert all(label in page for label in labels)
    assert f'data-provider="{slug}"' in page
    for field in credential_fields(slug):
        assert f'name="{form_field_name(slug, field.name)}"' in page, field.name


@pytest.mark.parametrize("slug", PROVIDER_SLUGS)
def test_the_sandbox_fake_of_the_provider_answers(slug: str, client: Client, settings: Any) -> None:
    """Its routes are mounted under its declared path, and an unknown account gets the provider's own refusal."""
    settings.SANDBOX_ENABLED = True
    assert slug in sandbox_providers()
    spec = sandbox_providers()[slug]
    route = re.sub(r"<[^>]+>", "1", str(spec.urlpatterns[0].pattern))  # its first path, any ids filled in
    response = client.get(f"{get_declaration(slug).sandbox_path}no-such-account/{route}")
    assert response.status_code in (401, 404, 405), response.content
    assert response["Content-Type"].startswith(("application/json", "application/problem+json"))
