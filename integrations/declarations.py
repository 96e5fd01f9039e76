"""What differs by provider and is not behaviour, declared once per provider and read through the registry.

Each provider folder holds one `declaration.py` with a ProviderDeclaration; the registry
(integrations/registry.py) maps the provider's slug to it. The domain, the setup wizard and
the operations console read these values instead of writing `if provider == ...`:

    from integrations.registry import get_declaration, declarations

    loop = get_declaration("loop")
    loop.display_name                      # "Loop"
    [f.name for f in loop.credential_fields]   # ["api_key", "webhook_secret"]
    loop.webhooks.topics                   # what Backhaul subscribes to (registration creates exactly these)
    declarations(role=Connection.Role.WAREHOUSE)  # the warehouse systems, in registry order

Everything here is a frozen dataclass or an enum: safe to share, to compare in tests and to
build forms from (each CredentialField names the Connection field it fills).
"""

import base64
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    """The two sides Backhaul connects; the values are Connection.Role's."""

    RETURNS_PLATFORM = "returns_platform"
    WAREHOUSE = "warehouse"


class FieldInput(StrEnum):
    """How a form asks for a value (the widget, not the validation of the provider's format)."""

    TEXT = "text"
    URL = "url"  # checked by integrations.url_safety before it is stored
    SLUG = "slug"


@dataclass(frozen=True)
class CredentialField:
    """One value that connects a store to a provider, and the Connection field it is stored in."""

    # A Connection field: api_key, access_token, api_username, api_password, external_account_id,
    # wms_name, base_url, webhook_secret, webhook_username, webhook_password.
    name: str
    label: str
    help_text: str = ""
    # Secret: encrypted at rest, write-only in forms and the API (never rendered back).
    secret: bool = False
    required: bool = True
    input: FieldInput = FieldInput.TEXT
    # Backhaul generates the value (a webhook token or password) and shows it once; nobody types it.
    generated: bool = False
    # The environment variable whose value a connection without its own uses: the deployment's key
    # (TrackStar's organisation key, TRACKSTAR_API_KEY). It is the operator's, sent only to the provider's
    # address configured for the deployment (integrations/destinations.py), and a stored value is dropped
    # when a store member points the connection elsewhere (services/stores.py).
    deployment_env: str = ""


class WebhookSetup(StrEnum):
    """Who creates the provider's webhook subscriptions pointing at Backhaul."""

    API = "api"  # Backhaul, through the provider's API (integrations.services.registration)
    MERCHANT = "merchant"  # the merchant, in the provider's dashboard
    OPERATOR = "operator"  # Backhaul's own team, in a dashboard of an account Backhaul holds (TrackStar)
    PROVIDER_SUPPORT = "provider_support"  # the provider's support team, on request


class WebhookSecretFormat(StrEnum):
    """The shape of a webhook secret Backhaul generates (a rotation, a bearer token)."""

    TOKEN = "token"  # 43 URL-safe characters
    SVIX = "svix"  # whsec_ + base64 of 24 random bytes (Svix's format: TrackStar)


def webhook_secret_generate(secret_format: WebhookSecretFormat) -> str:
    """A new random webhook secret in the provider's format."""
    if secret_format == WebhookSecretFormat.SVIX:
        return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
    return secrets.token_urlsafe(32)


@dataclass(frozen=True)
class WebhookTopic:
    """One event subscription, spelled as the provider spells it."""

    name: str  # "return.created", "delivery:status_changed", "returnStatusChange"
    purpose: str  # what Backhaul does with it, for the merchant's instructions
    # The provider's grouping of the event where it has one (Loop's topic for a trigger: "return").
    group: str = ""


@dataclass(frozen=True)
class WebhookDeclaration:
    """How the provider's webhooks reach Backhaul and how they are authenticated."""

    # The subscriptions Backhaul needs: the same list registration creates, or asks the merchant for.
    topics: tuple[WebhookTopic, ...]
    setup: WebhookSetup
    # One sentence for the merchant: where the subscription is made and what to paste there.
    setup_hint: str
    # The Connection fields that authenticate a delivery (a signing secret, a bearer token, Basic Auth).
    auth_fields: tuple[CredentialField, ...]
    secret_format: WebhookSecretFormat = WebhookSecretFormat.TOKEN
    # The provider refuses a callback URL that is not https (Redo).
    requires_https: bool = False

    @property
    def registrable(self) -> bool:
        """Backhaul can create (and re-check) the subscriptions through the provider's API."""
        return self.setup == WebhookSetup.API


