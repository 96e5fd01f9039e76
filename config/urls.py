from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("config.api_urls")),
    path("webhooks/", include("integrations.urls")),
    path("", include("config.site_urls")),
]
