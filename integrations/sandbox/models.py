"""State of the simulated providers, in the database so web and worker processes share it."""

import secrets

from django.db import models

from config.fields import EncryptedTextField
from config.models import BaseModel


def new_account_key() -> str:
    return secrets.token_urlsafe(16)


class SandboxAccount(BaseModel):
    """One simulated provider account. Its base URL is /sandbox/<provider>/<key>/.

    An account with credentials of its own (the wizard gives it some) refuses any other, as the real
    API does; one without them accepts the linked connection's (accounts made in the admin or by
    the demo before they had any).
    """

    class FailureMode(models.TextChoices):
        NONE = "", "No failures"
        SERVER_ERROR = "server_error", "HTTP 503"
        RATE_LIMITED = "rate_limited", "HTTP 429 with Retry-After"
        TIMEOUT_AFTER_WORK = "timeout_after_work", "Do the work, then answer too late"

    class ReceiveMode(models.TextChoices):
        NONE = "", "Only when told"
        FULLY_RECEIVED = "fully_received", "Fully received, good"
        SHORT = "short", "Short"
        EXCESS = "excess", "Excess"
        DAMAGED = "damaged", "Damaged"

    provider = models.CharField(max_length=20)
    key = models.CharField(max_length=64, unique=True, default=new_account_key)
    name = models.CharField(max_length=200, blank=True, default="")
    # The store connection whose webhook endpoint this account calls back, signed with its secret.
    connection = models.ForeignKey(
        "integrations.Connection", null=True, blank=True, on_delete=models.SET_NULL, related_name="sandbox_accounts"
    )
    # The account's own credentials, as the real provider would show them to the merchant.
    api_key = EncryptedTextField(
        "API key", help_text="The key, access token or password it expects (blank: the linked connection's)."
    )
    username = models.CharField(max_length=200, blank=True, default="", help_text="ShipStream API user.")
    account_id = models.CharField(
        max_length=200, blank=True, default="", help_text="Store ID it expects (ShipMonk, Redo); blank: any."
    )
    webhook_secret = EncryptedTextField(help_text="Loop: the secret it signs webhooks with (blank: the connection's).")
    latency_ms = models.PositiveIntegerField(default=0)
    failure_mode = models.CharField(max_length=30, choices=FailureMode.choices, blank=True, default="")
    failures_remaining = models.PositiveIntegerField(default=0, help_text="Fail this many requests, then succeed.")
    retry_after_seconds = models.PositiveIntegerField(default=1)
    late_answer_seconds = models.FloatField(default=30.0, help_text="How late a 'timeout after work' answer comes.")
    auto_receive_mode = models.CharField(max_length=20, choices=ReceiveMode.choices, blank=True, default="")
    auto_receive_delay_seconds = models.PositiveIntegerField(default=5)
    warehouses = models.JSONField(default=list, blank=True, help_text='[{"id": "wh_1", "code": "CA1", "name": ...}]')
    skus = models.JSONField(
        default=list, blank=True, help_text='SKUs the simulated WMS knows, ["100234", ...]; empty: any SKU.'
    )

    class Meta:
        ordering = ("provider", "id")

    def __str__(self) -> str:
        return f"sandbox {self.provider} {self.name or self.key}"

    @property
    def base_path(self) -> str:
        return f"/sandbox/{self.provider}/{self.key}/"


class SandboxReturn(BaseModel):
    """An RMA as a simulated WMS holds it."""

    account = models.ForeignKey(SandboxAccount, on_delete=models.CASCADE, related_name="returns")
    external_id = models.CharField(max_length=64)
    rma_number = models.CharField(max_length=100, db_index=True)
    warehouse = models.CharField(max_length=100, blank=True, default="")
    order_ref = models.CharField(max_length=100, blank=True, default="")
    items = models.JSONField(default=list)
    tracking_numbers = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=40, default="open")
    request_body = models.JSONField(default=dict)
    received = models.JSONField(default=list, blank=True, help_text="Per SKU: received, restocked, condition.")
    idempotency_key = models.CharField(max_length=255, blank=True, default="")
    update_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ("-created_at",)
        constraints = [
            models.UniqueConstraint(fields=("account", "external_id"), name="uniq_sandbox_return_id"),
        ]

    def __str__(self) -> str:
        return f"{self.account.provider} {self.rma_number}"


class SandboxPlatformCall(BaseModel):
    """A call a simulated returns platform received (process, flag, note, status...)."""

    account = models.ForeignKey(SandboxAccount, on_delete=models.CASCADE, related_name="calls")
    return_id = models.CharField(max_length=100, db_index=True)
    action = models.CharField(max_length=40)
    body = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return f"{self.action} {self.return_id}"


class SandboxWebhookDelivery(BaseModel):
    """A webhook the sandbox sent (or will send) to a store's endpoint."""

    account = models.ForeignKey(SandboxAccount, on_delete=models.CASCADE, related_name="deliveries")
    url = models.URLField(max_length=1000)
    event_type = models.CharField(max_length=80)
    body = models.TextField()
    status_code = models.PositiveIntegerField(null=True, blank=True)
    response_body = models.TextField(blank=True, default="")
    attempts = models.PositiveIntegerField(default=0)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at",)
        verbose_name_plural = "sandbox webhook deliveries"

    def __str__(self) -> str:
        return f"{self.event_type} → {self.status_code or 'pending'}"
