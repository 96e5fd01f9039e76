"""Loop, as data: https://docs.loopreturns.com/api-reference/getting-started ; providers.md §1."""

from integrations.declarations import (
    CredentialField,
    GradingSupport,
    LocationIdentifier,
    ProviderDeclaration,
    Role,
    WebhookDeclaration,
    WebhookSetup,
    WebhookTopic,
)

# Return intake, labels and third-party label requests (providers.md §1.2): registration creates
# one subscription per (topic, trigger).
WEBHOOK_TOPICS = (
    WebhookTopic("return.created", "a new return: plan its RMAs", group="return"),
    WebhookTopic("return.updated", "a changed return: update it and its RMAs", group="return"),
    WebhookTopic("return.closed", "a closed or cancelled return: cancel its RMAs", group="return"),
    WebhookTopic("label.created", "the return's label: tracking for the RMA", group="label"),
    WebhookTopic("label.updated", "a label's new status or tracking", group="label"),
    WebhookTopic("label.request.issued", "a label requested from a third party", group="label.request"),
    WebhookTopic("label.request.cancelled", "a cancelled label request: cancel the RMA", group="label.request"),
)

DECLARATION = ProviderDeclaration(
    slug="loop",
    role=Role.RETURNS_PLATFORM,
    display_name="Loop",
    docs_url="https://docs.loopreturns.com/api-reference/getting-started",
    credential_fields=(
        CredentialField(
            "api_key",
            "API key",
            "Loop admin → Developer Tools → API keys. It needs the Return and Order scopes, and Developer "
            "Tools for Backhaul to register its webhooks.",
            secret=True,
        ),
    ),
    webhooks=WebhookDeclaration(
        topics=WEBHOOK_TOPICS,
        setup=WebhookSetup.API,
        setup_hint="Backhaul registers these webhooks through Loop's API; paste Loop's webhook secret here so "
        "every delivery can be verified.",
        auth_fields=(
            CredentialField(
                "webhook_secret",
                "Webhook secret",
                "Loop admin → Developer Tools → Webhooks: the secret Loop signs every delivery with "
                "(X-Loop-Signature).",
                secret=True,
            ),
        ),
    ),
    # https://docs.loopreturns.com/api-reference/getting-started
    base_url="https://api.loopreturns.com/api/v1",
    base_url_env="LOOP_BASE_URL",
    sandbox_path="/sandbox/loop/",
    location_identifier=LocationIdentifier(
        "Loop destination ID", "Optional: Loop sends it with returns headed to this location."
    ),
    auth_error_hint="Check that you copied the whole key and that it has the Order and Return scopes.",
    # Dispositioning API (providers.md §8.1): grade, then assess, at most 30 items a call.
    grading=GradingSupport.API,
    grading_batch_size=30,
)
