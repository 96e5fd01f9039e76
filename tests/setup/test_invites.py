"""Signed, expiring invite links: created for support, accepted by new or existing users; tampering rejected."""

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from integrations.models import Store, StoreMembership
from integrations.services.invites import (
    InviteExpired,
    InviteInvalid,
    invite_accept,
    invite_create,
    invite_store_get,
    invite_token_create,
)

pytestmark = pytest.mark.django_db


def test_invite_create_returns_an_absolute_url_under_setup(store: Store, admin_user: Any, settings: Any) -> None:
    settings.PUBLIC_BASE_URL = "https://backhaul.example.com"
    url = invite_create(store=store, created_by=admin_user)
    assert url.startswith("https://backhaul.example.com/setup/invite/")
    token = url.rstrip("/").rsplit("/", 1)[1]
    assert invite_store_get(token=token) == store


def test_expired_token_is_rejected(store: Store, admin_user: Any) -> None:
    with time_machine.travel(dt.datetime(2025, 1, 1, tzinfo=dt.UTC), tick=False):
        token = invite_token_create(store=store, created_by=admin_user)
    with time_machine.travel(dt.datetime(2025, 1, 9, tzinfo=dt.UTC), tick=False), pytest.raises(InviteExpired):
        invite_store_get(token=token)


def test_tampered_token_is_rejected(store: Store, other_store: Store, admin_user: Any) -> None:
    token = invite_token_create(store=store, created_by=admin_user)
    other = invite_token_create(store=other_store, created_by=admin_user)
    # The payload of one link with the signature of another.
    forged = other.split(":", 1)[0] + ":" + token.split(":", 1)[1]
    with pytest.raises(InviteInvalid):
        invite_store_get(token=forged)
    with pytest.raises(InviteInvalid):
        invite_store_get(token=token[:-2] + ("AA" if not token.endswith("AA") else "BB"))


def test_token_for_an_inactive_store_is_rejected(store: Store, admin_user: Any) -> None:
    token = invite_token_create(store=store, created_by=admin_user)
    Store.objects.filter(pk=store.pk).update(is_active=False)
    with pytest.raises(InviteInvalid):
        invite_store_get(token=token)


def test_accept_is_idempotent(store: Store, admin_user: Any, django_user_model: Any) -> None:
    user = django_user_model.objects.create_user(username="ivy", password="x")
    token = invite_token_create(store=store, created_by=admin_user)
    invite_accept(token=token, user=user)
    invite_accept(token=token, user=user)
    assert StoreMembership.objects.filter(store=store, user=user).count() == 1


def test_invite_page_creates_an_account_and_joins(client: Client, store: Store, admin_user: Any) -> None:
    url = reverse("setup:invite", kwargs={"token": invite_token_create(store=store, created_by=admin_user)})
    page = client.get(url)
    assert page.status_code == 200
    assert b"Join Acme Tees" in page.content
    response = client.post(
        url,
        {
            "action": "signup",
            "signup-username": "newbie",
            "signup-email": "newbie@example.com",
            "signup-password1": "a long enough pass 42",
            "signup-password2": "a long enough pass 42",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("setup:resume", kwargs={"slug": store.slug})
    assert StoreMembership.objects.filter(store=store, user__username="newbie").exists()
    assert client.get(response["Location"]).status_code == 302  # logged in: resumes at a step


def test_invite_page_logs_an_existing_user_in_and_joins(
    client: Client, store: Store, admin_user: Any, django_user_model: Any
) -> None:
    django_user_model.objects.create_user(username="existing", password="old secret 77")
    url = reverse("setup:invite", kwargs={"token": invite_token_create(store=store, created_by=admin_user)})
    response = client.post(url, {"action": "login", "login-username": "existing", "login-password": "old secret 77"})
    assert response.status_code == 302
    assert StoreMembership.objects.filter(store=store, user__username="existing").exists()


def test_invite_signup_errors_are_linked_to_their_fields(client: Client, store: Store, admin_user: Any) -> None:
    url = reverse("setup:invite", kwargs={"token": invite_token_create(store=store, created_by=admin_user)})
    response = client.post(
        url,
        {
            "action": "signup",
            "signup-username": "x",
            "signup-email": "not-an-email",
            "signup-password1": "abc",
            "signup-password2": "abd",
        },
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="id_signup-email_error"' in html
    assert 'aria-describedby="id_signup-email_error"' in html
    assert not StoreMembership.objects.filter(store=store).exists()


@pytest.mark.parametrize("mangle", ["expired", "tampered"])
def test_invite_page_rejects_bad_links(client: Client, store: Store, admin_user: Any, mangle: str) -> None:
    if mangle == "expired":
        with time_machine.travel(dt.datetime(2025, 1, 1, tzinfo=dt.UTC), tick=False):
            token = invite_token_create(store=store, created_by=admin_user)
    else:
        token = invite_token_create(store=store, created_by=admin_user) + "x"
    response = client.get(reverse("setup:invite", kwargs={"token": token}))
    assert response.status_code == 400
    assert "This invite link can't be used" in response.content.decode()
    assert ("expired" if mangle == "expired" else "not valid") in response.content.decode()
    post = client.post(reverse("setup:invite", kwargs={"token": token}), {"action": "join"})
    assert post.status_code == 400


def test_a_logged_in_user_joins_with_one_click(
    merchant_client: Client, other_store: Store, admin_user: Any, merchant: Any
) -> None:
    url = reverse("setup:invite", kwargs={"token": invite_token_create(store=other_store, created_by=admin_user)})
    assert "Join Other Shop" in merchant_client.get(url).content.decode()
    assert merchant_client.get(reverse("setup:platform", kwargs={"slug": other_store.slug})).status_code == 404
    response = merchant_client.post(url, {"action": "join"})
    assert response["Location"] == reverse("setup:resume", kwargs={"slug": other_store.slug})
    assert merchant_client.get(reverse("setup:platform", kwargs={"slug": other_store.slug})).status_code == 200
