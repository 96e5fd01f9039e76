"""RMA planning, numbering and pushing (owned by the RMA work; the intake calls the entry points below)."""

from returns.models import Return


def rmas_on_return_changed(*, return_obj: Return, change: str, webhook_id: int | None = None) -> None:
    """React to a return change from the intake.

    change is one of: "created", "updated", "label_created", "label_updated", "cancelled",
    "label_request_cancelled". Plans RMAs when the store's trigger is met, pushes tracking,
    cancels RMAs.
    """
