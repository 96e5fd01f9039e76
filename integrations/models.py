"""Stores, their connections to providers, and the raw logs of every webhook and API call."""

import secrets
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from config.fields import EncryptedTextField
from config.models import BaseModel


def provider_declaration(slug: str) -> Any:
    """The registry's declaration of provider `slug` (None when no provider has that slug).

    Asked through the app registry, which loads the provider registry once the apps are ready, so the
    models never import the provider folders (which import the models)."""
    return apps.get_app_config("integrations").provider_declaration(slug)  # type: ignore[attr-defined]


def provider_display_name(slug: str) -> str:
    """ "ShipMonk" for "shipmonk"; a slug no provider has, as it is."""
    declaration = provider_declaration(slug)
    return declaration.display_name if declaration else slug


def aging_arrival_default() -> int:
    return int(settings.AGING_ARRIVAL_DAYS)


def aging_close_default() -> int:
    return int(settings.AGING_CLOSE_DAYS)


class Store(BaseModel):
    class ProcessingMode(models.TextChoices):
        MANUAL = "manual", "Manual: the platform processes after the warehouse does"
        AUTOMATIC = "automatic", "Automatic: the platform processes on its own"

    class RmaTrigger(models.TextChoices):
        ON_RETURN_CREATED = "on_return_created", "When the return is created"
        ON_LABEL_CREATED = "on_label_created", "When the return's label exists"

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    processing_mode = models.CharField(max_length=20, choices=ProcessingMode.choices, default=ProcessingMode.MANUAL)
    rma_trigger = models.CharField(max_length=30, choices=RmaTrigger.choices, default=RmaTrigger.ON_RETURN_CREATED)
    default_instructions = models.TextField(blank=True, help_text="Processing instructions added to every RMA's note.")
    is_active = models.BooleanField(default=True)
    is_sandbox = models.BooleanField(
        default=False, help_text="A demo or test store: its events never reach a live warehouse."
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="StoreMembership", related_name="stores", blank=True
    )
    # Aging (product.md flow 13): after how many days a return is overdue. A new store takes the deployment's
    # defaults (AGING_ARRIVAL_DAYS, AGING_CLOSE_DAYS); a change re-times the store's waiting returns. The
    # database's own default (the settings' defaults) serves rows written without the ORM's: older migrations.
    aging_arrival_days = models.PositiveSmallIntegerField(
        "overdue after (days without a receipt)",
        default=aging_arrival_default,
        db_default=14,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text="A return whose label is this many days old, or that the carrier delivered, with no warehouse "
        "receipt is listed as overdue.",
    )
    aging_close_days = models.PositiveSmallIntegerField(
        "overdue after (days received, not closed)",
        default=aging_close_default,
        db_default=7,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text="A return received at the warehouse this many days ago and still open on the returns platform "
        "is listed as overdue.",
    )

    class Meta:
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name


class StoreMembership(BaseModel):
    class Role(models.TextChoices):
        OWNER = "owner", "Owner"
        MEMBER = "member", "Member"

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="store_memberships")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.MEMBER)

    class Meta:
        constraints = [models.UniqueConstraint(fields=("store", "user"), name="uniq_store_member")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.store}"


class StoreInvite(BaseModel):
    """A single-use invitation to join a store with a role: consumed on acceptance, revocable, expiring.

    Only a hash of the link's token is stored (the link is shown once to whoever created it), so the
    table cannot be turned back into working links. An invite may be bound to one email address.
    """

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="invites")
    role = models.CharField(max_length=20, choices=StoreMembership.Role.choices, default=StoreMembership.Role.MEMBER)
    email = models.EmailField(blank=True, default="", help_text="Only this address may accept it (blank: anyone).")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ("-created_at",)
        indexes = [models.Index(fields=("store", "accepted_at", "revoked_at"), name="invite_store_open")]

    def __str__(self) -> str:
        return f"{self.store}: {self.get_role_display()} invite{f' for {self.email}' if self.email else ''}"


def new_endpoint_token() -> str:
    return secrets.token_urlsafe(32)


