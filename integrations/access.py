"""Who may do what: one table of actions, asked by the admin, the REST API, the setup wizard and the merchant pages.

Each action names the Django model permission that lets a staff user do it (view-only staff hold
only the view permissions, so they read and never write) and the least store role that lets a
store member do it in their own store (None: support only). A person gets what either grants: a
staff user who is also a store's owner may act as its owner. reliability.md rule 16: the same
question for the same action everywhere, so a read-only role cannot write through any surface.
docs/security.md is this table in words, with the test behind each cell.
"""

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from integrations.models import Store, StoreMembership

OWNER = StoreMembership.Role.OWNER
MEMBER = StoreMembership.Role.MEMBER
# A role includes every role ranked below it.
ROLE_RANK: dict[str, int] = {MEMBER.value: 1, OWNER.value: 2}


@dataclass(frozen=True)
class Rule:
    perm: str  # the Django model permission a staff user needs ("app_label.codename")
    role: str | None  # the least store role that may, in its own store; None: staff only
    words: str  # what the action is, for a refusal ("Only the store's owners can <words>.")


def _rows(name: str, app: str, model: str, words: str) -> dict[str, Rule]:
    """A store's configuration rows: members read them, owners add, change and delete them."""
    return {
        f"{name}.view": Rule(f"{app}.view_{model}", MEMBER, f"see {words}"),
        f"{name}.add": Rule(f"{app}.add_{model}", OWNER, f"add {words}"),
        f"{name}.change": Rule(f"{app}.change_{model}", OWNER, f"change {words}"),
        f"{name}.delete": Rule(f"{app}.delete_{model}", OWNER, f"delete {words}"),
    }


RULES: dict[str, Rule] = {
    # The store and its setup.
    "store.view": Rule("integrations.view_store", MEMBER, "see this store"),
    "store.add": Rule("integrations.add_store", None, "create stores"),
    "store.change": Rule("integrations.change_store", OWNER, "change the store's rules"),
    # Whether a store is active or a sandbox is support's decision (the sandbox guard depends on it).
    "store.support_fields": Rule("integrations.change_store", None, "change whether a store is active or a sandbox"),
    "store.go_live": Rule("integrations.change_connection", OWNER, "take the store live"),
    "store.test_return": Rule("integrations.change_connection", OWNER, "send a test return"),
    # Connections: credentials, base URLs and options are configuration.
    "connection.view": Rule("integrations.view_connection", MEMBER, "see connections"),
    "connection.add": Rule("integrations.add_connection", OWNER, "add connections"),
    "connection.change": Rule(
        "integrations.change_connection", OWNER, "change connections (credentials, addresses, webhooks)"
    ),
    # A test is one read-only call with the stored credentials: what a member does when told to retry.
    "connection.test": Rule("integrations.change_connection", MEMBER, "test a connection"),
    "connection.pause": Rule("integrations.change_connection", OWNER, "pause a connection"),
    "connection.resume": Rule("integrations.change_connection", OWNER, "resume a connection"),
    "connection.reset_breaker": Rule("integrations.change_connection", None, "reset a circuit breaker"),
    "connection.rotate": Rule("integrations.change_connection", None, "rotate webhook secrets and URLs"),
    # Webhooks: a replay processes an event again, which may plan and send new RMAs: owners only.
    "webhook.view": Rule("integrations.view_inboundwebhook", MEMBER, "see webhooks"),
    "webhook.replay": Rule("integrations.change_inboundwebhook", OWNER, "replay webhooks"),
    # Returns and RMAs: members see them and retry what needs attention.
    "return.view": Rule("returns.view_return", MEMBER, "see returns"),
    "return.platform_action_retry": Rule("returns.change_return", MEMBER, "retry a platform action"),
    "return.replan": Rule("returns.change_rma", None, "re-plan RMAs"),
    "return.resync": Rule("returns.change_return", None, "resync a return from its platform"),
    "rma.view": Rule("returns.view_rma", MEMBER, "see RMAs"),
    "rma.retry": Rule("returns.change_rma", MEMBER, "retry an RMA"),
    # A cancel sends something new to the warehouse, not a retry: owners only.
    "rma.cancel": Rule("returns.change_rma", OWNER, "cancel an RMA"),
    "rma.correct_status": Rule("returns.change_rma", None, "correct an RMA's status"),
    # Orphan receipts (parcels that matched no RMA): members see them and link one to its return, which applies
    # what the warehouse received once, like a retry; dismissing one (saying it belongs to no return) is a
    # decision about the store's goods: owners only.
    "orphan_receipt.view": Rule("returns.view_orphanreceipt", MEMBER, "see orphan receipts"),
    "orphan_receipt.link": Rule("returns.change_orphanreceipt", MEMBER, "link an orphan receipt to a return"),
    "orphan_receipt.dismiss": Rule("returns.change_orphanreceipt", OWNER, "dismiss an orphan receipt"),
    # People.
    "member.view": Rule("integrations.view_storemembership", MEMBER, "see the store's members"),
    "member.manage": Rule("integrations.change_storemembership", OWNER, "manage the store's members"),
    "invite.add": Rule("integrations.add_storeinvite", OWNER, "invite people"),
    "invite.revoke": Rule("integrations.change_storeinvite", OWNER, "revoke invites"),
    "api_token.revoke": Rule("config.delete_apitoken", None, "revoke API tokens"),
    "sandbox.receive": Rule("sandbox.change_sandboxreturn", None, "receive sandbox RMAs"),
    **_rows("location", "warehouses", "shippinglocation", "shipping locations"),
    **_rows("sku_mapping", "warehouses", "skumapping", "SKU mappings"),
    **_rows("disposition_rule", "returns", "dispositionrule", "disposition rules"),
    **_rows("status_mapping", "returns", "statusmapping", "status mappings"),
    **_rows("grade_mapping", "returns", "grademapping", "grade mappings"),
    **_rows("routing_rule", "returns", "routingrule", "routing rules"),
    # A dry run replays stored returns through rules and writes nothing: whoever may read the rules may run it,
    # with drafts too (saving them is the owners').
    "routing_rule.dry_run": Rule("returns.view_routingrule", MEMBER, "run a dry run of routing rules"),
}


