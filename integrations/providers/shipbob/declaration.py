"""ShipBob, as data: https://developer.shipbob.com/guides/returns ; PROVIDER.md in this folder."""

from integrations.declarations import (
    CredentialField,
    GradeWord,
    GradeWords,
    ProviderDeclaration,
    Role,
    WebhookDeclaration,
    WebhookSecretFormat,
    WebhookSetup,
    WebhookTopic,
)

# The return topics of ShipBob's 2026-01 webhooks (PROVIDER.md "Webhooks"); the merchant subscribes to these.
RETURN_TOPICS = (
    WebhookTopic("return.created", "a return created at ShipBob: its id and status"),
    WebhookTopic("return.updated", "a return's new status (arrived, processing, cancelled)"),
    WebhookTopic("return.completed", "what ShipBob received and did with each item: the outcome for the platform"),
)

DECLARATION = ProviderDeclaration(
    slug="shipbob",
    role=Role.WAREHOUSE,
    display_name="ShipBob",
    docs_url="https://developer.shipbob.com/guides/returns",
    credential_fields=(
        CredentialField(
            "api_key",
            "Personal access token",
            "ShipBob → Integrations → API Tokens → Generate New Token, as the account's root user. It does not expire.",
            secret=True,
        ),
        CredentialField(
            "external_account_id",
            "Channel ID",
            "The number of the channel your token created (its “PAT Channel”, the one with write access): "
            "ShipBob lists it at GET /2026-01/channel. Every return Backhaul creates is sent on it.",
        ),
    ),
    webhooks=WebhookDeclaration(
        topics=RETURN_TOPICS,
        setup=WebhookSetup.MERCHANT,
        setup_hint="In ShipBob, Integrations → Webhooks → Add Subscription: Backhaul's URL and these topics; "
        "then paste the subscription's signing secret (whsec_…) here.",
        auth_fields=(
            CredentialField(
                "webhook_secret",
                "Signing secret",
                "The whsec_… secret ShipBob shows for the webhook subscription; it signs every delivery "
                "(webhook-signature).",
                secret=True,
            ),
        ),
        secret_format=WebhookSecretFormat.SVIX,
    ),
    # https://developer.shipbob.com/guides/returns (the API version is in each path: /2026-01/...)
    base_url="https://api.shipbob.com",
    base_url_env="SHIPBOB_BASE_URL",
    sandbox_path="/sandbox/shipbob/",
    sandbox_hosts=("sandbox-api.shipbob.com",),  # ShipBob's own sandbox, with tokens from its sandbox dashboard
    supports_cancel=True,
    supports_order_lookup=True,
    # What ShipBob did with each unit (action_taken[].action, providers.md §8.2): it names no condition.
    grade_words=GradeWords(
        dispositions=(
            GradeWord("restock", "grade_a", "back_to_stock"),
            GradeWord("quarantine", "grade_c", "resale_hold"),
            GradeWord("dispose", "grade_c", "recycle"),
        ),
    ),
)
