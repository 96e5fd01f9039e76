"""What the wizard asks each provider's merchant for, and which field a failed check points at.

The forms are built from this table, never from `if provider == ...`.
"""

from dataclasses import dataclass

from integrations.models import Provider

# Which kind of failure a field is to blame for: the provider refused the credentials (401/403),
# refused the request for another reason (404, 422: an account or store ID), or could not be reached.
AUTH = "auth"
REFUSED = "refused"
UNREACHABLE = "unreachable"


@dataclass(frozen=True)
class CredentialField:
    name: str  # the Connection field it is saved in
    label: str
    help_text: str = ""
    secret: bool = False
    url: bool = False
    blamed_for: frozenset[str] = frozenset()


CREDENTIAL_FIELDS: dict[str, tuple[CredentialField, ...]] = {
    Provider.LOOP: (
        CredentialField(
            "api_key",
            "Loop API key",
            "Loop admin → Developer Tools → API keys, with the Order and Return scopes.",
            secret=True,
            blamed_for=frozenset({AUTH}),
        ),
        CredentialField(
            "webhook_secret",
            "Loop webhook secret",
            "Loop admin → Developer Tools → Webhooks: the secret Loop signs each webhook with.",
            secret=True,
        ),
    ),
    Provider.REDO: (
        CredentialField(
            "api_key",
            "Redo API secret",
            "Redo → Settings → Developer → API clients, with the returns scopes.",
            secret=True,
            blamed_for=frozenset({AUTH}),
        ),
        CredentialField(
            "external_account_id",
            "Redo store ID",
            "Redo → Settings → Developer.",
            blamed_for=frozenset({REFUSED}),
        ),
    ),
    Provider.SHIPMONK: (
        CredentialField(
            "api_key",
            "ShipMonk API key",
            "ShipMonk app → Settings → API.",
            secret=True,
            blamed_for=frozenset({AUTH}),
        ),
        CredentialField(
            "external_account_id",
            "ShipMonk store ID",
            "The number of your store in ShipMonk (Settings → Stores).",
            blamed_for=frozenset({REFUSED}),
        ),
    ),
    Provider.SHIPSTREAM: (
        CredentialField(
            "api_username",
            "ShipStream API username",
            "System → API users in your ShipStream instance.",
            blamed_for=frozenset({AUTH}),
        ),
        CredentialField(
            "api_password",
            "ShipStream API password",
            "The API key of that API user.",
            secret=True,
            blamed_for=frozenset({AUTH}),
        ),
        CredentialField(
            "base_url",
            "ShipStream API URL",
            "Your instance, for example https://yourcompany.shipstream.app",
            url=True,
            blamed_for=frozenset({UNREACHABLE, REFUSED}),
        ),
    ),
    Provider.TRACKSTAR: (
        CredentialField(
            "access_token",
            "TrackStar access token",
            "From the TrackStar connection of your warehouse.",
            secret=True,
            blamed_for=frozenset({AUTH}),
        ),
    ),
}

# What the check does, in the merchant's words ("Backhaul <listed your returns in Loop>").
CHECK_ACTION: dict[str, str] = {
    Provider.LOOP: "asked Loop for your returns of the last day",
    Provider.REDO: "asked Redo for your store's returns",
    Provider.SHIPMONK: "asked ShipMonk for your list of warehouses",
    Provider.SHIPSTREAM: "asked ShipStream for your list of warehouses",
    Provider.TRACKSTAR: "asked TrackStar for your warehouses",
}


def credential_fields(provider: str) -> tuple[CredentialField, ...]:
    return CREDENTIAL_FIELDS.get(provider, ())


def form_field_name(provider: str, name: str) -> str:
    """The wizard form's name for a provider's credential field ("shipmonk_api_key")."""
    return f"{provider}_{name}"
