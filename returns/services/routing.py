"""Asking the store's warehouse systems for a return's order, for routing's step 3 (returns/routing.py).

Network: before any transaction opens (the intake's prepare step, or planning of an unlocked return before
it takes the lock). The answer is cached an hour, misses too, so planning under the lock reads it from there.
"""

import logging

from django.core.cache import cache

from integrations.exceptions import ProviderError
from integrations.models import Connection
from integrations.registry import get_declaration, get_warehouse_client
from integrations.services.sandbox_addresses import is_sandbox_url
from returns.models import Return
from returns.routing import OrderLookup, order_lookup_cached, order_lookup_key, return_order_ids

logger = logging.getLogger(__name__)

ORDER_LOOKUP_CACHE_SECONDS = 3600


def order_lookup_fetch(*, return_obj: Return) -> OrderLookup:
    """Ask each active warehouse connection of the store for the order; cached an hour, misses too."""
    cached = order_lookup_cached(return_obj=return_obj)
    if cached is not None:
        return cached
    found = OrderLookup()
    connections = Connection.objects.filter(
        store_id=return_obj.store_id, role=Connection.Role.WAREHOUSE, status=Connection.Status.ACTIVE
    ).order_by("id")
    for connection in connections:
        if not get_declaration(connection.provider).supports_order_lookup:
            continue
        try:
            client = get_warehouse_client(connection=connection)
            # Test data asks only sandbox warehouses, never a live WMS, even for a read.
            if (return_obj.is_test or return_obj.store.is_sandbox) and not is_sandbox_url(client.base_url):
                continue
            with client.log_context(return_obj_id=return_obj.pk):
                ref = client.order_find(
                    order_name=return_obj.order_name,
                    order_number=return_obj.order_number,
                    order_ids=return_order_ids(return_obj),
                )
        except ProviderError as exc:
            # Routing falls through to the default location; the ApiCall row keeps the details.
            logger.info("order lookup failed on connection %s: %s", connection.pk, type(exc).__name__)
            continue
        if ref is not None:
            found = OrderLookup(connection_id=connection.pk, order=ref)
            break
    cache.set(
        order_lookup_key(return_obj),
        (found.connection_id, found.order) if found.order else (),
        ORDER_LOOKUP_CACHE_SECONDS,
    )
    return found
