from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("webhooks/", include("integrations.urls")),
    path("", include("config.site_urls")),
]
