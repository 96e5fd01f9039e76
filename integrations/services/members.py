"""A store's members: change a role, remove someone. A store always keeps at least one owner."""

from django.db import transaction

from config.exceptions import ApplicationError
from integrations.models import Store, StoreMembership

Role = StoreMembership.Role


def _other_owners(*, store: Store, membership: StoreMembership) -> int:
    """How many owners the store has besides `membership`, counted under a lock on the owners' rows, so two
    owners demoting each other at once cannot leave the store with none."""
    owners = list(
        StoreMembership.objects.select_for_update().filter(store=store, role=Role.OWNER).values_list("pk", flat=True)
    )
    return len([pk for pk in owners if pk != membership.pk])


@transaction.atomic
def membership_role_set(*, membership: StoreMembership, role: str) -> StoreMembership:
    """Give a member another role; the last owner cannot be made a member."""
    if role not in Role.values:
        raise ApplicationError(f"Choose a role: {' or '.join(Role.labels)}.")
    if role == membership.role:
        return membership
    if membership.role == Role.OWNER and not _other_owners(store=membership.store, membership=membership):
        raise ApplicationError(
            f"{membership.user.get_username()} is the store's only owner: make someone else an owner first."
        )
    membership.role = role
    membership.save(update_fields=["role", "updated_at"])
    return membership


@transaction.atomic
def membership_remove(*, membership: StoreMembership) -> None:
    """Remove someone from the store; the last owner cannot be removed."""
    if membership.role == Role.OWNER and not _other_owners(store=membership.store, membership=membership):
        raise ApplicationError(
            f"{membership.user.get_username()} is the store's only owner: make someone else an owner first."
        )
    membership.delete()
