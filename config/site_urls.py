from django.urls import include, path

from config import views
from config.health import HealthView
from config.metrics_endpoint import metrics_view
from returns import views as returns_views

urlpatterns = [
    path("", views.home, name="home"),
    path("demo/", views.demo_start, name="demo"),
    # The merchant's pages that act through a returns service (an RMA's retry, orphan receipts): returns serves
    # them (integrations never imports one).
    path("setup/stores/<slug:slug>/rmas/<int:pk>/retry/", returns_views.rma_retry, name="merchant_rma_retry"),
    path("setup/stores/<slug:slug>/receipts/", returns_views.orphan_receipts, name="orphan_receipts"),
    path(
        "setup/stores/<slug:slug>/receipts/<int:pk>/",
        returns_views.orphan_receipt_detail,
        name="orphan_receipt_detail",
    ),
    path("setup/", include("integrations.wizard.urls")),
    path(
        "health/",
        HealthView.as_view(
            checks=[
                "health_check.checks.Database",
                "health_check.checks.Cache",
                "config.health.Broker",
                "config.health.PendingMigrations",
            ]
        ),
        name="health",
    ),
    path("metrics", metrics_view, name="metrics"),
]
