"""Users in each role of docs/security.md: support staff with every model permission of the project's apps,
view-only support staff, store owners and members."""

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from integrations.models import Store, StoreMembership

PROJECT_APPS = ("integrations", "returns", "warehouses", "sandbox", "config")


def staff_user(username: str, *, view_only: bool = False) -> Any:
    """A staff user with every permission of the project's apps, or only their view permissions."""
    user = get_user_model().objects.create_user(username, f"{username}@example.com", "pw", is_staff=True)
    perms = Permission.objects.filter(content_type__app_label__in=PROJECT_APPS)
    if view_only:
        perms = perms.filter(codename__startswith="view_")
    user.user_permissions.add(*perms)
    return get_user_model().objects.get(pk=user.pk)  # a fresh object: Django caches permissions per instance


def store_user(username: str, store: Store, role: str = StoreMembership.Role.MEMBER) -> Any:
    """A merchant user who belongs to `store` with `role`."""
    user = get_user_model().objects.create_user(username, f"{username}@example.com", "pw")
    StoreMembership.objects.create(store=store, user=user, role=role)
    return user