class Connection(BaseModel):
    """A store's link to one provider in one role, with its encrypted credentials and health."""

    class Role(models.TextChoices):
        RETURNS_PLATFORM = "returns_platform", "Returns platform"
        WAREHOUSE = "warehouse", "Warehouse system"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        ACTIVE = "active", "Active"
        PAUSED = "paused", "Paused"
        FAILING = "failing", "Failing (circuit breaker open)"
        # The provider answered 401/403: work waits (not retried) until working credentials are saved.
        CREDENTIALS_REJECTED = "credentials_rejected", "Credentials rejected by the provider"

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="connections")
    role = models.CharField(max_length=20, choices=Role.choices)
    # A slug of integrations.registry (no database enum: a new provider needs no migration); checked in clean().
    provider = models.CharField(max_length=40)
    # For TrackStar: the WMS behind it ("shipmonk", "shipstream", or any integration name).
    wms_name = models.CharField(max_length=80, blank=True, default="")
    name = models.CharField(max_length=200, blank=True, default="")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True)
    base_url = models.URLField(blank=True, default="", help_text="Blank: the provider's production URL.")

    # Credentials (encrypted at rest; write-only in forms and the API).
    api_key = EncryptedTextField(help_text="Loop API key, Redo API secret, ShipMonk Api-Key, ShipStream API key.")
    access_token = EncryptedTextField(help_text="TrackStar connection access token.")
    api_username = models.CharField(max_length=200, blank=True, default="", help_text="ShipStream API username.")
    api_password = EncryptedTextField(help_text="ShipStream API password.")
    # Non-secret account ids.
    external_account_id = models.CharField(
        max_length=200, blank=True, default="", help_text="ShipMonk store_id, Redo store ID, TrackStar connection_id."
    )

    # Inbound webhook authentication. The previous secret keeps verifying until it expires.
    endpoint_token = models.CharField(max_length=64, unique=True, default=new_endpoint_token, editable=False)
    webhook_secret = EncryptedTextField(
        help_text="Loop/ShipStream/TrackStar signing secret, Redo bearer token, ShipMonk X-Sm-Signature key."
    )
    previous_webhook_secret = EncryptedTextField()
    previous_webhook_secret_expires_at = models.DateTimeField(null=True, blank=True)
    webhook_username = models.CharField(max_length=100, blank=True, default="", help_text="ShipMonk Basic Auth user.")
    webhook_password = EncryptedTextField(help_text="ShipMonk Basic Auth password.")
    previous_webhook_password = EncryptedTextField()
    # Rotation state is a field no form or API writes (it was once in options, where a merchant could
    # move it and revive an old password).
    previous_webhook_password_expires_at = models.DateTimeField(null=True, blank=True)
    # Non-secret trace of credential changes, kept in history instead of the secrets themselves.
    credentials_updated_at = models.DateTimeField(null=True, blank=True)

    # Provider-specific settings a person may change, declared per provider (providers/<slug>/options.py)
    # and checked on every write (services/connection_settings.py). Never security state or caches.
    options = models.JSONField(default=dict, blank=True)

    # Health and circuit breaker.
    consecutive_failures = models.PositiveIntegerField(default=0)
    breaker_opened_at = models.DateTimeField(null=True, blank=True)
    last_webhook_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")
    health_message = models.TextField(blank=True, default="")
    # What the status was when the provider rejected the credentials: restored once they work.
    status_before_rejection = models.CharField(max_length=20, choices=Status.choices, blank=True, default="")
    sync_cursor = models.DateTimeField(null=True, blank=True)
    # Reconciliation's failure, from the first failed run until the next complete one.
    sync_error = models.TextField(blank=True, default="")
    sync_failed_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords(
        excluded_fields=[
            "api_key",
            "access_token",
            "api_password",
            "webhook_secret",
            "previous_webhook_secret",
            "webhook_password",
            "previous_webhook_password",
            "endpoint_token",
            "consecutive_failures",
            "last_webhook_at",
            "last_success_at",
            "sync_error",
            "sync_failed_at",
            "updated_at",
        ]
    )

    class Meta:
        ordering = ("store__name", "role", "provider")
        constraints = [
            # A store has one connection per returns platform ...
            models.UniqueConstraint(
                fields=("store", "provider"),
                condition=Q(role="returns_platform"),
                name="uniq_returns_platform_per_store",
            ),
            # ... and one per warehouse provider and WMS behind it.
            models.UniqueConstraint(
                fields=("store", "provider", "wms_name"),
                condition=Q(role="warehouse"),
                name="uniq_warehouse_connection_per_store",
            ),
        ]

    def __str__(self) -> str:
        label = self.name or self.get_provider_display()
        if self.wms_name:
            label = f"{label} ({self.wms_name})"
        return f"{self.store} · {label}"

    def clean(self) -> None:
        """The provider is a registered one, and the connection plays the role its declaration gives it."""
        super().clean()
        declaration = provider_declaration(self.provider)
        if declaration is None:
            raise ValidationError({"provider": f"Unknown provider {self.provider!r}."})
        if self.role and self.role != declaration.role:
            raise ValidationError(
                {"role": f"{declaration.display_name} is a {declaration.role.replace('_', ' ')}, not a {self.role}."}
            )

    def get_provider_display(self) -> str:
        return provider_display_name(self.provider)

    @property
    def display_name(self) -> str:
        """The warehouse system's own name ("ShipMonk"), also when a provider (TrackStar) stands in front of it."""
        if self.wms_name:  # only a provider in front of another WMS names one
            known = provider_declaration(self.wms_name)
            return known.display_name if known else self.wms_name.replace("_", " ").title()
        return self.get_provider_display()

    @property
    def webhook_path(self) -> str:
        return f"/webhooks/{self.provider}/{self.endpoint_token}/"

    @property
    def is_accepting_pushes(self) -> bool:
        return self.status == self.Status.ACTIVE


