"""TrackStar, as data: https://docs.trackstarhq.com/how-to-guides/about-the-api ; providers.md §3."""

from integrations.declarations import (
    CredentialField,
    FieldInput,
    GradeWord,
    GradeWords,
    ProviderDeclaration,
    Role,
    WebhookDeclaration,
    WebhookSecretFormat,
    WebhookSetup,
    WebhookTopic,
)

DECLARATION = ProviderDeclaration(
    slug="trackstar",
    role=Role.WAREHOUSE,
    display_name="TrackStar",
    docs_url="https://docs.trackstarhq.com/how-to-guides/about-the-api",
    credential_fields=(
        CredentialField(
            "access_token",
            "Access token",
            "From the TrackStar connection of your warehouse.",
            secret=True,
        ),
        CredentialField(
            "wms_name",
            "WMS name",
            "TrackStar's integration name for your WMS, for example “extensiv” or “logiwa”.",
            input=FieldInput.SLUG,
        ),
        CredentialField(
            "api_key",
            "Organisation API key",
            "Blank: Backhaul's own TrackStar key (the TRACKSTAR_API_KEY environment variable), which is sent "
            "only to TrackStar's address configured for this deployment.",
            secret=True,
            required=False,
            deployment_env="TRACKSTAR_API_KEY",
        ),
    ),
    webhooks=WebhookDeclaration(
        # https://docs.trackstarhq.com/how-to-guides/webhooks/webhooks ; event names are matched with - or _.
        topics=(
            WebhookTopic("return.created", "an RMA as the WMS holds it"),
            WebhookTopic("return.updated", "an RMA's new status and received quantities"),
            WebhookTopic("order.shipment.created", "which warehouse shipped each order: return routing"),
            WebhookTopic("connection-error.created", "the WMS connection broke: shown as its health"),
            WebhookTopic("connection-error.updated", "the connection's error changed"),
            WebhookTopic("connection-error.deleted", "the connection works again"),
        ),
        setup=WebhookSetup.OPERATOR,
        setup_hint="Backhaul's team adds the endpoint in TrackStar's dashboard (one per connection) and pastes "
        "its signing secret here.",
        auth_fields=(
            CredentialField(
                "webhook_secret",
                "Signing secret",
                "The endpoint's whsec_… secret from TrackStar's dashboard (deliveries are signed through Svix).",
                secret=True,
            ),
        ),
        secret_format=WebhookSecretFormat.SVIX,
    ),
    # https://docs.trackstarhq.com/how-to-guides/about-the-api
    base_url="https://production.trackstarhq.com",
    base_url_env="TRACKSTAR_BASE_URL",
    sandbox_path="/sandbox/trackstar/",
    supports_cancel=True,
    supports_order_lookup=True,
    needs_wms_order_id=True,
    fronts_other_wms=True,
    # receiving_details[].condition / .disposition (providers.md §3.3: "good"/"damaged", "restocked"/"scrapped").
    grade_words=GradeWords(
        conditions=(
            GradeWord("good", "grade_a", "back_to_stock"),
            GradeWord("damaged", "grade_c", "resale_hold"),
        ),
        dispositions=(
            GradeWord("restocked", disposition_outcome="back_to_stock"),
            GradeWord("scrapped", disposition_outcome="recycle"),
        ),
    ),
)
