"""/sandbox/<provider>/<account key>/… — mounted only when settings.SANDBOX_ENABLED.

Each simulated provider (its folder's sandbox.py) serves the same paths as the real API does under its base
URL, so a connection switches between the two by its base URL alone.
"""

from django.urls import URLPattern, URLResolver, include, path

from integrations.sandbox import views
from integrations.sandbox.catalog import sandbox_providers

urlpatterns: list[URLPattern | URLResolver] = [
    # Sandbox-only control: receive an RMA now.
    path("<str:provider>/<str:key>/_control/receive", views.control_receive),
    *(path(f"{slug}/<str:key>/", include(spec.urlpatterns)) for slug, spec in sandbox_providers().items()),
]
