from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from config.api import api_not_found

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("config.api_urls")),
    path("api", api_not_found),
    path("webhooks/", include("integrations.urls")),
    path("", include("config.site_urls")),
]

if settings.SANDBOX_ENABLED:
    # Simulated providers for demos, the wizard's test step and end-to-end tests; never in production.
    urlpatterns.insert(0, path("sandbox/", include("integrations.sandbox.urls")))

handler404 = "config.api.not_found"
handler500 = "config.api.server_error"
