"""/api/: the v1 REST API, its OpenAPI schema and the Swagger UI (assets from the sidecar, served as static)."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from config.api import api_not_found
from integrations import apis as integrations_apis
from returns import apis as returns_apis
from warehouses import apis as warehouses_apis

v1 = [
    path("stores/", integrations_apis.StoreListApi.as_view(), name="store-list"),
    path("stores/<int:pk>/", integrations_apis.StoreDetailApi.as_view(), name="store-detail"),
    path("stores/<int:pk>/go-live/", integrations_apis.StoreGoLiveApi.as_view(), name="store-go-live"),
    path("connections/", integrations_apis.ConnectionListApi.as_view(), name="connection-list"),
    path("connections/<int:pk>/", integrations_apis.ConnectionDetailApi.as_view(), name="connection-detail"),
    path("connections/<int:pk>/test/", integrations_apis.ConnectionTestApi.as_view(), name="connection-test"),
    path("connections/<int:pk>/pause/", integrations_apis.ConnectionPauseApi.as_view(), name="connection-pause"),
    path("connections/<int:pk>/resume/", integrations_apis.ConnectionResumeApi.as_view(), name="connection-resume"),
    path("webhooks/", integrations_apis.WebhookListApi.as_view(), name="webhook-list"),
    path("webhooks/<int:pk>/", integrations_apis.WebhookDetailApi.as_view(), name="webhook-detail"),
    path("webhooks/<int:pk>/replay/", integrations_apis.WebhookReplayApi.as_view(), name="webhook-replay"),
    path("locations/", warehouses_apis.LocationListApi.as_view(), name="location-list"),
    path("locations/<int:pk>/", warehouses_apis.LocationDetailApi.as_view(), name="location-detail"),
    path("sku-mappings/", warehouses_apis.SkuMappingListApi.as_view(), name="sku-mapping-list"),
    path("sku-mappings/<int:pk>/", warehouses_apis.SkuMappingDetailApi.as_view(), name="sku-mapping-detail"),
    path("disposition-rules/", returns_apis.DispositionRuleListApi.as_view(), name="disposition-rule-list"),
    path(
        "disposition-rules/<int:pk>/",
        returns_apis.DispositionRuleDetailApi.as_view(),
        name="disposition-rule-detail",
    ),
    path("status-mappings/", returns_apis.StatusMappingListApi.as_view(), name="status-mapping-list"),
    path("status-mappings/<int:pk>/", returns_apis.StatusMappingDetailApi.as_view(), name="status-mapping-detail"),
    path("grade-mappings/", returns_apis.GradeMappingListApi.as_view(), name="grade-mapping-list"),
    path("grade-mappings/<int:pk>/", returns_apis.GradeMappingDetailApi.as_view(), name="grade-mapping-detail"),
    path("routing-rules/", returns_apis.RoutingRuleListApi.as_view(), name="routing-rule-list"),
    path("routing-rules/<int:pk>/", returns_apis.RoutingRuleDetailApi.as_view(), name="routing-rule-detail"),
    path("stores/<int:pk>/routing-dry-run/", returns_apis.RoutingDryRunApi.as_view(), name="store-routing-dry-run"),
    path("returns/", returns_apis.ReturnListApi.as_view(), name="return-list"),
    path("returns/<int:pk>/", returns_apis.ReturnDetailApi.as_view(), name="return-detail"),
    path(
        "returns/<int:pk>/platform-action/retry/",
        returns_apis.ReturnPlatformActionRetryApi.as_view(),
        name="return-platform-action-retry",
    ),
    path("orphan-receipts/", returns_apis.OrphanReceiptListApi.as_view(), name="orphan-receipt-list"),
    path("orphan-receipts/<int:pk>/", returns_apis.OrphanReceiptDetailApi.as_view(), name="orphan-receipt-detail"),
    path("orphan-receipts/<int:pk>/link/", returns_apis.OrphanReceiptLinkApi.as_view(), name="orphan-receipt-link"),
    path(
        "orphan-receipts/<int:pk>/dismiss/",
        returns_apis.OrphanReceiptDismissApi.as_view(),
        name="orphan-receipt-dismiss",
    ),
    path("rmas/", returns_apis.RmaListApi.as_view(), name="rma-list"),
    path("rmas/<int:pk>/", returns_apis.RmaDetailApi.as_view(), name="rma-detail"),
    path("rmas/<int:pk>/retry/", returns_apis.RmaRetryApi.as_view(), name="rma-retry"),
    path("rmas/<int:pk>/cancel/", returns_apis.RmaCancelApi.as_view(), name="rma-cancel"),
]

app_name = "api"
urlpatterns = [
    path("v1/", include((v1, "v1"))),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script from a URL, so the page needs no inline script
    # (Content-Security-Policy, config/settings/csp.py).
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    # Last: everything else under /api/ is a JSON 404, never Django's HTML page.
    re_path(r"", api_not_found, name="not-found"),
]
