"""Single-use invites: a stored row (only the token's hash), consumed on acceptance, revocable, expiring, bound to an
email when one was given, sign-ups rate-limited per address; old signed links refused with a clear sentence."""

import datetime as dt
import hashlib
from typing import Any

import pytest
import time_machine
from django.core import signing
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from integrations.models import Store, StoreInvite, StoreMembership
from integrations.services.invites import (
    InviteExpired,
    InviteInvalid,
    InviteWrongEmail,
    invite_accept,
    invite_create,
    invite_revoke,
    invite_store_get,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_signup_limit(settings: Any) -> None:
    from integrations.ratelimit import reset

    reset(key="invite-signup:127.0.0.1", limit=settings.INVITE_SIGNUP_RATE_LIMIT)


def token_of(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[1]


def new_token(store: Store, by: Any, **kwargs: Any) -> str:
    return token_of(invite_create(store=store, created_by=by, **kwargs).url)


def signup(client: Client, token: str, username: str, email: str) -> Any:
    return client.post(
        reverse("setup:invite", kwargs={"token": token}),
        {
            "action": "signup",
            "signup-username": username,
            "signup-email": email,
            "signup-password1": "a long enough pass 42",
            "signup-password2": "a long enough pass 42",
        },
    )


def test_invite_create_returns_an_absolute_url_and_stores_only_a_hash(
    store: Store, admin_user: Any, settings: Any
) -> None:
    settings.PUBLIC_BASE_URL = "https://backhaul.example.com"
    new = invite_create(store=store, created_by=admin_user, role="owner", email="mia@example.com")
    assert new.url.startswith("https://backhaul.example.com/setup/invite/")
    token = token_of(new.url)
    row = StoreInvite.objects.get()
    assert (row.store, row.role, row.email, row.created_by) == (store, "owner", "mia@example.com", admin_user)
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(list(StoreInvite.objects.values()))
    assert invite_store_get(token=token) == store


def test_an_invite_is_consumed_by_its_first_acceptance(store: Store, admin_user: Any, django_user_model: Any) -> None:
    first = django_user_model.objects.create_user(username="ivy", password="x")
    second = django_user_model.objects.create_user(username="joe", password="x")
    token = new_token(store, admin_user)
    invite_accept(token=token, user=first)
    with pytest.raises(InviteInvalid, match="already been used"):
        invite_accept(token=token, user=second)
    assert not StoreMembership.objects.filter(store=store, user=second).exists()
    row = StoreInvite.objects.get()
    assert (row.accepted_by, row.accepted_at is not None) == (first, True)


def test_one_link_signs_up_one_account(client: Client, store: Store, admin_user: Any) -> None:
    token = new_token(store, admin_user)
    assert signup(client, token, "newbie", "newbie@example.com").status_code == 302
    again = signup(Client(), token, "second", "second@example.com")
    assert again.status_code == 400
    assert "already been used" in again.content.decode()
    assert list(StoreMembership.objects.filter(store=store).values_list("user__username", flat=True)) == ["newbie"]


def test_the_invites_role_is_the_membership_role(client: Client, store: Store, admin_user: Any) -> None:
    assert signup(client, new_token(store, admin_user, role="owner"), "boss", "boss@example.com").status_code == 302
    assert StoreMembership.objects.get(user__username="boss").role == "owner"


def test_an_owner_invite_makes_an_existing_member_an_owner(store: Store, admin_user: Any, merchant: Any) -> None:
    StoreMembership.objects.filter(user=merchant).update(role="member")
    invite_accept(token=new_token(store, admin_user, role="owner"), user=merchant)
    assert StoreMembership.objects.get(user=merchant).role == "owner"


def test_an_expired_invite_is_refused(store: Store, admin_user: Any) -> None:
    token = new_token(store, admin_user)
    with time_machine.travel(timezone.now() + dt.timedelta(days=8)), pytest.raises(InviteExpired):
        invite_store_get(token=token)


def test_a_revoked_invite_is_refused(client: Client, store: Store, admin_user: Any) -> None:
    token = new_token(store, admin_user)
    invite_revoke(invite=StoreInvite.objects.get(), by=admin_user)
    with pytest.raises(InviteInvalid, match="revoked"):
        invite_store_get(token=token)
    page = client.get(reverse("setup:invite", kwargs={"token": token}))
    assert page.status_code == 400
    assert "This invite was revoked" in page.content.decode()


def test_an_invite_for_an_inactive_store_is_refused(store: Store, admin_user: Any) -> None:
    token = new_token(store, admin_user)
    Store.objects.filter(pk=store.pk).update(is_active=False)
    with pytest.raises(InviteInvalid):
        invite_store_get(token=token)


def test_an_invite_bound_to_an_email_refuses_another_then_takes_the_right_one(
    client: Client, store: Store, admin_user: Any
) -> None:
    token = new_token(store, admin_user, email="Mia@Example.com")
    wrong = signup(client, token, "mallory", "mallory@example.com")
    assert wrong.status_code == 422
    html = wrong.content.decode()
    assert "This invite was sent to a different email address" in html
    assert 'id="id_signup-email_error"' in html
    assert not StoreMembership.objects.filter(store=store).exists()
    assert signup(client, token, "mia2", "mia@example.com").status_code == 302
    assert StoreMembership.objects.filter(store=store, user__username="mia2").exists()


def test_a_bound_invite_refuses_a_logged_in_user_with_another_email(
    store: Store, admin_user: Any, django_user_model: Any
) -> None:
    user = django_user_model.objects.create_user(username="eve", password="x", email="eve@example.com")
    token = new_token(store, admin_user, email="mia@example.com")
    with pytest.raises(InviteWrongEmail):
        invite_accept(token=token, user=user)
    client = Client()
    client.force_login(user)
    response = client.post(reverse("setup:invite", kwargs={"token": token}), {"action": "join"})
    assert response.status_code == 422
    assert "different email address" in response.content.decode()
    assert StoreInvite.objects.get().accepted_at is None


def test_an_old_signed_link_is_refused_with_a_clear_message(client: Client, store: Store) -> None:
    old = signing.dumps({"store": store.pk, "by": None}, salt="backhaul.integrations.store-invite")
    with pytest.raises(InviteInvalid, match="no longer accepted"):
        invite_store_get(token=old)
    page = client.get(reverse("setup:invite", kwargs={"token": old}))
    assert page.status_code == 400
    assert "this invite link format is no longer accepted; ask for a new one" in page.content.decode().lower()


def test_signups_are_rate_limited_per_address(client: Client, store: Store, admin_user: Any, settings: Any) -> None:
    from integrations.ratelimit import reset

    settings.INVITE_SIGNUP_RATE_LIMIT = "2/hour"
    reset(key="invite-signup:127.0.0.1", limit="2/hour")
    for n in range(2):
        assert signup(client, new_token(store, admin_user), f"user{n}", f"user{n}@example.com").status_code == 302
        client.logout()
    blocked = signup(client, new_token(store, admin_user), "user9", "user9@example.com")
    assert blocked.status_code == 429
    assert int(blocked["Retry-After"]) > 0
    assert "Too many accounts" in blocked.content.decode()
    assert not StoreMembership.objects.filter(user__username="user9").exists()
    # Another address is not held up.
    other = Client(REMOTE_ADDR="203.0.113.9")
    reset(key="invite-signup:203.0.113.9", limit="2/hour")
    assert signup(other, new_token(store, admin_user), "user10", "user10@example.com").status_code == 302


def test_invite_page_creates_an_account_and_joins(client: Client, store: Store, admin_user: Any) -> None:
    url = reverse("setup:invite", kwargs={"token": new_token(store, admin_user)})
    page = client.get(url)
    assert page.status_code == 200
    assert b"Join Acme Tees" in page.content
    response = signup(client, token_of(url), "newbie", "newbie@example.com")
    assert response.status_code == 302
    assert response["Location"] == reverse("setup:resume", kwargs={"slug": store.slug})
    assert StoreMembership.objects.filter(store=store, user__username="newbie").exists()
    assert client.get(response["Location"]).status_code == 302  # logged in: goes on to the store


def test_invite_page_logs_an_existing_user_in_and_joins(
    client: Client, store: Store, admin_user: Any, django_user_model: Any
) -> None:
    django_user_model.objects.create_user(username="existing", password="old secret 77")
    url = reverse("setup:invite", kwargs={"token": new_token(store, admin_user)})
    response = client.post(url, {"action": "login", "login-username": "existing", "login-password": "old secret 77"})
    assert response.status_code == 302
    assert StoreMembership.objects.filter(store=store, user__username="existing").exists()


def test_invite_signup_errors_are_linked_to_their_fields(client: Client, store: Store, admin_user: Any) -> None:
    url = reverse("setup:invite", kwargs={"token": new_token(store, admin_user)})
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
            token = new_token(store, admin_user)
    else:
        token = new_token(store, admin_user) + "x"
    response = client.get(reverse("setup:invite", kwargs={"token": token}))
    assert response.status_code == 400
    assert "This invite link can't be used" in response.content.decode()
    assert ("expired" if mangle == "expired" else "not valid") in response.content.decode()
    post = client.post(reverse("setup:invite", kwargs={"token": token}), {"action": "join"})
    assert post.status_code == 400


def test_a_logged_in_user_joins_with_one_click(
    merchant_client: Client, other_store: Store, admin_user: Any, merchant: Any
) -> None:
    url = reverse("setup:invite", kwargs={"token": new_token(other_store, admin_user, role="owner")})
    assert "Join Other Shop" in merchant_client.get(url).content.decode()
    assert merchant_client.get(reverse("setup:platform", kwargs={"slug": other_store.slug})).status_code == 404
    response = merchant_client.post(url, {"action": "join"})
    assert response["Location"] == reverse("setup:resume", kwargs={"slug": other_store.slug})
    assert merchant_client.get(reverse("setup:platform", kwargs={"slug": other_store.slug})).status_code == 200
