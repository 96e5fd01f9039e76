from django.urls import path

from integrations.views import webhook_receive_view

app_name = "webhooks"

# Any provider slug is accepted here so that a post to a wrong URL is still stored (then 404).
urlpatterns = [
    path("<slug:provider>/<str:endpoint_token>/", webhook_receive_view, name="receive"),
]
