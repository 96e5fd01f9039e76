"""What the wizard asks each provider's merchant for, read from the provider declarations.

The forms, the warehouse-system choices and the "which field to change" of a failed check are
built from `integrations.registry` (each provider's `declaration.py`), never from
`if provider == ...`: a new provider with a declaration appears in the wizard by itself.
"""

from dataclasses import dataclass

from integrations.declarations import CredentialField, FieldInput, ProviderDeclaration, Role, WebhookSetup
from integrations.registry import declarations, get_declaration

# Which kind of failure a field is to blame for: the provider refused the credentials (401/403),
# refused the request for another reason (404, 422: an account or store ID), or could not be reached.
AUTH = "auth"
REFUSED = "refused"
UNREACHABLE = "unreachable"


@dataclass(frozen=True)
class WizardField:
    """A declared credential field as the wizard shows it ("Loop API key") and what a failure blames it for."""

    name: str  # the Connection field it is saved in
    label: str
    help_text: str
    secret: bool
    url: bool
    blamed_for: frozenset[str]


def _label(declaration: ProviderDeclaration, field: CredentialField) -> str:
    """The provider's name first, since the form holds several providers' fields: "Redo store ID"."""
    words = field.label if field.label.startswith("API") else field.label[0].lower() + field.label[1:]
    return f"{declaration.display_name} {words}"


def _blamed_for(declaration: ProviderDeclaration, field: CredentialField) -> frozenset[str]:
    if field in declaration.webhooks.auth_fields:
        return frozenset()  # it verifies what the provider sends us; Backhaul's own calls never use it
    if field.input == FieldInput.URL:
        return frozenset({UNREACHABLE, REFUSED})
    if field.secret or field.name.endswith("username"):
        return frozenset({AUTH})
    return frozenset({REFUSED})


def _asked(declaration: ProviderDeclaration) -> list[CredentialField]:
    """What the merchant types: the required credentials (the WMS name of a front like TrackStar comes from the
    warehouse-system choice) and, where the merchant sets the provider's webhooks up, the secrets it shows them."""
    fields = [
        f
        for f in declaration.credential_fields
        if f.required and not (declaration.fronts_other_wms and f.name == "wms_name")
    ]
    if declaration.webhooks.setup in (WebhookSetup.API, WebhookSetup.MERCHANT):
        fields += [f for f in declaration.webhooks.auth_fields if f.required and not f.generated]
    return fields


def credential_fields(provider: str) -> tuple[WizardField, ...]:
    """The fields the wizard asks for to connect `provider`, in the declaration's order."""
    declaration = get_declaration(provider)
    return tuple(
        WizardField(
            name=f.name,
            label=_label(declaration, f),
            help_text=f.help_text,
            secret=f.secret,
            url=f.input == FieldInput.URL,
            blamed_for=_blamed_for(declaration, f),
        )
        for f in _asked(declaration)
    )


def generates_webhook_token(provider: str) -> bool:
    """The provider's webhooks carry a secret Backhaul makes up (Redo's bearer token, ShipStream's signing key),
    shown once. An optional generated key (ShipMonk's signing key, which its support sets up) is support's to
    make in the admin: once set, unsigned deliveries are refused, so the wizard never makes one by itself."""
    fields = get_declaration(provider).webhooks.auth_fields
    return any(f.generated and f.required and f.name == "webhook_secret" for f in fields)


def check_action(provider: str) -> str:
    """What the live check of a connection does, in the merchant's words ("asked Loop for your returns")."""
    declaration = get_declaration(provider)
    if declaration.role == Role.RETURNS_PLATFORM:
        return f"asked {declaration.display_name} for your returns"
    return f"asked {declaration.display_name} for your list of warehouses"


def provider_choices(role: str) -> list[tuple[str, str]]:
    """(slug, name) of the providers of one role, in registry order."""
    return [(d.slug, d.display_name) for d in declarations(role=role)]


def warehouse_kinds() -> dict[str, tuple[str, str, str]]:
    """Each way to connect a WMS: kind -> (provider, WMS name behind a front ("" = typed), label).

    A WMS connected directly is its own kind ("shipmonk"); through a front such as TrackStar it is
    "<wms>_<front>" with the WMS name fixed, and the front alone is "another WMS" whose name is typed.
    """
    warehouses = declarations(role=Role.WAREHOUSE)
    direct = [d for d in warehouses if not d.fronts_other_wms]
    fronts = [d for d in warehouses if d.fronts_other_wms]
    kinds: dict[str, tuple[str, str, str]] = {}
    for wms in direct:
        asked = [_label(wms, f).removeprefix(f"{wms.display_name} ") for f in _asked(wms)]
        with_what = asked[0] if len(asked) == 1 else ", ".join(asked[:-1]) + " and " + asked[-1]
        kinds[wms.slug] = (wms.slug, "", f"{wms.display_name} (direct, with {with_what})")
        for front in fronts:
            kinds[f"{wms.slug}_{front.slug}"] = (
                front.slug,
                wms.slug,
                f"{wms.display_name} through {front.display_name}",
            )
    for front in fronts:
        kinds[front.slug] = (front.slug, "", f"Another WMS through {front.display_name}")
    return kinds


def form_field_name(provider: str, name: str) -> str:
    """The wizard form's name for a provider's credential field ("shipmonk_api_key")."""
    return f"{provider}_{name}"
