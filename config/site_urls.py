from django.urls import include, path
from health_check.views import HealthCheckView

from config import views

urlpatterns = [
    path("", views.home, name="home"),
    path("demo/", views.demo_start, name="demo"),
    path("setup/", include("integrations.wizard.urls")),
    path(
        "health/",
        HealthCheckView.as_view(
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
