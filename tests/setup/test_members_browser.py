"""The members page walk in Debian's chromium at 1366x768 (screenshots in var/artifacts/roles/): an owner invites
someone by email as a member; the link refuses a sign-up with another email, then takes the right one; the new
member sees the store but gets a 403 page on a setup step; the owner revokes a second invite and removes the member."""

from functools import partial
from typing import Any

import pytest
from django.core import mail
from playwright.sync_api import Browser, Page, Response, expect

from integrations.models import Store, StoreInvite, StoreMembership
from integrations.services.invites import InviteInvalid, invite_store_get
from tests.screens import screenshot

PASSWORD = "correct horse battery staple 7"
pytestmark = [pytest.mark.browser]


shot = partial(screenshot, folder="roles")


def watch_for_5xx(page: Page, seen: list[str]) -> None:
    def record(response: Response) -> None:
        if response.status >= 500:
            seen.append(f"{response.status} {response.request.method} {response.url}")

    page.on("response", record)
    page.set_default_timeout(20_000)


@pytest.fixture
def site(live_server: Any, settings: Any) -> str:
    from integrations.ratelimit import reset

    settings.PUBLIC_BASE_URL = live_server.url
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    reset(key="invite-signup:127.0.0.1", limit=settings.INVITE_SIGNUP_RATE_LIMIT)
    return str(live_server.url)


def log_in(page: Page, site: str, username: str) -> None:
    page.goto(f"{site}/setup/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_an_owner_invites_revokes_and_removes_members(
    site: str, page: Page, browser: Browser, django_user_model: Any
) -> None:
    errors: list[str] = []
    watch_for_5xx(page, errors)
    store = Store.objects.create(name="Acme Tees", slug="acme-tees")
    owner = django_user_model.objects.create_user("mia", "mia@example.com", PASSWORD)
    StoreMembership.objects.create(store=store, user=owner, role=StoreMembership.Role.OWNER)

    # The owner opens the members page from the store's navigation.
    log_in(page, site, "mia")
    page.goto(f"{site}/setup/stores/acme-tees/home/")
    page.get_by_role("link", name="Members").click()
    expect(page.get_by_role("heading", name="Members", exact=True)).to_be_visible()
    expect(page.get_by_text("The only owner: make someone else an owner first.")).to_be_visible()
    shot(page, "01-members-owner-alone")

    # An invite for ann@example.com as a member: the link is shown once and emailed.
    page.get_by_label("Email address").fill("ann@example.com")
    page.get_by_label("Role").select_option("member")
    page.get_by_role("button", name="Send invite").click()
    expect(page.get_by_role("heading", name="Invite created")).to_be_visible()
    expect(page.get_by_text("We emailed the invite to ann@example.com.")).to_be_visible()
    link = page.get_by_label("The link (shown only this once)").input_value()
    assert "/setup/invite/" in link
    assert [m.to for m in mail.outbox] == [["ann@example.com"]]
    expect(page.locator("#invites-title ~ table")).to_contain_text("ann@example.com")
    shot(page, "02-invite-created")

    # Ann opens the link in her own browser: another email is refused, then hers is taken.
    ann_context = browser.new_context(viewport={"width": 1366, "height": 768})
    ann = ann_context.new_page()
    watch_for_5xx(ann, errors)
    ann.goto(link)
    expect(ann.get_by_role("heading", name="Join Acme Tees on Backhaul")).to_be_visible()
    expect(ann.get_by_text("You are invited as a member")).to_be_visible()
    ann.get_by_label("User name").fill("ann")
    ann.get_by_label("Email").fill("someone.else@example.com")
    ann.locator("#id_signup-password1").fill(PASSWORD)
    ann.get_by_label("Password again").fill(PASSWORD)
    ann.get_by_role("button", name="Create account and join").click()
    expect(ann.locator("#id_signup-email_error")).to_contain_text("sent to a different email address")
    shot(ann, "03-invite-wrong-email")
    assert not StoreMembership.objects.filter(user__username="ann").exists()
    ann.get_by_label("Email").fill("ann@example.com")
    ann.locator("#id_signup-password1").fill(PASSWORD)
    ann.get_by_label("Password again").fill(PASSWORD)
    ann.get_by_role("button", name="Create account and join").click()
    expect(ann.get_by_text("You are now a member of Acme Tees.")).to_be_visible()
    expect(ann.get_by_role("heading", name="Acme Tees", exact=True)).to_be_visible()  # the overview, not the wizard
    shot(ann, "04-member-overview")

    # A member opening a setup step gets a page that says who may, not a form and not a 5xx.
    response = ann.goto(f"{site}/setup/stores/acme-tees/platform/")
    assert response is not None
    assert response.status == 403
    expect(ann.get_by_role("heading", name="You can't change this")).to_be_visible()
    expect(ann.get_by_text("Only the store's owners can change connections")).to_be_visible()
    shot(ann, "05-member-forbidden-step")
    # The used link does not work a second time.
    ann.goto(link)
    expect(ann.get_by_text("already been used")).to_be_visible()
    ann_context.close()

    # Back with the owner: Ann is listed; a second invite is revoked; Ann is removed.
    page.goto(f"{site}/setup/stores/acme-tees/members/")
    expect(page.locator("#members-title ~ table")).to_contain_text("ann@example.com")
    page.get_by_label("Email address").fill("bob@example.com")
    page.get_by_role("button", name="Send invite").click()
    bob_link = page.get_by_label("The link (shown only this once)").input_value()
    page.goto(f"{site}/setup/stores/acme-tees/members/")
    page.get_by_role("button", name="Revoke the invite for bob@example.com").click()
    expect(page.get_by_text("The invite for bob@example.com is revoked.")).to_be_visible()
    with pytest.raises(InviteInvalid, match="revoked"):
        invite_store_get(token=bob_link.rstrip("/").rsplit("/", 1)[1])
    page.get_by_role("button", name="Remove ann").click()
    expect(page.get_by_text("ann no longer belongs to Acme Tees.")).to_be_visible()
    shot(page, "06-member-removed")
    assert not StoreMembership.objects.filter(user__username="ann").exists()
    assert StoreInvite.objects.filter(accepted_at__isnull=False).count() == 1
    assert errors == []
