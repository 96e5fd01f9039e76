"""Signed, expiring invite links that let a merchant user join a store.

The link carries the store id and who created it, signed with SECRET_KEY and timestamped
(django.core.signing): nothing is stored, so a link stays valid for anyone who holds it until
it expires. Rotating SECRET_KEY revokes every outstanding link.
"""

import datetime as dt
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse

from integrations.models import Store, StoreMembership

INVITE_SALT = "backhaul.integrations.store-invite"
INVITE_MAX_AGE = dt.timedelta(days=7)


class InviteError(Exception):
    """The invite link cannot be used; str(exc) is a plain-language reason."""


class InviteExpired(InviteError):
    pass


class InviteInvalid(InviteError):
    pass


def invite_token_create(*, store: Store, created_by: Any) -> str:
    """A signed, timestamped token naming the store."""
    return signing.dumps({"store": store.pk, "by": getattr(created_by, "pk", None)}, salt=INVITE_SALT)


def invite_create(*, store: Store, created_by: Any) -> str:
    """The absolute invite URL for `store` (valid for INVITE_MAX_AGE), for support to send to a merchant."""
    token = invite_token_create(store=store, created_by=created_by)
    return settings.PUBLIC_BASE_URL.rstrip("/") + reverse("setup:invite", kwargs={"token": token})


def invite_store_get(*, token: str) -> Store:
    """The active store a token invites to; raises InviteExpired or InviteInvalid."""
    try:
        data = signing.loads(token, salt=INVITE_SALT, max_age=INVITE_MAX_AGE)
    except signing.SignatureExpired as exc:
        raise InviteExpired("This invite link has expired. Ask Backhaul support for a new one.") from exc
    except signing.BadSignature as exc:
        raise InviteInvalid("This invite link is not valid. Check that you copied all of it.") from exc
    store_id = data.get("store") if isinstance(data, dict) else None
    store = Store.objects.filter(pk=store_id, is_active=True).first() if isinstance(store_id, int) else None
    if store is None:
        raise InviteInvalid("This invite link is for a store that no longer exists.")
    return store


@transaction.atomic
def invite_accept(*, token: str, user: Any) -> StoreMembership:
    """Make `user` a member of the invited store (idempotent: an existing membership is kept)."""
    store = invite_store_get(token=token)
    membership, _created = StoreMembership.objects.get_or_create(
        store=store, user=user, defaults={"role": StoreMembership.Role.MEMBER}
    )
    return membership


@transaction.atomic
def invite_signup(*, token: str, username: str, email: str, password: str) -> Any:
    """Create a merchant account from an invite and make it a member of the store."""
    from django.contrib.auth import get_user_model

    invite_store_get(token=token)
    user = get_user_model().objects.create_user(username=username, email=email, password=password)
    invite_accept(token=token, user=user)
    return user
