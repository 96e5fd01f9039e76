"""Every registered provider declares itself completely, and its declaration agrees with its code.

The setup wizard and the admin build their forms from these declarations and the domain
decides from them, so a declaration that claims what the client cannot do (or names a field
that does not exist) is a bug these tests catch.
"""

import dataclasses
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.urls import Resolver404, resolve

from config.fields import EncryptedTextField
from integrations.base import ReturnsPlatformClient, WarehouseClient
from integrations.declarations import (
    CredentialField,
    ProviderDeclaration,
    Role,
    WebhookSecretFormat,
    WebhookSetup,
    webhook_secret_generate,
)
from integrations.exceptions import UnsupportedCapability
from integrations.models import Connection
from integrations.registry import (
    PROVIDER_SLUGS,
    PROVIDERS,
    UnknownProvider,
    declarations,
    get_client,
    get_declaration,
    get_returns_platform_client,
    get_warehouse_client,
)
from integrations.webhook_signatures import b64decode_or_none
from tests.factories import ConnectionFactory

SLUGS = list(PROVIDERS)


ROOT = Path(__file__).resolve().parents[2]


def _client_class(slug: str) -> type:
    """The class the factory builds for a plain connection of this provider (no database needed)."""
    connection = Connection(provider=slug, role=get_declaration(slug).role, base_url="https://example.test")
    return type(get_client(connection=connection))


def _overrides(cls: type, base: type, method: str) -> bool:
    return getattr(cls, method) is not getattr(base, method)


def test_every_named_provider_folder_is_registered() -> None:
    assert list(PROVIDERS) == list(PROVIDER_SLUGS)
    folders = ROOT / "integrations" / "providers"
    assert {p.name for p in folders.iterdir() if (p / "__init__.py").exists()} == set(PROVIDER_SLUGS)


@pytest.mark.parametrize("slug", SLUGS)
def test_the_declaration_names_its_own_provider_and_role(slug: str) -> None:
    declaration = get_declaration(slug)
    assert isinstance(declaration, ProviderDeclaration)
    assert declaration.slug == slug
    assert declaration.display_name
    assert declaration.docs_url.startswith("https://")
    assert declaration.role in Connection.Role.values
    # A connection of this provider in the other role is refused by the model's validation.
    other = next(role for role in Connection.Role.values if role != declaration.role)
    with pytest.raises(ValidationError, match="role"):
        Connection(provider=slug, role=other).clean()


def test_an_unknown_provider_is_refused_by_validation() -> None:
    with pytest.raises(ValidationError, match="Unknown provider 'acme'"):
        Connection(provider="acme", role=Role.WAREHOUSE).clean()


def test_declarations_are_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        get_declaration("loop").display_name = "Other"  # type: ignore[misc]


@pytest.mark.parametrize("slug", SLUGS)
def test_credential_fields_are_connection_fields_and_secret_exactly_when_encrypted(slug: str) -> None:
    declaration = get_declaration(slug)
    fields: list[CredentialField] = [*declaration.credential_fields, *declaration.webhooks.auth_fields]
    assert fields, "a provider needs at least one credential"
    assert len({f.name for f in fields}) == len(fields)
    for credential in fields:
        model_field = Connection._meta.get_field(credential.name)
        assert credential.secret == isinstance(model_field, EncryptedTextField), credential.name
        assert credential.label, credential.name
        assert credential.help_text, credential.name
        assert declaration.credential_field(credential.name) == credential
    with pytest.raises(KeyError):
        declaration.credential_field("no_such_field")


@pytest.mark.parametrize("slug", SLUGS)
def test_the_client_matches_the_role(slug: str) -> None:
    expected = ReturnsPlatformClient if get_declaration(slug).role == Role.RETURNS_PLATFORM else WarehouseClient
    assert issubclass(_client_class(slug), expected)


@pytest.mark.parametrize("slug", [s for s in SLUGS if get_declaration(s).role == Role.WAREHOUSE])
def test_warehouse_capabilities_are_what_the_client_implements(slug: str) -> None:
    declaration, cls = get_declaration(slug), _client_class(slug)
    assert declaration.supports_cancel == _overrides(cls, WarehouseClient, "rma_cancel")
    assert declaration.supports_order_lookup == _overrides(cls, WarehouseClient, "order_find")
    assert _overrides(cls, WarehouseClient, "returns_changed_since")
    assert _overrides(cls, WarehouseClient, "warehouses_list")
    assert declaration.location_identifier is None
    assert not declaration.supports_per_item_processing