class InboundWebhook(BaseModel):
    """Every request that reached a webhook endpoint, stored before anything else."""

    class Verification(models.TextChoices):
        PENDING = "pending", "Not yet verified"
        VALID = "valid", "Valid"
        INVALID = "invalid", "Invalid"

    class Status(models.TextChoices):
        RECEIVED = "received", "Received"
        REJECTED = "rejected", "Rejected (not verified or malformed)"
        PENDING = "pending", "Pending processing"
        PROCESSING = "processing", "Processing"
        PROCESSED = "processed", "Processed"
        FAILED = "failed", "Failed"
        IGNORED = "ignored", "Ignored (event type not handled)"
        DUPLICATE = "duplicate", "Duplicate of an earlier delivery"

    connection = models.ForeignKey(
        Connection, null=True, blank=True, on_delete=models.SET_NULL, related_name="webhooks"
    )
    store = models.ForeignKey(Store, null=True, blank=True, on_delete=models.SET_NULL, related_name="webhooks")
    provider = models.CharField(max_length=20, db_index=True)
    endpoint_token = models.CharField(max_length=128, blank=True, default="")
    method = models.CharField(max_length=10, default="POST")
    remote_addr = models.GenericIPAddressField(null=True, blank=True)
    headers = models.JSONField(default=dict)
    # The whole body; of one over WEBHOOK_MAX_BODY_BYTES (refused, 413) only its first 64 KiB.
    body = models.BinaryField()
    body_length = models.PositiveBigIntegerField(default=0, help_text="The body's true length in bytes.")
    truncated = models.JSONField(
        default=dict,
        blank=True,
        help_text="Each value cut to fit before it was stored (body, a column, a header, an event field) "
        "and its true length.",
    )
    verification = models.CharField(
        max_length=10, choices=Verification.choices, default=Verification.PENDING, db_index=True
    )
    verification_reason = models.CharField(max_length=300, blank=True, default="")
    event_type = models.CharField(max_length=120, blank=True, default="", db_index=True)
    external_event_id = models.CharField(max_length=255, blank=True, default="")
    # Set only on the first delivery of an event; later deliveries point at it via duplicate_of.
    dedupe_key = models.CharField(max_length=255, null=True, blank=True)
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="redeliveries"
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.RECEIVED, db_index=True)
    error = models.TextField(blank=True, default="")
    traceback = models.TextField(blank=True, default="")
    attempts = models.PositiveIntegerField(default=0)
    # The first publish, right after the row is stored, is not recorded (a second write for every
    # webhook); the sweeper records when it re-publishes a row left pending.
    published_at = models.DateTimeField(
        "re-published at",
        null=True,
        blank=True,
        help_text="When the sweeper last re-published this row because it was still pending.",
    )
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at",)
        constraints = [
            models.UniqueConstraint(
                fields=("connection", "dedupe_key"),
                condition=Q(dedupe_key__isnull=False),
                name="uniq_webhook_dedupe_key_per_connection",
            ),
        ]
        indexes = [
            models.Index(fields=("status", "created_at"), name="webhook_status_created"),
            # The admin overview's webhooks per hour, provider and outcome: an index-only scan of the window.
            models.Index(fields=("created_at", "provider", "status"), name="webhook_created_provider"),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.event_type or '?'} #{self.pk}"


