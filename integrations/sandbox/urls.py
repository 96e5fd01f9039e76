"""/sandbox/<provider>/<account key>/… — mounted only when settings.SANDBOX_ENABLED.

Each simulated provider serves the same paths as the real API under its base URL (Loop
https://api.loopreturns.com/api/v1, Redo https://api.getredo.com/v2.2, ShipMonk
https://api.shipmonk.com, TrackStar https://production.trackstarhq.com, ShipStream
https://<instance>.shipstream.app).
"""

from django.urls import URLPattern, URLResolver, include, path

from integrations.sandbox import views
from integrations.sandbox.providers import SANDBOX_PROVIDERS

urlpatterns: list[URLPattern | URLResolver] = [
    # Sandbox-only control: receive an RMA now.
    path("<str:provider>/<str:key>/_control/receive", views.control_receive),
    *(path(f"{slug}/<str:key>/", include(spec.urlpatterns)) for slug, spec in SANDBOX_PROVIDERS.items()),
]