@pytest.mark.parametrize("slug", [s for s in SLUGS if get_declaration(s).role == Role.RETURNS_PLATFORM])
def test_platform_capabilities_are_what_the_client_implements(slug: str) -> None:
    declaration, cls = get_declaration(slug), _client_class(slug)
    assert declaration.supports_per_item_processing == _overrides(cls, ReturnsPlatformClient, "return_items_process")
    assert declaration.webhooks.registrable == _overrides(cls, ReturnsPlatformClient, "webhooks_register")
    assert _overrides(cls, ReturnsPlatformClient, "returns_changed_since")
    # Routing maps the platform's destination ids to shipping locations, labelled as the platform names them.
    assert declaration.location_identifier is not None
    assert declaration.location_identifier.label
    assert not (declaration.supports_cancel)
    assert not (declaration.needs_wms_order_id)
    assert not (declaration.fronts_other_wms)


@pytest.mark.parametrize("slug", SLUGS)
def test_webhooks_are_declared_with_their_topics_and_setup(slug: str) -> None:
    webhooks = get_declaration(slug).webhooks
    assert webhooks.topics
    assert all(topic.name and topic.purpose for topic in webhooks.topics)
    assert len({(t.group, t.name) for t in webhooks.topics}) == len(webhooks.topics)
    assert webhooks.setup_hint
    assert webhooks.auth_fields
    # Only a client that can register them claims the API does it.
    if webhooks.setup == WebhookSetup.API:
        assert get_declaration(slug).role == Role.RETURNS_PLATFORM


@pytest.mark.parametrize("slug", SLUGS)
def test_the_sandbox_path_is_where_the_sandbox_answers(slug: str) -> None:
    path = get_declaration(slug).sandbox_path
    assert path == f"/sandbox/{slug}/"
    try:
        resolve(f"{path}some-key/_control/receive")
    except Resolver404:
        pytest.fail(f"{path} is not served by the sandbox")


def test_declarations_by_role_keep_registry_order() -> None:
    assert [d.slug for d in declarations(role=Connection.Role.RETURNS_PLATFORM)] == ["loop", "redo"]
    assert [d.slug for d in declarations(role="warehouse")] == ["shipbob", "shipmonk", "shipstream", "trackstar"]
    assert len(declarations()) == len(PROVIDERS)


def test_an_unknown_provider_is_an_error() -> None:
    with pytest.raises(UnknownProvider):
        get_declaration("acme")


def test_webhook_secret_formats() -> None:
    svix = webhook_secret_generate(WebhookSecretFormat.SVIX)
    assert svix.startswith("whsec_")
    assert len(b64decode_or_none(svix.removeprefix("whsec_")) or b"") == 24
    token = webhook_secret_generate(WebhookSecretFormat.TOKEN)
    assert len(token) >= 40
    assert not token.startswith("whsec_")
    assert get_declaration("trackstar").webhooks.secret_format == WebhookSecretFormat.SVIX


@pytest.mark.django_db
def test_typed_client_accessors_refuse_the_other_role() -> None:
    warehouse = ConnectionFactory(provider="shipmonk")
    platform = ConnectionFactory(provider="loop")
    assert isinstance(get_warehouse_client(connection=warehouse), WarehouseClient)
    assert isinstance(get_returns_platform_client(connection=platform), ReturnsPlatformClient)
    with pytest.raises(UnsupportedCapability):
        get_warehouse_client(connection=platform)
    with pytest.raises(UnsupportedCapability):
        get_returns_platform_client(connection=warehouse)


@pytest.mark.django_db
def test_redo_picks_its_api_from_the_connection_options() -> None:
    native = ConnectionFactory(provider="redo")
    compatible = ConnectionFactory(
        provider="redo", options={"loop_compatible": True, "loop_compatible_base_url": "https://compat.test/v1"}
    )
    assert get_returns_platform_client(connection=native).mode_label == ""
    client = get_returns_platform_client(connection=compatible)
    assert client.mode_label == "Loop-compatible API"
    assert client.actions_base_url == "https://compat.test/v1"
