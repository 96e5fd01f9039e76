"""Django REST framework, its tokens (django-rest-knox) and drf-spectacular.
https://www.django-rest-framework.org/api-guide/settings/ https://jazzband.github.io/django-rest-knox/settings/"""

import datetime as dt

# Tokens are stored as hashes with an expiry, each with a name (config.models.ApiToken, knox's documented
# custom token model). `manage.py issue_api_token` prints a key once; the admin lists and revokes tokens.
KNOX_TOKEN_MODEL = "config.ApiToken"
# knox's own migrations create its default AuthToken table even when the model is swapped out; that unused
# table references auth_user, so PostgreSQL then refuses to TRUNCATE users (a flush). Our table is config's.
MIGRATION_MODULES = {"knox": None}
REST_KNOX = {
    # issue_api_token's --expires-days default; every token expires.
    "TOKEN_TTL": dt.timedelta(days=90),
    # The header clients already send: "Authorization: Token <key>".
    "AUTH_HEADER_PREFIX": "Token",
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "knox.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "config.api.ApiSchema",
    "EXCEPTION_HANDLER": "config.api.exception_handler",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Backhaul API",
    "DESCRIPTION": "Returns platforms to warehouse systems: stores, connections, returns and RMAs.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # Split request/response components: write-only secrets appear only in *Request schemas.
    "COMPONENT_SPLIT_REQUEST": True,
    # Several models have a "status" with its own choices: name each enum after its model.
    "ENUM_NAME_OVERRIDES": {
        "ConnectionStatusEnum": "integrations.models.Connection.Status",
        "WebhookStatusEnum": "integrations.models.InboundWebhook.Status",
        "RmaStatusEnum": "returns.models.RMA.Status",
    },
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}
