"""A store's status mappings: warehouse outcome (fully received, short, damaged, ...) → what Backhaul does on the
returns platform (process, flag with a note, ignore). Every store has one per outcome, from the defaults on."""

from returns.models import StatusMapping
from returns.warehouse_outcomes import DEFAULT_STATUS_MAPPINGS


def status_mappings_ensure(*, store_id: int) -> dict[str, StatusMapping]:
    """The store's mapping per outcome, creating any missing row with its default (visible in the admin)."""
    rows = {m.outcome: m for m in StatusMapping.objects.filter(store_id=store_id)}
    missing = [
        StatusMapping(store_id=store_id, outcome=outcome, action=action, note_template=note)
        for outcome, (action, note) in DEFAULT_STATUS_MAPPINGS.items()
        if outcome not in rows
    ]
    if missing:
        # ignore_conflicts: two workers may fill in the same store at once (unique per store+outcome).
        StatusMapping.objects.bulk_create(missing, ignore_conflicts=True)
        rows = {m.outcome: m for m in StatusMapping.objects.filter(store_id=store_id)}
    return rows


def status_mapping_resolve(*, store_id: int, outcome: str) -> StatusMapping:
    """The store's mapping for one outcome (the default when the store has none yet)."""
    return status_mappings_ensure(store_id=store_id)[outcome]
