"""API test fixtures: staff, a merchant of store A, a merchant of store B, and clients with their tokens."""

from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from integrations.models import Store, StoreMembership
from tests.factories import StoreFactory


def token_client(user: Any) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@dataclass
class World:
    store_a: Store
    store_b: Store
    staff: APIClient
    merchant_a: APIClient
    merchant_b: APIClient
    anonymous: APIClient


@pytest.fixture
def world(db: None) -> World:
    user_model = get_user_model()
    staff = user_model.objects.create_user("staff", password="x", is_staff=True)
    merchant_a = user_model.objects.create_user("merchant-a", password="x")
    merchant_b = user_model.objects.create_user("merchant-b", password="x")
    store_a = StoreFactory(name="Store A", slug="store-a")
    store_b = StoreFactory(name="Store B", slug="store-b")
    StoreMembership.objects.create(store=store_a, user=merchant_a, role=StoreMembership.Role.OWNER)
    StoreMembership.objects.create(store=store_b, user=merchant_b)
    return World(
        store_a=store_a,
        store_b=store_b,
        staff=token_client(staff),
        merchant_a=token_client(merchant_a),
        merchant_b=token_client(merchant_b),
        anonymous=APIClient(),
    )


def assert_error(response: Any, status: int, code: str | None = None) -> dict:
    """The response is an error in the one shape, with this status (and code)."""
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "details"}, body
    if code is not None:
        assert body["error"]["code"] == code, body
    return body["error"]