class RefusedWebhookCount(BaseModel):
    """Refused webhook requests past their rate limit, counted instead of stored: one row per hour,
    endpoint and source (integrations/services/refusals.py). created_at is the first of them,
    updated_at the last."""

    class LimitedBy(models.TextChoices):
        SOURCE = "source", "Too many from this source"
        ENDPOINT = "endpoint", "Too many to this endpoint"

    window_start = models.DateTimeField(help_text="The hour (UTC) these requests arrived in.")
    # "connection:<id>", or "unknown" for every path that names no connection.
    endpoint_key = models.CharField(max_length=40)
    connection = models.ForeignKey(Connection, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    limited_by = models.CharField(max_length=10, choices=LimitedBy.choices)
    # The source address (an IPv6 one as its /64); blank on rows limited by endpoint, which count
    # every source together so that many sources cannot each add a row.
    source = models.CharField(max_length=64, blank=True, default="")
    count = models.PositiveBigIntegerField(default=0)
    body_bytes = models.PositiveBigIntegerField(
        default=0, help_text="Their bodies' lengths added up (as read, or as declared when too large to read)."
    )
    last_source = models.CharField(max_length=64, blank=True, default="")
    last_status = models.PositiveSmallIntegerField(
        default=0, help_text="What the last of them would have been answered without the limit."
    )
    last_reason = models.CharField(max_length=300, blank=True, default="")
    # The path of the last one, for unknown endpoints only (a connection's token stays a secret here).
    last_provider = models.CharField(max_length=20, blank=True, default="")
    last_endpoint_token = models.CharField(max_length=128, blank=True, default="")

    class Meta:
        ordering = ("-window_start", "-count")
        verbose_name = "refused webhook count"
        constraints = [
            models.UniqueConstraint(
                fields=("window_start", "endpoint_key", "source"), name="uniq_refused_webhook_window"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.count} refused to {self.endpoint_key} from {self.source or 'many sources'}"


class ApiCall(BaseModel):
    """One outbound request to a provider, with secrets redacted."""

    connection = models.ForeignKey(
        Connection, null=True, blank=True, on_delete=models.SET_NULL, related_name="api_calls"
    )
    provider = models.CharField(max_length=20, db_index=True)
    operation = models.CharField(max_length=80, blank=True, default="")
    method = models.CharField(max_length=10)
    url = models.URLField(max_length=1000)
    request_headers = models.JSONField(default=dict, blank=True)
    request_body = models.TextField(blank=True, default="")
    status_code = models.PositiveIntegerField(null=True, blank=True)
    response_body = models.TextField(blank=True, default="")
    duration_ms = models.PositiveIntegerField(default=0)
    error_class = models.CharField(max_length=80, blank=True, default="")
    error_message = models.TextField(blank=True, default="")
    idempotency_key = models.CharField(max_length=255, blank=True, default="")
    rma = models.ForeignKey("returns.RMA", null=True, blank=True, on_delete=models.SET_NULL, related_name="api_calls")
    return_obj = models.ForeignKey(
        "returns.Return", null=True, blank=True, on_delete=models.SET_NULL, related_name="api_calls"
    )

    class Meta:
        ordering = ("-created_at",)
        verbose_name = "API call"
        indexes = [
            # The admin overview's answer codes per provider: an index-only scan of the window.
            models.Index(
                fields=("created_at", "provider", "status_code", "error_class"), name="apicall_created_provider"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.url} → {self.status_code or self.error_class}"

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300 and not self.error_class


class Notification(BaseModel):
    """Something a store's members must act on; sent by email in a digest (one per store and kind an hour)."""

    class Kind(models.TextChoices):
        CREDENTIALS_REJECTED = "credentials_rejected", "A provider rejected the credentials"
        BREAKER_OPENED = "breaker_opened", "A connection was paused after repeated failures"
        RMA_NEEDS_ATTENTION = "rma_needs_attention", "An RMA needs attention"
        PLATFORM_REFUSED = "platform_refused", "The returns platform refused an action"
        RETURNS_OVERDUE = "returns_overdue", "Returns are overdue (not at the warehouse, or not closed)"
        ORPHAN_RECEIPT = "orphan_receipt", "A warehouse received a parcel that matches no RMA"

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    message = models.CharField(max_length=1000)
    # The page that fixes it, as a path on this site.
    link = models.CharField(max_length=500, blank=True, default="")
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at",)
        indexes = [models.Index(fields=("store", "kind", "sent_at"), name="notification_store_kind_sent")]

    def __str__(self) -> str:
        return f"{self.store}: {self.get_kind_display()}"


class NotificationDigest(BaseModel):
    """When a store last got an email of one kind: at most one an hour."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=30, choices=Notification.Kind.choices)
    last_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=("store", "kind"), name="uniq_notification_digest")]

    def __str__(self) -> str:
        return f"{self.store}: {self.kind} last sent {self.last_sent_at}"


class NotificationOptOut(BaseModel):
    """A user who turned one kind of email off."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_opt_outs")
    kind = models.CharField(max_length=30, choices=Notification.Kind.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=("user", "kind"), name="uniq_notification_opt_out")]

    def __str__(self) -> str:
        return f"{self.user} without {self.kind}"
