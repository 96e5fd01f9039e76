"""Unknown paths under /api/ answer 404 in the API's one error shape, never Django's HTML page:
also with DEBUG on (make run's default, where handler404 does not apply) and for any method."""

from typing import Any

import pytest
from django.test import Client, override_settings

pytestmark = pytest.mark.django_db

PATHS = ["/api/v1/no-such-thing/", "/api/v1/no-such-thing", "/api", "/api/", "/api/v2/stores/", "/api/v1/stores/abc/"]


@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize("method", ["get", "post", "put", "delete"])
@pytest.mark.parametrize("path", PATHS)
def test_unknown_api_paths_answer_the_json_error_shape(debug: bool, method: str, path: str) -> None:
    client = Client(enforce_csrf_checks=True)
    with override_settings(DEBUG=debug):
        response = getattr(client, method)(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"error": {"code": "not_found", "message": "Not found.", "details": {}}}


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_path_missing_only_its_final_slash_gets_a_hint_not_a_redirect(admin_client: Any, method: str) -> None:
    response = getattr(admin_client, method)("/api/v1/stores", {"name": "x"})
    assert response.status_code == 404
    assert response.json()["error"]["message"] == "Not found. API paths end with a slash: /api/v1/stores/"


def test_pages_outside_the_api_keep_the_html_404(client: Any) -> None:
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
