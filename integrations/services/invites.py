"""Single-use invites to join a store with a role (support's admin action, an owner's members page).

An invite is a row; its link carries a random token of which only the SHA-256 is stored, so the
link is shown once, to whoever created it. Accepting consumes it; support or an owner can revoke
it; it expires after INVITE_MAX_AGE; it may be bound to one email address. Links of the old
signed format (django.core.signing, nothing stored) are refused with a sentence saying so.
"""

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from integrations.models import Store, StoreInvite, StoreMembership

INVITE_MAX_AGE = dt.timedelta(days=7)
Role = StoreMembership.Role


class InviteError(Exception):
    """The invite link cannot be used; str(exc) is a plain-language reason."""


class InviteExpired(InviteError):
    pass


class InviteInvalid(InviteError):
    pass


class InviteWrongEmail(InviteError):
    """The invite is bound to another email address (the form says so next to the email)."""


@dataclass(frozen=True)
class NewInvite:
    invite: StoreInvite
    url: str  # the one time the link exists in clear: show it to its creator, never store or log it


def invite_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invite_url(token: str) -> str:
    return settings.PUBLIC_BASE_URL.rstrip("/") + reverse("setup:invite", kwargs={"token": token})


def invite_create(*, store: Store, created_by: Any, role: str = Role.MEMBER, email: str = "") -> NewInvite:
    """A new single-use invite to `store` with `role`, optionally for `email` only; its URL is returned once."""
    email = email.strip()
    if email:
        validate_email(email)
    if role not in Role.values:
        raise ValidationError({"role": f"Choose {' or '.join(Role.values)}."})
    token = secrets.token_urlsafe(32)
    invite = StoreInvite.objects.create(
        store=store,
        role=role,
        email=email,
        token_hash=invite_token_hash(token),
        created_by=created_by if getattr(created_by, "pk", None) else None,
        expires_at=timezone.now() + INVITE_MAX_AGE,
    )
    return NewInvite(invite=invite, url=invite_url(token))


def _looks_signed(token: str) -> bool:
    # django.core.signing's "payload:timestamp:signature"; our tokens are URL-safe base64 without a colon.
    return ":" in token


def invite_get(*, token: str, lock: bool = False) -> StoreInvite:
    """The open invite a link's token names; raises InviteExpired or InviteInvalid with the reason."""
    if _looks_signed(token):
        raise InviteInvalid("This invite link format is no longer accepted; ask for a new one.")
    queryset = StoreInvite.objects.select_related("store")
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    invite = queryset.filter(token_hash=invite_token_hash(token)).first()
    if invite is None:
        raise InviteInvalid("This invite link is not valid. Check that you copied all of it.")
    if invite.revoked_at is not None:
        raise InviteInvalid("This invite was revoked. Ask the store's owner or Backhaul support for a new one.")
    if invite.accepted_at is not None:
        raise InviteInvalid("This invite link has already been used. Ask for a new one to invite someone else.")
    if invite.expires_at <= timezone.now():
        raise InviteExpired("This invite link has expired. Ask the store's owner or Backhaul support for a new one.")
    if not invite.store.is_active:
        raise InviteInvalid("This invite link is for a store that no longer exists.")
    return invite


def invite_store_get(*, token: str) -> Store:
    """The store an open invite is for (InviteError when it cannot be used)."""
    return invite_get(token=token).store


def invite_email_check(*, invite: StoreInvite, email: str) -> None:
    """Refuse an address other than the one the invite is bound to (case does not matter)."""
    if invite.email and invite.email.strip().lower() != (email or "").strip().lower():
        raise InviteWrongEmail(
            "This invite was sent to a different email address. Use the address it was sent to, or ask the "
            "store's owner for an invite for this one."
        )


@transaction.atomic
def invite_accept(*, token: str, user: Any) -> StoreMembership:
    """Consume the invite: `user` joins its store with its role (a member invited as owner becomes one; an
    owner stays an owner). The row is locked, so two people racing for one link cannot both join."""
    invite = invite_get(token=token, lock=True)
    invite_email_check(invite=invite, email=user.email)
    membership, created = StoreMembership.objects.get_or_create(
        store=invite.store, user=user, defaults={"role": invite.role}
    )
    if not created and invite.role == Role.OWNER and membership.role != Role.OWNER:
        membership.role = Role.OWNER
        membership.save(update_fields=["role", "updated_at"])
    invite.accepted_at, invite.accepted_by = timezone.now(), user
    invite.save(update_fields=["accepted_at", "accepted_by", "updated_at"])
    return membership


@transaction.atomic
def invite_signup(*, token: str, username: str, email: str, password: str) -> Any:
    """Create a merchant account from an invite and consume it (nothing is created when the invite refuses)."""
    from django.contrib.auth import get_user_model

    invite_email_check(invite=invite_get(token=token), email=email)
    user = get_user_model().objects.create_user(username=username, email=email, password=password)
    invite_accept(token=token, user=user)
    return user


def invite_revoke(*, invite: StoreInvite, by: Any) -> StoreInvite:
    """Revoke an open invite (one already used or revoked is left as it is)."""
    updated = StoreInvite.objects.filter(pk=invite.pk, accepted_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_by=by if getattr(by, "pk", None) else None, updated_at=timezone.now()
    )
    invite.refresh_from_db()
    if not updated and invite.accepted_at is not None:
        raise InviteInvalid("This invite was already used; remove the member instead.")
    return invite


def invite_state(invite: StoreInvite) -> str:
    """ "open", "accepted", "revoked" or "expired", for lists."""
    if invite.accepted_at is not None:
        return "accepted"
    if invite.revoked_at is not None:
        return "revoked"
    if invite.expires_at <= timezone.now():
        return "expired"
    return "open"
