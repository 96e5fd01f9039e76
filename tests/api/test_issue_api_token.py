"""`manage.py issue_api_token <username>` issues a token that authenticates against the API."""

from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from tests.api.conftest import World


def issue(*args: str) -> str:
    out = StringIO()
    call_command("issue_api_token", *args, stdout=out)
    return out.getvalue().strip()


def test_the_issued_token_reads_only_the_users_stores(world: World, django_user_model: Any) -> None:
    key = issue("merchant-a")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = client.get("/api/v1/stores/")
    assert response.status_code == 200
    assert [row["slug"] for row in response.json()["results"]] == ["store-a"]


def test_issuing_again_returns_the_same_token_unless_rotated(world: World) -> None:
    first = issue("merchant-b")
    assert issue("merchant-b") == first
    rotated = issue("merchant-b", "--rotate")
    assert rotated != first
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {first}")
    assert client.get("/api/v1/stores/").status_code == 401


@pytest.mark.django_db
def test_unknown_user_is_an_error() -> None:
    with pytest.raises(CommandError, match="No user named"):
        issue("nobody")
