"""Support's "Create a setup invite link" action: it declares its permission, asks for the merchant's email and
role, creates a single-use invite row and shows the link once (never in the message cookie)."""

import re
from typing import Any

import pytest
from django.test import Client

from integrations.models import Store, StoreInvite
from integrations.services.invites import invite_store_get
from tests.roles import staff_user

pytestmark = pytest.mark.django_db


def _run(client: Client, store: Store, **extra: Any) -> Any:
    data = {"action": "create_invite_link", "_selected_action": [store.pk], **extra}
    return client.post("/admin/integrations/store/", data)


def test_support_creates_an_invite_link_that_opens_the_store(admin_client: Client) -> None:
    store = Store.objects.create(name="Acme Tees", slug="acme-tees")
    form = _run(admin_client, store)
    assert form.status_code == 200
    assert 'name="email"' in form.content.decode()
    assert not StoreInvite.objects.exists()

    done = _run(admin_client, store, post="yes", email="mia@example.com", role="owner")

    assert done.status_code == 200
    html = done.content.decode()
    token = re.search(r"/setup/invite/([^/]+)/", html).group(1)
    assert "valid for 7 days" in html
    assert invite_store_get(token=token) == store
    invite = StoreInvite.objects.get()
    assert (invite.email, invite.role) == ("mia@example.com", "owner")
    assert token not in str(done.cookies.get("messages", ""))
    assert "no-cache" in done["Cache-Control"] or "no-store" in done["Cache-Control"]


def test_a_bad_email_is_asked_again(admin_client: Client) -> None:
    store = Store.objects.create(name="Acme Tees", slug="acme-tees")
    response = _run(admin_client, store, post="yes", email="not an email", role="owner")
    assert response.status_code == 200
    assert "Enter a valid email address." in response.content.decode()
    assert not StoreInvite.objects.exists()


def test_view_only_staff_cannot_mint_invites(db: None) -> None:
    store = Store.objects.create(name="Acme Tees", slug="acme-tees")
    client = Client()
    client.force_login(staff_user("viewer", view_only=True))
    page = client.get("/admin/integrations/store/")
    assert page.status_code == 200
    assert "create_invite_link" not in page.content.decode()
    _run(client, store, post="yes", email="x@example.com", role="owner")
    assert not StoreInvite.objects.exists()


def test_support_revokes_an_invite_in_the_admin(admin_client: Client) -> None:
    from integrations.services.invites import InviteInvalid, invite_create

    store = Store.objects.create(name="Acme Tees", slug="acme-tees")
    new = invite_create(store=store, created_by=None)
    data = {"action": "revoke", "_selected_action": [new.invite.pk]}
    assert admin_client.post("/admin/integrations/storeinvite/", data).status_code == 200  # confirmation
    admin_client.post("/admin/integrations/storeinvite/", {**data, "post": "yes"})
    new.invite.refresh_from_db()
    assert new.invite.revoked_at is not None
    with pytest.raises(InviteInvalid, match="revoked"):
        invite_store_get(token=new.url.rstrip("/").rsplit("/", 1)[1])