@dataclass(frozen=True)
class LocationIdentifier:
    """How a returns platform names a shipping location in its returns (Loop's destination id)."""

    label: str  # "Loop destination ID"
    help_text: str  # where the merchant finds it


@dataclass(frozen=True)
class GradeWord:
    """A warehouse's word for what it found (a condition) or did (a disposition), and what it means by default for
    the returns platform's grading: a condition category (Loop: "grade_a") and a disposition outcome (one of
    returns.models.GradeOutcome: back_to_stock, resale_hold, recycle, donate, missing; "" leaves it to the other
    word). A store changes them in its GradeMappings (returns/grading.py)."""

    word: str
    condition_category: str = ""
    disposition_outcome: str = ""


@dataclass(frozen=True)
class GradeWords:
    """Warehouses: the default meaning of the words the WMS grades units with (its conditions and dispositions)."""

    conditions: tuple[GradeWord, ...] = ()
    dispositions: tuple[GradeWord, ...] = ()


class GradingSupport(StrEnum):
    """Returns platforms: how the warehouse's grades reach the platform before a return is processed or flagged."""

    NONE = "none"  # they do not (only recorded, shown on the case page)
    API = "api"  # grade, then assess, in batches of grading_batch_size items (Loop's Dispositioning API)
    NOTE = "note"  # no grading API: the grades are written in a note on the return (Redo's comments)


@dataclass(frozen=True)
class ProviderDeclaration:
    """Everything about a provider that is data: identity, credentials, webhooks, capabilities, sandbox."""

    slug: str
    role: Role
    display_name: str
    docs_url: str
    # What the merchant (or support) enters to connect, in form order; webhook auth is in `webhooks`.
    credential_fields: tuple[CredentialField, ...]
    webhooks: WebhookDeclaration
    # The provider's production API address ("" when each merchant has a host of its own, set per connection)
    # and the environment variable that replaces it for the whole deployment (a connection's own base URL
    # replaces either). Read by integrations.destinations.deployment_base_url.
    base_url: str
    base_url_env: str
    # The sandbox fake of this provider answers under /sandbox/<slug>/<account key>/ (integrations/sandbox).
    sandbox_path: str
    # The provider's own sandbox hosts, where it runs one (ShipMonk's sandbox.shipmonk.dev): test data may go there.
    sandbox_hosts: tuple[str, ...] = ()
    # Warehouses: cancel an RMA through the API (ShipMonk: no, support cancels in its app).
    supports_cancel: bool = False
    # Warehouses: find the original outbound order (routing by the warehouse that shipped it).
    supports_order_lookup: bool = False
    # Warehouses: an RMA must carry the WMS's own order id (TrackStar), looked up when unknown.
    needs_wms_order_id: bool = False
    # Warehouses: stands in front of another WMS, named in Connection.wms_name (TrackStar).
    fronts_other_wms: bool = False
    # Returns platforms: process a return item by item (accept / reject, restock) instead of whole.
    supports_per_item_processing: bool = False
    # Returns platforms: what the platform calls its id of a shipping location, when it sends one with a return
    # (stored as a warehouses.LocationDestination, asked for in the wizard, the admin and the API).
    location_identifier: "LocationIdentifier | None" = None
    # Returns platforms: extra words after "the credential was refused" (which scopes the key needs).
    auth_error_hint: str = ""
    # Returns platforms: where a person opens one return in the platform's dashboard, with
    # {external_id} filled in (the operations console links a return's order there). Blank while
    # the provider documents no such URL: the console then shows the order without a link.
    return_admin_url: str = ""
    # Returns platforms: how the warehouse's per-item grades reach it, and at most how many items one call takes.
    grading: GradingSupport = GradingSupport.NONE
    grading_batch_size: int = 0
    # Warehouses: the default meaning of the WMS's grading words (a store's GradeMappings start from these).
    grade_words: GradeWords = GradeWords()

    @property
    def secret_fields(self) -> tuple[CredentialField, ...]:
        """The credential fields that are secrets (write-only)."""
        return tuple(f for f in self.credential_fields if f.secret)

    def credential_field(self, name: str) -> CredentialField:
        """The credential field stored in Connection.<name>; KeyError when the provider has none."""
        for candidate in self._all_fields():
            if candidate.name == name:
                return candidate
        raise KeyError(f"{self.slug} has no credential field {name!r}")

    def _all_fields(self) -> Iterator[CredentialField]:
        yield from self.credential_fields
        yield from self.webhooks.auth_fields
