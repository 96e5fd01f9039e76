"""Roles bind in /setup/ (docs/security.md): an owner sets the store up and manages its members; a member sees
the store's pages and retries, and gets a 403 page (never a 5xx, never the form) on an owner-only step; view-only
staff read and never write. The members page: invite, revoke, change a role, remove; a store keeps an owner."""

from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from integrations.models import Store, StoreInvite, StoreMembership
from tests.factories import RMAFactory
from tests.roles import staff_user, store_user

pytestmark = pytest.mark.django_db

OWNER_STEPS = ["platform", "warehouse", "locations", "rules", "test", "live"]
READ_PAGES = ["home", "returns", "members"]


def logged_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def member(store: Store) -> Any:
    return store_user("max", store, StoreMembership.Role.MEMBER)


@pytest.fixture
def viewer(db: None) -> Any:
    return staff_user("viewer", view_only=True)


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("step", OWNER_STEPS)
def test_a_member_gets_a_403_page_on_owner_steps(
    store: Store, member: Any, merchant: Any, step: str, method: str
) -> None:
    response = getattr(logged_in(member), method)(reverse(f"setup:{step}", kwargs={"slug": store.slug}), {})
    assert response.status_code == 403
    html = response.content.decode()
    assert "Only the store&#x27;s owners can" in html
    assert "mia" in html  # the owner to ask
    assert store.connections.count() == 0


@pytest.mark.parametrize("step", OWNER_STEPS)
def test_view_only_staff_get_a_403_page_on_setup_steps(store: Store, viewer: Any, step: str) -> None:
    response = logged_in(viewer).post(reverse(f"setup:{step}", kwargs={"slug": store.slug}), {})
    assert response.status_code == 403
    assert store.connections.count() == 0


@pytest.mark.parametrize("step", OWNER_STEPS)
def test_an_owner_opens_every_step(merchant_client: Client, store: Store, step: str) -> None:
    response = merchant_client.get(reverse(f"setup:{step}", kwargs={"slug": store.slug}), follow=True)
    assert response.status_code == 200


# Not `page`: that is Playwright's fixture, which the CSP watcher (tests/conftest.py) would take this for.
@pytest.mark.parametrize("page_name", READ_PAGES)
@pytest.mark.parametrize("who", ["member", "viewer", "owner"])
def test_store_pages_are_read_by_members_owners_and_view_only_staff(
    store: Store, member: Any, viewer: Any, merchant: Any, who: str, page_name: str
) -> None:
    user = {"member": member, "viewer": viewer, "owner": merchant}[who]
    assert logged_in(user).get(reverse(f"setup:{page_name}", kwargs={"slug": store.slug})).status_code == 200


def test_a_member_lands_on_the_overview_not_the_wizard(store: Store, member: Any) -> None:
    response = logged_in(member).get(reverse("setup:resume", kwargs={"slug": store.slug}))
    assert response["Location"] == reverse("setup:home", kwargs={"slug": store.slug})
    home = logged_in(member).get(response["Location"]).content.decode()
    assert "An owner of the store finishes the setup." in home
    assert reverse("setup:platform", kwargs={"slug": store.slug}) not in home


def test_a_member_retries_an_rma_and_tests_a_connection(store: Store, member: Any, monkeypatch: Any) -> None:
    from integrations.merchant import views as merchant_views
    from integrations.wizard.services import CheckResult

    rma = RMAFactory(return_obj__store=store, status="needs_attention", store=store)
    client = logged_in(member)
    retry = client.post(reverse("merchant_rma_retry", kwargs={"slug": store.slug, "pk": rma.pk}))
    assert retry.status_code == 302
    rma.refresh_from_db()
    assert rma.status == "pending"
    connection = rma.warehouse_connection
    monkeypatch.setattr(merchant_views, "connection_verify", lambda *, connection: CheckResult(ok=True, message="OK"))
    tested = client.post(reverse("setup:connection_test", kwargs={"slug": store.slug, "pk": connection.pk}))
    assert tested.status_code == 302


def test_view_only_staff_cannot_retry_an_rma(store: Store, viewer: Any) -> None:
    rma = RMAFactory(return_obj__store=store, status="needs_attention", store=store)
    response = logged_in(viewer).post(reverse("merchant_rma_retry", kwargs={"slug": store.slug, "pk": rma.pk}))
    assert response.status_code == 403
    rma.refresh_from_db()
    assert rma.status == "needs_attention"


