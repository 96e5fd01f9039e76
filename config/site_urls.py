from django.urls import include, path

from config import views
from config.health import HealthView

urlpatterns = [
    path("", views.home, name="home"),
    path("demo/", views.demo_start, name="demo"),
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
]