class UnknownAction(KeyError):
    """A programming error: every action asked about must be in RULES."""


def rule(action: str) -> Rule:
    try:
        return RULES[action]
    except KeyError as exc:
        raise UnknownAction(action) from exc


def _active(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def staff_may(user: Any, action: str) -> bool:
    """Whether the user's staff permissions allow the action in every store."""
    return _active(user) and (user.is_staff or user.is_superuser) and user.has_perm(rule(action).perm)


def store_roles(user: Any) -> dict[int, str]:
    """{store id: role} of the user's memberships, read once per user object (a request's user)."""
    if not _active(user):
        return {}
    cached = getattr(user, "_backhaul_store_roles", None)
    if cached is None:
        cached = dict(StoreMembership.objects.filter(user_id=user.pk).values_list("store_id", "role"))
        user._backhaul_store_roles = cached
    return cached


def forget_roles(user: Any) -> None:
    """Drop the cached roles (after a membership of this user changed in the same request)."""
    if hasattr(user, "_backhaul_store_roles"):
        del user._backhaul_store_roles


def role_allows(role: str | None, least: str | None) -> bool:
    return role is not None and least is not None and ROLE_RANK.get(role, 0) >= ROLE_RANK[least]


def can(user: Any, action: str, store: Store | int | None = None) -> bool:
    """May `user` do `action` (in `store`, when it concerns one)? The one permission question."""
    if staff_may(user, action):
        return True
    if store is None or not _active(user):
        return False
    store_id = store if isinstance(store, int) else store.pk
    return role_allows(store_roles(user).get(store_id), rule(action).role)


def stores_where(user: Any, action: str) -> QuerySet[Store]:
    """Every store in which `user` may do `action`."""
    if staff_may(user, action):
        return Store.objects.all()
    least = rule(action).role
    if least is None or not _active(user):
        return Store.objects.none()
    roles = [role for role, rank in ROLE_RANK.items() if rank >= ROLE_RANK[least]]
    return Store.objects.filter(memberships__user_id=user.pk, memberships__role__in=roles)


def scope(queryset: QuerySet, *, user: Any, action: str, store_field: str = "store") -> QuerySet:
    """The rows of `queryset` (store-owned, through `store_field`) on which `user` may do `action`."""
    if staff_may(user, action):
        return queryset
    return queryset.filter(**{f"{store_field}__in": stores_where(user, action).values("pk")})


def refusal(action: str) -> str:
    """One sentence saying who may do the action, for a 403."""
    the_rule = rule(action)
    if the_rule.role == OWNER:
        return f"Only the store's owners can {the_rule.words}. Ask an owner of the store."
    if the_rule.role == MEMBER:
        return f"Only the store's members can {the_rule.words}."
    return f"Only Backhaul support can {the_rule.words}."
