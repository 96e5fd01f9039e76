"""A store's members page: who belongs to the store and with which role; owners invite (a single-use link,
shown once and emailed when the invite names an address), revoke invites, change roles and remove people.
A store always keeps an owner (integrations/services/members.py)."""

import logging
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from config.exceptions import ApplicationError
from integrations import access
from integrations.models import Store, StoreInvite, StoreMembership
from integrations.services import invites, members
from integrations.wizard.views import forbidden, wizard_view

logger = logging.getLogger(__name__)
Role = StoreMembership.Role


class MemberInviteForm(forms.Form):
    email = forms.EmailField(
        label="Email address",
        help_text="The invite works only for this address; we email the link to it.",
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    role = forms.ChoiceField(
        label="Role",
        choices=Role.choices,
        initial=Role.MEMBER,
        help_text="Owners change the setup, connections and members; members see returns and retry.",
    )


def _page(request: HttpRequest, store: Store, *, form: MemberInviteForm, status: int = 200, **extra: Any) -> Any:
    memberships = list(store.memberships.select_related("user").order_by("-role", "user__username"))
    open_invites = list(
        store.invites.filter(accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now())
        .select_related("created_by")
        .order_by("-created_at")[:100]
    )
    context = {
        "store": store,
        "store_page": "members",
        "memberships": memberships,
        "owner_count": sum(1 for m in memberships if m.role == Role.OWNER),
        "invites": open_invites,
        "can_manage": access.can(request.user, "member.manage", store),
        "can_invite": access.can(request.user, "invite.add", store),
        "roles": Role.choices,
        "form": form,
        **extra,
    }
    return render(request, "setup/store/members.html", context, status=status)


def _email_invite(request: HttpRequest, store: Store, new: invites.NewInvite) -> bool:
    """Email the link to the invited address (in the request, never through a task: a task's arguments would
    hold the link). False when the mail server refused; the page still shows the link once."""
    inviter = request.user.get_username()
    body = (
        f"{inviter} invited you to join {store.name} on Backhaul as {new.invite.get_role_display().lower()}.\n\n"
        f"Open this link to create your account or log in (it works once, for this address, until "
        f"{new.invite.expires_at:%Y-%m-%d %H:%M} UTC):\n{new.url}\n"
    )
    try:
        send_mail(f"Join {store.name} on Backhaul", body, None, [new.invite.email])
    except OSError:
        logger.warning("invite email not sent", extra={"store": store.pk, "invite": new.invite.pk})
        return False
    return True


@wizard_view
@require_http_methods(["GET", "POST"])
def members_page(request: HttpRequest, store: Store) -> HttpResponse:
    """GET: the store's members and open invites. POST (owners): invite, revoke an invite, change a role, remove."""
    if not access.can(request.user, "member.view", store):
        return forbidden(request, store, "member.view")
    action = request.POST.get("action", "")
    if request.method != "POST":
        return _page(request, store, form=MemberInviteForm())
    needed = {"invite": "invite.add", "revoke": "invite.revoke"}.get(action, "member.manage")
    if not access.can(request.user, needed, store):
        return forbidden(request, store, needed)
    if action == "invite":
        form = MemberInviteForm(request.POST)
        if not form.is_valid():
            return _page(request, store, form=form, status=422)
        try:
            new = invites.invite_create(
                store=store, created_by=request.user, role=form.cleaned_data["role"], email=form.cleaned_data["email"]
            )
        except ValidationError as exc:
            form.add_error(None, exc)
            return _page(request, store, form=form, status=422)
        sent = _email_invite(request, store, new)
        # The link is on this response only: not in a redirect's message cookie, not in the session.
        return _page(request, store, form=MemberInviteForm(), new_invite=new, emailed=sent)
    try:
        if action == "revoke":
            invite = get_object_or_404(StoreInvite, pk=_id(request, "invite"), store=store)
            invites.invite_revoke(invite=invite, by=request.user)
            messages.success(request, f"The invite for {invite.email or 'anyone with the link'} is revoked.")
        elif action == "role":
            membership = get_object_or_404(StoreMembership, pk=_id(request, "membership"), store=store)
            members.membership_role_set(membership=membership, role=request.POST.get("role", ""))
            name = membership.user.get_username()
            messages.success(request, f"{name} is now {membership.get_role_display().lower()}.")
        elif action == "remove":
            membership = get_object_or_404(StoreMembership, pk=_id(request, "membership"), store=store)
            members.membership_remove(membership=membership)
            messages.success(request, f"{membership.user.get_username()} no longer belongs to {store.name}.")
        else:
            messages.error(request, "Choose what to do: invite, change a role or remove someone.")
    except (ApplicationError, invites.InviteError) as exc:
        messages.error(request, str(exc))
    access.forget_roles(request.user)
    if not access.can(request.user, "member.view", store):  # they removed themselves
        return redirect("setup:index")
    return redirect("setup:members", slug=store.slug)


def _id(request: HttpRequest, name: str) -> int:
    value = request.POST.get(name, "")
    return int(value) if value.isdigit() and len(value) < 19 else 0