# --- The members page ------------------------------------------------------------------------------


def members_url(store: Store) -> str:
    return reverse("setup:members", kwargs={"slug": store.slug})


def test_an_owner_invites_by_email_and_the_link_is_shown_once_and_emailed(
    merchant_client: Client, store: Store, settings: Any
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    response = merchant_client.post(
        members_url(store), {"action": "invite", "email": "ann@example.com", "role": "member"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    invite = StoreInvite.objects.get()
    assert (invite.email, invite.role, invite.created_by.username) == ("ann@example.com", "member", "mia")
    link = html.split('id="invite-link"', 1)[1].split('value="', 1)[1].split('"', 1)[0]
    assert "/setup/invite/" in link
    [email] = mail.outbox
    assert email.to == ["ann@example.com"]
    assert link in email.body
    assert link not in merchant_client.get(members_url(store)).content.decode()  # shown once


def test_a_member_sees_the_members_but_cannot_manage_them(store: Store, member: Any, merchant: Any) -> None:
    client = logged_in(member)
    page = client.get(members_url(store)).content.decode()
    assert "mia" in page
    assert "Send invite" not in page
    for data in (
        {"action": "invite", "email": "x@example.com", "role": "owner"},
        {"action": "remove", "membership": str(StoreMembership.objects.get(user=merchant).pk)},
        {"action": "role", "membership": str(StoreMembership.objects.get(user=member).pk), "role": "owner"},
    ):
        assert client.post(members_url(store), data).status_code == 403
    assert not StoreInvite.objects.exists()
    assert StoreMembership.objects.get(user=member).role == "member"
    assert StoreMembership.objects.filter(user=merchant).exists()


def test_view_only_staff_cannot_manage_members(store: Store, viewer: Any, member: Any) -> None:
    response = logged_in(viewer).post(
        members_url(store), {"action": "remove", "membership": str(StoreMembership.objects.get(user=member).pk)}
    )
    assert response.status_code == 403
    assert StoreMembership.objects.filter(user=member).exists()


def test_an_owner_changes_a_role_and_removes_a_member(merchant_client: Client, store: Store, member: Any) -> None:
    membership = StoreMembership.objects.get(user=member)
    merchant_client.post(members_url(store), {"action": "role", "membership": membership.pk, "role": "owner"})
    membership.refresh_from_db()
    assert membership.role == "owner"
    merchant_client.post(members_url(store), {"action": "remove", "membership": membership.pk})
    assert not StoreMembership.objects.filter(pk=membership.pk).exists()


@pytest.mark.parametrize("action", ["role", "remove"])
def test_the_last_owner_cannot_be_demoted_or_removed(
    merchant_client: Client, store: Store, merchant: Any, action: str
) -> None:
    own = StoreMembership.objects.get(user=merchant)
    response = merchant_client.post(
        members_url(store), {"action": action, "membership": own.pk, "role": "member"}, follow=True
    )
    assert response.status_code == 200
    assert "the store&#x27;s only owner" in response.content.decode()
    own.refresh_from_db()
    assert own.role == "owner"


def test_an_owner_revokes_an_invite(merchant_client: Client, store: Store) -> None:
    from integrations.services.invites import InviteInvalid, invite_create, invite_store_get

    new = invite_create(store=store, created_by=None, email="ann@example.com")
    merchant_client.post(members_url(store), {"action": "revoke", "invite": new.invite.pk})
    with pytest.raises(InviteInvalid, match="revoked"):
        invite_store_get(token=new.url.rstrip("/").rsplit("/", 1)[1])


def test_an_owner_cannot_touch_another_stores_members(merchant_client: Client, other_store: Store) -> None:
    stranger = store_user("zed", other_store, StoreMembership.Role.OWNER)
    theirs = StoreMembership.objects.get(user=stranger)
    assert merchant_client.get(members_url(other_store)).status_code == 404
    assert (
        merchant_client.post(members_url(other_store), {"action": "remove", "membership": theirs.pk}).status_code == 404
    )
    assert StoreMembership.objects.filter(pk=theirs.pk).exists()


@pytest.mark.parametrize("bad", ["", "abc", "99999999999999999999999", "-1"])
def test_bad_ids_on_the_members_page_are_404_not_500(merchant_client: Client, store: Store, bad: str) -> None:
    assert merchant_client.post(members_url(store), {"action": "remove", "membership": bad}).status_code == 404
