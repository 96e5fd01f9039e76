"""API serializers for stores, connections and inbound webhooks. Secrets are write-only."""

from rest_framework import serializers

from config.api import reject_nul_characters
from config.logging import redact
from integrations.display import body_for_display
from integrations.models import Connection, InboundWebhook, Store
from integrations.permissions import UserStoreField
from integrations.registry import provider_choices
from integrations.services.registration import webhook_url
from integrations.services.stores import CONNECTION_SECRET_FIELDS


class StoreInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    slug = serializers.SlugField(max_length=80, required=False)
    processing_mode = serializers.ChoiceField(choices=Store.ProcessingMode.choices, required=False)
    rma_trigger = serializers.ChoiceField(choices=Store.RmaTrigger.choices, required=False)
    default_instructions = serializers.CharField(required=False, allow_blank=True)
    is_active = serializers.BooleanField(required=False)
    is_sandbox = serializers.BooleanField(required=False)
    aging_arrival_days = serializers.IntegerField(
        min_value=1,
        max_value=365,
        required=False,
        help_text="A return is overdue this many days after its label with no warehouse receipt (N).",
    )
    aging_close_days = serializers.IntegerField(
        min_value=1,
        max_value=365,
        required=False,
        help_text="A return is overdue this many days after the warehouse received it, when still open (M).",
    )


class GoLiveOutputSerializer(serializers.Serializer):
    activated = serializers.ListField(
        child=serializers.IntegerField(), help_text="The connections this call made active (none: already live)."
    )
    message = serializers.CharField()


class StoreOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    slug = serializers.CharField()
    processing_mode = serializers.ChoiceField(choices=Store.ProcessingMode.choices)
    rma_trigger = serializers.ChoiceField(choices=Store.RmaTrigger.choices)
    default_instructions = serializers.CharField()
    is_active = serializers.BooleanField()
    is_sandbox = serializers.BooleanField()
    aging_arrival_days = serializers.IntegerField()
    aging_close_days = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class ConnectionSecretsSerializer(serializers.Serializer):
    """Write-only credentials: a field left out keeps its value; an empty string clears it."""

    api_key = serializers.CharField(required=False, allow_blank=True, write_only=True, max_length=2000)
    access_token = serializers.CharField(required=False, allow_blank=True, write_only=True, max_length=2000)
    api_password = serializers.CharField(required=False, allow_blank=True, write_only=True, max_length=2000)
    webhook_secret = serializers.CharField(required=False, allow_blank=True, write_only=True, max_length=2000)
    webhook_password = serializers.CharField(required=False, allow_blank=True, write_only=True, max_length=2000)


class ConnectionUpdateSerializer(ConnectionSecretsSerializer):
    name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    wms_name = serializers.CharField(max_length=80, required=False, allow_blank=True)
    base_url = serializers.URLField(required=False, allow_blank=True, max_length=200)
    api_username = serializers.CharField(max_length=200, required=False, allow_blank=True)
    external_account_id = serializers.CharField(max_length=200, required=False, allow_blank=True)
    webhook_username = serializers.CharField(max_length=100, required=False, allow_blank=True)
    options = serializers.DictField(
        child=serializers.JSONField(),
        required=False,
        validators=[reject_nul_characters],
        help_text="Provider options; unknown keys are refused. All providers: rate_limit (such as 10/second). "
        "Redo: loop_compatible (boolean), loop_compatible_base_url (a public https URL).",
    )

    # State the services own: sent anyway, it is refused with the action to use instead (silently ignoring it
    # would let a client believe a connection went live).
    SERVICE_OWNED = {
        "status": "The status is Backhaul's: use POST .../pause/ or .../resume/, or take the store live with "
        "POST /api/v1/stores/<id>/go-live/.",
        "consecutive_failures": "Set by Backhaul from the provider's answers.",
        "breaker_opened_at": "Set by Backhaul's circuit breaker; support resets it.",
        "last_success_at": "Set by Backhaul from the provider's answers.",
        "last_error": "Set by Backhaul from the provider's answers.",
        "health_message": "Set by Backhaul.",
        "endpoint_token": "Rotated by Backhaul support.",
    }

    def validate(self, attrs: dict) -> dict:
        sent = self.initial_data if isinstance(self.initial_data, dict) else {}
        owned = {name: [why] for name, why in self.SERVICE_OWNED.items() if name in sent}
        if owned:
            raise serializers.ValidationError(owned)
        return attrs


