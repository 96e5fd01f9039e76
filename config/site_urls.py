from django.urls import include, path

from config import views
from config.health import HealthView
from config.metrics_endpoint import metrics_view
from returns import views as returns_views

urlpatterns = [
    path("", views.home, name="home"),
    path("demo/", views.demo_start, name="demo"),
    # The merchant's action on an RMA needs a returns service: returns serves it (integrations never imports one).
    path("setup/stores/<slug:slug>/rmas/<int:pk>/retry/", returns_views.rma_retry, name="merchant_rma_retry"),
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
