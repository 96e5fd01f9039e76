"""Step 6: what stands between the store and going live, and going live."""

import logging

from integrations.models import Connection, Store
from integrations.wizard.selectors import (
    connections_in_use,
    locations_for_store,
    returns_platform_connection,
    warehouse_connection,
)
from integrations.wizard.services.errors import WizardError

logger = logging.getLogger(__name__)


def store_go_live_blockers(*, store: Store) -> list[str]:
    """What must be done before the store can go live (empty: ready)."""
    from integrations.wizard.selectors import connection_is_verified, location_is_linked, location_on_other_system

    blockers = []
    if not connection_is_verified(returns_platform_connection(store=store)):
        blockers.append("Connect and check your returns platform (step 1).")
    if not connection_is_verified(warehouse_connection(store=store)):
        blockers.append("Connect and check your warehouse system (step 2).")
    locations = locations_for_store(store=store)
    if not any(loc.is_default and location_is_linked(loc) for loc in locations):
        blockers.append("Link a default shipping location to a warehouse (step 3).")
    warehouse = warehouse_connection(store=store)
    for loc in locations:
        if warehouse is not None and loc.warehouse_connection and location_on_other_system(loc, warehouse):
            blockers.append(
                f"{loc.name} is linked to {loc.warehouse_connection.display_name}, not {warehouse.display_name}: "
                "choose one of its warehouses (step 3)."
            )
    return blockers


def store_go_live(*, store: Store) -> list[Connection]:
    """Set the store's draft and paused connections to active (queueing RMAs that waited, such as the test's).

    Failing connections stay as they are: their circuit breaker is reset by support. Connections
    the merchant tried and moved away from (another warehouse system) stay drafts.
    """
    from integrations.services.connections import connection_resume

    blockers = store_go_live_blockers(store=store)
    if blockers:
        raise WizardError(" ".join(blockers))
    waiting = [
        c for c in connections_in_use(store=store) if c.status in (Connection.Status.DRAFT, Connection.Status.PAUSED)
    ]
    return [connection_resume(connection=connection) for connection in waiting]