class ConnectionCreateSerializer(ConnectionUpdateSerializer):
    store = UserStoreField()
    provider = serializers.ChoiceField(choices=provider_choices())


def split_connection_input(data: dict) -> tuple[dict, dict]:
    """(plain fields, secrets) out of validated connection input."""
    secrets = {name: data.pop(name) for name in CONNECTION_SECRET_FIELDS if name in data}
    return data, secrets


class ConnectionOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    store = serializers.IntegerField(source="store_id")
    role = serializers.ChoiceField(choices=Connection.Role.choices)
    provider = serializers.ChoiceField(choices=provider_choices())
    wms_name = serializers.CharField()
    name = serializers.CharField()
    display_name = serializers.CharField()
    status = serializers.ChoiceField(choices=Connection.Status.choices)
    base_url = serializers.CharField()
    api_username = serializers.CharField()
    external_account_id = serializers.CharField()
    webhook_username = serializers.CharField()
    webhook_url = serializers.SerializerMethodField(help_text="Give this URL to the provider.")
    options = serializers.DictField(child=serializers.JSONField())
    api_key_set = serializers.SerializerMethodField()
    access_token_set = serializers.SerializerMethodField()
    api_password_set = serializers.SerializerMethodField()
    webhook_secret_set = serializers.SerializerMethodField()
    webhook_password_set = serializers.SerializerMethodField()
    credentials_updated_at = serializers.DateTimeField(allow_null=True)
    consecutive_failures = serializers.IntegerField()
    breaker_opened_at = serializers.DateTimeField(allow_null=True)
    last_webhook_at = serializers.DateTimeField(allow_null=True)
    last_success_at = serializers.DateTimeField(allow_null=True)
    last_error = serializers.CharField()
    health_message = serializers.CharField()
    sync_error = serializers.CharField(help_text="Reconciliation's failure; empty once a run completes.")
    sync_failed_at = serializers.DateTimeField(allow_null=True, help_text="When reconciliation started failing.")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    def get_webhook_url(self, obj: Connection) -> str:
        return webhook_url(connection=obj)

    def get_api_key_set(self, obj: Connection) -> bool:
        return bool(obj.api_key)

    def get_access_token_set(self, obj: Connection) -> bool:
        return bool(obj.access_token)

    def get_api_password_set(self, obj: Connection) -> bool:
        return bool(obj.api_password)

    def get_webhook_secret_set(self, obj: Connection) -> bool:
        return bool(obj.webhook_secret)

    def get_webhook_password_set(self, obj: Connection) -> bool:
        return bool(obj.webhook_password)


class ConnectionTestOutputSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    message = serializers.CharField(allow_blank=True)


class WebhookOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    store = serializers.IntegerField(source="store_id", allow_null=True)
    connection = serializers.IntegerField(source="connection_id", allow_null=True)
    provider = serializers.CharField()
    remote_addr = serializers.CharField(allow_null=True)
    headers = serializers.SerializerMethodField(help_text="Secret-looking headers are redacted.")
    body = serializers.SerializerMethodField(
        help_text="The body as text: JSON with secret-looking keys redacted when it can be shown as JSON, else "
        "the raw text; at most 100,000 characters, with a closing note saying what was left out."
    )
    body_length = serializers.IntegerField(help_text="The body's true length in bytes (it may be stored cut).")
    method = serializers.CharField()
    truncated = serializers.DictField(
        child=serializers.IntegerField(), help_text="Each value cut to fit before it was stored, with its true length."
    )
    verification = serializers.ChoiceField(choices=InboundWebhook.Verification.choices)
    verification_reason = serializers.CharField()
    event_type = serializers.CharField()
    external_event_id = serializers.CharField()
    duplicate_of = serializers.IntegerField(source="duplicate_of_id", allow_null=True)
    status = serializers.ChoiceField(choices=InboundWebhook.Status.choices)
    error = serializers.CharField()
    attempts = serializers.IntegerField()
    processed_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()

    def get_headers(self, obj: InboundWebhook) -> dict:
        return redact(obj.headers) if isinstance(obj.headers, dict) else {}

    def get_body(self, obj: InboundWebhook) -> str:
        return body_for_display(bytes(obj.body), true_length=obj.body_length, indent=None)
